"""Each hiring list makes the same number of queries whatever the page size; an upsert makes few."""

import pytest

from hiring.services import decision_record
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db

# Token: the token lookup, the page, and for interviews their focus areas and interviewers.
# Committee member (session): the session and user, their groups, their committee seats, the page (+2).
LISTS = [
    ("/api/v1/openings/", 2, 5),
    ("/api/v1/candidates/", 2, 5),
    ("/api/v1/applications/", 2, 5),
    ("/api/v1/interviews/", 4, 7),
    ("/api/v1/decisions/", 2, 5),
    ("/api/v1/applications/?updated_since=2000-01-01T00:00:00Z", 2, 5),
]


@pytest.fixture
def many_records(committee_member):
    """Six openings on ``committee_member``'s seat, each with an application, interview and decision."""
    interviewers = [UserFactory(groups=["interviewer"]) for _ in range(2)]
    for _ in range(6):
        application = ApplicationFactory(opening=OpeningFactory(committee=[committee_member]))
        InterviewFactory(application=application, interviewers=interviewers)
        decision_record(application=application, outcome="advance", rationale="Good.", actor=None)


@pytest.mark.parametrize(("url", "token_queries", "committee_queries"), LISTS)
def test_lists_make_a_fixed_number_of_queries_for_a_token(
    ats, many_records, django_assert_num_queries, url, token_queries, committee_queries
):
    separator = "&" if "?" in url else "?"
    ats.get(url)  # the first use stamps the token's last_used_at

    with django_assert_num_queries(token_queries):
        small = ats.get(f"{url}{separator}page_size=2")
    with django_assert_num_queries(token_queries):
        large = ats.get(f"{url}{separator}page_size=50")

    assert (len(small.json()["results"]), len(large.json()["results"])) == (2, 6)


@pytest.mark.parametrize(("url", "token_queries", "committee_queries"), LISTS)
def test_lists_make_a_fixed_number_of_queries_for_a_committee_member(
    session_client,
    committee_member,
    many_records,
    django_assert_num_queries,
    url,
    token_queries,
    committee_queries,
):
    client = session_client(committee_member)
    separator = "&" if "?" in url else "?"

    with django_assert_num_queries(committee_queries):
        small = client.get(f"{url}{separator}page_size=2")
    with django_assert_num_queries(committee_queries):
        large = client.get(f"{url}{separator}page_size=50")

    assert (len(small.json()["results"]), len(large.json()["results"])) == (2, 6)


# The token lookup, then the service's one transaction (a savepoint here, inside the test's):
# the candidate's row read once and locked, and the insert or the update.
UPSERT_QUERIES = 5


def test_a_candidate_upsert_makes_a_fixed_number_of_queries_to_create_and_to_update(
    token_client, django_assert_num_queries
):
    client = token_client(["candidates:write", "candidates:read"])
    client.get("/api/v1/candidates/")  # the first use stamps the token's last_used_at
    url = "/api/v1/candidates/external/greenhouse/gh-1001/"

    with django_assert_num_queries(UPSERT_QUERIES):
        created = client.put(url, {"name": "Ada Lovelace", "email": "ada@example.com"}, format="json")
    with django_assert_num_queries(UPSERT_QUERIES):
        updated = client.put(url, {"name": "Ada King", "email": "ada@example.com"}, format="json")
    with django_assert_num_queries(UPSERT_QUERIES - 1):  # nothing changed: no update
        unchanged = client.put(url, {"name": "Ada King", "email": "ada@example.com"}, format="json")

    assert (created.status_code, updated.status_code, unchanged.status_code) == (201, 200, 200)
    assert updated.json()["name"] == "Ada King"
    assert unchanged.json() == updated.json()
