import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("member"))
    return client


@pytest.mark.parametrize("url", ["/api/v1/roles/", "/api/v1/rubric-versions/", "/api/v1/advisor/"])
def test_rubric_endpoints_need_a_logged_in_user(client, url):
    assert client.get(url).status_code == 401  # Bearer challenge


@pytest.mark.parametrize("url", ["/roles/", "/roles/ml_engineer/", "/advisor/"])
def test_rubric_pages_need_a_logged_in_user(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_roles_endpoint_lists_three_roles_with_profiles_and_facts(member, rubric_version):
    body = member.get("/api/v1/roles/").json()["results"]

    assert [role["key"] for role in body] == ["data_scientist", "ml_engineer", "full_stack_data_scientist"]
    mle = body[1]
    assert mle["rubric_version"] == rubric_version.number
    se = next(entry for entry in mle["entries"] if entry["area"] == "software_engineering")
    assert se["weight"] == 9
    assert se["source"]["file"] == "000_4b3c510425667054.txt"
    assert "ML 9/10" in se["source"]["statement"]
    assert any(fact["kind"] == "compensation_range" for fact in mle["facts"])


def test_role_detail_endpoint_and_unknown_role(member):
    assert member.get("/api/v1/roles/data_scientist/").json()["name"] == "Data Scientist"
    assert member.get("/api/v1/roles/astronaut/").status_code == 404


def test_rubric_version_detail_has_areas_anchors_and_profiles(
    member, rubric_version, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        body = member.get(f"/api/v1/rubric-versions/{rubric_version.pk}/").json()

    assert body["number"] == rubric_version.number
    assert len(body["areas"]) == 13
    assert [anchor["level"] for anchor in body["areas"][0]["anchors"]] == [1, 2, 3, 4, 5]
    assert len(body["profiles"]) == 3
    assert body["advisor"]["rules"]


def test_rubric_versions_are_read_only_over_the_api(member, rubric_version):
    assert member.post("/api/v1/rubric-versions/", {}).status_code == 405
    assert member.delete(f"/api/v1/rubric-versions/{rubric_version.pk}/").status_code == 405


def test_role_page_shows_facts_profile_sources_and_anchors(member, rubric_version):
    html = member.get("/roles/ml_engineer/").content.decode()

    assert "Machine Learning Engineer" in html
    assert "$140k - $250k" in html
    assert "ML 9/10" in html
    assert "000_4b3c510425667054.txt" in html
    first_anchor = rubric_version.areas.get(key="software_engineering").anchors.get(level=1).description
    assert first_anchor.replace("'", "&#x27;").replace('"', "&quot;")[:40] in html


def test_roles_page_lists_the_three_roles(member):
    html = member.get("/roles/").content.decode()

    for name in ("Data Scientist", "Machine Learning Engineer", "Full-stack Data Scientist"):
        assert name in html
