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


def test_the_version_page_shows_scale_documents_and_advisor_as_tables_not_json(
    admin_client_logged_in, rubric_version
):
    html = admin_client_logged_in.get(f"/admin/assessments/rubricversion/{rubric_version.pk}/change/").content
    html = html.decode()

    for raw in ('name="scale"', 'name="documents"', 'name="advisor"', '{"1":', "&quot;rules&quot;"):
        assert raw not in html, raw
    assert "<td>5</td><td>Leading</td>" in html
    assert "<td>ML Engineer vs Data Scientist: Complete Comparison for AI Hiring</td>" in html
    assert "<code>000_4b3c510425667054.txt</code>" in html
    assert "<code>startup_first_ml_product</code>" in html
    assert "<q>Research-focused team → Data scientist may be sufficient</q>" in html
    assert "<code>first_ml_product</code> = yes" in html


def test_the_version_page_escapes_what_it_renders(admin_client_logged_in, rubric_version):
    RubricVersion.objects.filter(pk=rubric_version.pk).update(
        documents={"x": {"file": "x.txt", "title": "<script>alert(1)</script>"}},
        scale={"1": "<b>Not yet</b>"},
        advisor={
            "questions": {},
            "rules": [{"key": "k", "when": {"q": "<i>"}, "hire": "h", "advice": "<a>"}],
        },
    )

    html = admin_client_logged_in.get(f"/admin/assessments/rubricversion/{rubric_version.pk}/change/").content
    html = html.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Not yet&lt;/b&gt;" in html
    assert "= &lt;i&gt;" in html


def test_an_unlocked_version_keeps_its_name_editable_and_its_json_read_only(
    admin_client_logged_in, rubric_version
):
    url = f"/admin/assessments/rubricversion/{rubric_version.pk}/change/"
    scale = rubric_version.scale

    response = admin_client_logged_in.post(
        url,
        {
            "name": "Renamed",
            "description": "",
            "scale": '{"1": "changed"}',
            **{
                f"{prefix}-{key}": value
                for prefix in ("areas", "profiles")
                for key, value in (
                    ("TOTAL_FORMS", "0"),
                    ("INITIAL_FORMS", "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    rubric_version.refresh_from_db()
    assert rubric_version.name == "Renamed"
    assert rubric_version.scale == scale


def test_the_role_profile_page_shows_facts_with_their_basis_and_quotes(
    admin_client_logged_in, rubric_version
):
    profile = rubric_version.profiles.get(role__key="full_stack_data_scientist")

    html = admin_client_logged_in.get(f"/admin/assessments/roleprofile/{profile.pk}/change/").content.decode()

    assert 'name="facts"' not in html
    assert "<td>our inference</td>" in html
    assert "<td>the documents</td>" in html
    assert "— Data Scientist vs Machine Learning Engineer" in html
