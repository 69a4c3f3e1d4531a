"""Each scoring read makes a fixed number of queries, whatever the page size, for a token and a person.

Token (a narrow one: only the endpoint's scope): the token lookup, then the endpoint's own queries.
Committee member (session): the session and user, their groups, their committee seats (+3), then the same.
"""

import pytest

from tests.factories import OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db

# name: (scope, url template, token queries, whether it is a list)
READS = {
    # The page of score states (with their openings), and the fit rows of all of them with role keys.
    "fit_scores": ("scores:read", "/api/v1/fit-scores/?opening={opening}", 3, True),
    "fit_scores_everywhere": ("scores:read", "/api/v1/fit-scores/", 3, True),
    "fit_scores_since": (
        "scores:read",
        "/api/v1/fit-scores/?opening={opening}&updated_since=2000-01-01T00:00:00Z",
        3,
        True,
    ),
    # The application with its opening and score state, and its fit rows with their roles.
    "fit_report": ("scores:read", "/api/v1/applications/{application}/fit-scores/", 3, False),
    # The shortlist (with its role), then the page of entries with candidates' names and role keys.
    "shortlist_entries": ("shortlists:read", "/api/v1/shortlists/{shortlist}/entries/", 3, True),
    "shortlist": ("shortlists:read", "/api/v1/shortlists/{shortlist}/", 2, False),
    # The opening, then the page of its shortlists with their roles.
    "opening_shortlists": ("shortlists:read", "/api/v1/openings/{opening}/shortlists/", 3, True),
}
SESSION_QUERIES = 3  # beyond a token's one: session and user, groups, committee seats
ITEMS = {"fit_scores": 6, "fit_scores_everywhere": 6, "fit_scores_since": 6, "shortlist_entries": 6}


@pytest.fixture
def scored(scored_opening, token_client, committee_member, django_capture_on_commit_callbacks):
    """A scored opening of six on ``committee_member``'s seat, with three ready shortlists; its ids."""
    opening, applications, _, _ = scored_opening(6)
    opening.committee.add(committee_member)
    writer = token_client(["shortlists:write"])
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            shortlist = writer.post(f"/api/v1/openings/{opening.pk}/shortlists/", {}, format="json").data
    return {"opening": opening.pk, "application": applications[0].pk, "shortlist": shortlist["id"]}


def _urls(name: str, ids: dict) -> list[str]:
    url = READS[name][1].format(**ids)
    if not READS[name][3]:
        return [url]
    separator = "&" if "?" in url else "?"
    return [f"{url}{separator}page_size=2", f"{url}{separator}page_size=50"]


def _sizes(responses) -> list:
    return [len(response.data["results"]) if "results" in response.data else None for response in responses]


@pytest.mark.parametrize("name", READS)
def test_scoring_reads_make_a_fixed_number_of_queries_for_a_token_holding_only_their_scope(
    scored, token_client, django_assert_num_queries, name
):
    scope, _, queries, is_list = READS[name]
    client = token_client([scope])
    urls = _urls(name, scored)
    client.get(urls[0])  # the first use stamps the token's last_used_at

    responses = []
    for url in urls:
        with django_assert_num_queries(queries):
            responses.append(client.get(url))

    assert [response.status_code for response in responses] == [200] * len(urls)
    if is_list:
        assert _sizes(responses) == [2, ITEMS.get(name, 3)]


@pytest.mark.parametrize("name", READS)
def test_scoring_reads_make_a_fixed_number_of_queries_for_a_committee_member(
    scored, session_client, committee_member, django_assert_num_queries, name
):
    _, _, queries, is_list = READS[name]
    client = session_client(committee_member)
    urls = _urls(name, scored)

    responses = []
    for url in urls:
        with django_assert_num_queries(queries + SESSION_QUERIES):
            responses.append(client.get(url))

    assert [response.status_code for response in responses] == [200] * len(urls)
    if is_list:
        assert _sizes(responses) == [2, ITEMS.get(name, 3)]


@pytest.mark.parametrize("name", READS)
def test_a_committee_member_of_another_opening_gets_none_of_it(scored, session_client, name):
    other = UserFactory(username="cody_other_committee", groups=["hiring committee"])
    OpeningFactory(title="Their opening", committee=[other])
    client = session_client(other)

    responses = [client.get(url) for url in _urls(name, scored)]

    if name.startswith("fit_scores"):  # a list of everything visible: the opening's items are absent
        assert [(response.status_code, response.data["results"]) for response in responses] == [(200, [])] * 2
    else:
        assert [response.status_code for response in responses] == [404] * len(responses)
