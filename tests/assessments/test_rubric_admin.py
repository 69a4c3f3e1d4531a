import pytest

from assessments.models import ProfileEntry, RubricVersion, SkillArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def locked_version(rubric_version):
    rubric_version.locked_at = rubric_version.created_at
    rubric_version.save(update_fields=["locked_at"])
    return rubric_version


def test_admin_lists_rubric_versions_areas_and_profiles(admin_client_logged_in, rubric_version):
    for url in (
        "/admin/assessments/rubricversion/",
        "/admin/assessments/skillarea/",
        "/admin/assessments/roleprofile/",
        "/admin/assessments/role/",
        f"/admin/assessments/rubricversion/{rubric_version.pk}/change/",
    ):
        assert admin_client_logged_in.get(url).status_code == 200, url


def test_a_locked_versions_areas_are_read_only_in_the_admin(admin_client_logged_in, locked_version):
    area = locked_version.areas.get(key="communication")
    url = f"/admin/assessments/skillarea/{area.pk}/change/"

    page = admin_client_logged_in.get(url)
    response = admin_client_logged_in.post(
        url, {"name": "Changed", "key": area.key, "version": locked_version.pk}
    )

    assert page.status_code == 200
    assert b'name="name"' not in page.content  # shown, not editable
    assert response.status_code == 403
    assert SkillArea.objects.get(pk=area.pk).name != "Changed"


def test_a_locked_versions_profile_entries_cannot_be_changed(admin_client_logged_in, locked_version):
    profile = locked_version.profiles.get(role__key="ml_engineer")

    response = admin_client_logged_in.post(
        f"/admin/assessments/roleprofile/{profile.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert ProfileEntry.objects.filter(profile=profile).count() == 13


def test_editing_a_locked_version_goes_through_a_new_version(admin_client_logged_in, locked_version):
    response = admin_client_logged_in.post(
        "/admin/assessments/rubricversion/",
        {"action": "fork_versions", "_selected_action": [locked_version.pk]},
    )

    assert response.status_code == 302
    fork = RubricVersion.objects.get(based_on=locked_version)
    area = fork.areas.get(key="communication")
    page = admin_client_logged_in.get(f"/admin/assessments/skillarea/{area.pk}/change/")
    assert b'name="name"' in page.content
    # The locked original is unchanged and still read-only.
    assert RubricVersion.objects.get(pk=locked_version.pk).is_locked
