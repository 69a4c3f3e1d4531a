from html.parser import HTMLParser

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


class _Sections(HTMLParser):
    """Each row heading of the page (``<th scope="row">``) with the ``<h2>`` it sits under."""

    def __init__(self):
        super().__init__()
        self.heading, self.rows, self._in = "", [], None

    def handle_starttag(self, tag, attrs):
        if tag == "h2" or (tag == "th" and ("scope", "row") in attrs):
            self._in, self._text = tag, ""

    def handle_data(self, data):
        if self._in:
            self._text += data

    def handle_endtag(self, tag):
        if tag == self._in == "h2":
            self.heading, self._in = self._text.strip(), None
        elif tag == self._in == "th":
            self.rows.append((self.heading, self._text.strip()))
            self._in = None


def sections(html: str) -> dict[str, list[str]]:
    parser = _Sections()
    parser.feed(html)
    found: dict[str, list[str]] = {}
    for heading, row in parser.rows:
        found.setdefault(heading, []).append(row)
    return found


@pytest.mark.parametrize("role", ["data_scientist", "ml_engineer", "full_stack_data_scientist"])
def test_the_role_page_shows_inferences_apart_under_their_own_heading(member, rubric_version, role):
    facts = rubric_version.profiles.get(role__key=role).facts

    found = sections(member.get(f"/roles/{role}/").content.decode())

    from_documents = [fact["label"] for fact in facts if fact["basis"] == "documents"]
    inferences = [fact["label"] for fact in facts if fact["basis"] == "inference"]
    assert found["Facts from the documents"] == from_documents
    assert found.get("Our reasoning, beyond the documents", []) == inferences


def test_the_full_stack_page_shows_its_tools_as_our_reasoning_with_the_reasoning(member):
    html = member.get("/roles/full_stack_data_scientist/").content.decode()
    facts_part, reasoning_part = html.split('id="our-reasoning"')

    assert "Presumably both specialist lists" not in facts_part
    assert "Presumably both specialist lists" in reasoning_part
    assert "The documents give no tool list for this role." in reasoning_part


def test_a_fact_resting_on_several_sentences_shows_each_quote(member):
    html = member.get("/roles/ml_engineer/").content.decode()

    assert "<q>Distributed Computing (Apache Spark)</q>" in html
    assert "MLEs emphasize them more for production-ready systems.</q>" in html


@pytest.mark.parametrize("url", ["/roles/ml_engineer/", "/advisor/?team_type=research&primary_need=explore"])
def test_sources_are_cited_by_title_with_the_file_name_as_a_detail(member, url):
    html = member.get(url).content.decode()

    assert "<cite>ML Engineer vs Data Scientist: Complete Comparison for AI Hiring</cite>" in html
    assert '<small class="source-file">(file 000_4b3c510425667054.txt)</small>' in html
    assert "— 000_4b3c510425667054.txt" not in html


def test_the_role_page_explains_how_expected_levels_are_set_and_used(member):
    from scoring.engine import EXPECTED_CREDIT

    html = member.get("/roles/data_scientist/").content.decode()

    assert "capped at 4 (Strong)" in html
    assert f"{EXPECTED_CREDIT:.0%} at the expected level" in html
    assert "No role expects 5 (Leading)" in html


def test_the_roles_page_marks_our_reasoning_among_the_facts(member):
    html = member.get("/roles/").content.decode()

    assert html.count("(our reasoning, not the documents)") == 4  # the full-stack role's inferences
