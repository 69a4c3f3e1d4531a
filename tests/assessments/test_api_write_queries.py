"""What a scorecard write costs in queries, and that the answer it gives is what a read shows.

The counts are as the test client sees them: the test runs in a transaction, so
each service's own transaction shows as a SAVEPOINT and its RELEASE (in
production they are the BEGIN and COMMIT the database driver sends unseen).
The issue's budget for a submission is 15; these pin what it is.
"""

import pytest

from assessments.models import Scorecard
from assessments.services import rubric_version_lock
from tests.assessments.test_api_scorecards import amend_body, body, submit_url, submitted

pytestmark = pytest.mark.django_db

WRITE = ["scorecards:write"]
BOTH = ["scorecards:read", "scorecards:write"]


@pytest.fixture
def ats(token_client):
    client = token_client(BOTH)
    client.get("/api/v1/scorecards/")  # the token's last use is stamped once a minute, not per request
    return client


@pytest.fixture
def used_rubric(interview):
    """The opening's rubric version, already locked by an earlier scorecard (the usual case)."""
    rubric_version_lock(version=interview.application.opening.rubric_version)


def test_a_token_submission_takes_thirteen_queries(
    ats, interview, interviewer, used_rubric, django_assert_num_queries
):
    # The token; the interview with its application, opening and rubric version; its focus areas;
    # the interviewer; then in one transaction (2): the assignment with any scorecard of theirs, the
    # scorecard's insert, its ratings' (one), the revision, the event, the webhook subscriptions,
    # the audit entry.
    with django_assert_num_queries(13):
        response = ats.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert response.status_code == 201, response.json()


def test_the_first_scorecard_on_a_rubric_version_locks_it_with_one_query_more(
    ats, interview, interviewer, django_assert_num_queries
):
    with django_assert_num_queries(14):
        response = ats.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert response.status_code == 201, response.json()
    interview.application.opening.rubric_version.refresh_from_db()
    assert interview.application.opening.rubric_version.locked_at is not None


def test_submitting_a_saved_draft_locks_it_and_replaces_its_ratings(
    ats, interview, interviewer, used_rubric, django_assert_num_queries
):
    ats.post(submit_url(interview), body({"email": interviewer.email}, draft=True), format="json")

    # As a first submission, plus the draft's row lock and the deletion of its old ratings.
    with django_assert_num_queries(15):
        response = ats.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert response.status_code == 201, response.json()
    assert Scorecard.objects.get().ratings.count() == 3


def test_an_idempotent_submission_costs_its_bookkeeping_on_top(
    ats, interview, interviewer, used_rubric, django_assert_num_queries
):
    payload = body({"email": interviewer.email})

    # The claim's insert and the answer's storing: a submission with a key is still within 15.
    with django_assert_num_queries(13 + 2):
        first = ats.post(submit_url(interview), payload, format="json", HTTP_IDEMPOTENCY_KEY="gh-1")
    # The token; the claim's insert, which finds the key taken; the stored answer.
    with django_assert_num_queries(3):
        again = ats.post(submit_url(interview), payload, format="json", HTTP_IDEMPOTENCY_KEY="gh-1")

    assert again.json() == first.json()


def test_a_signed_in_interviewer_submission_stays_within_the_budget(
    session_client, interview, interviewer, used_rubric, django_assert_num_queries
):
    client = session_client(interviewer)

    # The session, the user, their groups, their committee seats (the API roles), the interview, its
    # focus areas and its assignments (who may write), then the submission's transaction as for a
    # token, without the audit entry (a person's own submission is their scorecard's history).
    with django_assert_num_queries(15):
        response = client.post(submit_url(interview), body(), format="json")

    assert response.status_code == 201, response.json()


def test_a_token_amendment_takes_a_fixed_number_of_queries(
    ats, interview, interviewer, django_assert_num_queries
):
    scorecard = submitted(interview, interviewer)

    # The token, the scorecard and its ratings (as the API finds it), then in one transaction (2): its
    # row lock, the focus areas, its update, its old ratings' deletion, the new ratings' insert, the
    # revision, the event, the subscriptions, the audit entry.
    with django_assert_num_queries(14):
        response = ats.post(f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(), format="json")

    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("draft", [False, True])
def test_the_submission_answers_what_a_read_of_the_scorecard_shows(ats, interview, interviewer, draft):
    """The answer is rendered from what was just written, not read back: it must match a read."""
    response = ats.post(submit_url(interview), body({"email": interviewer.email}, draft=draft), format="json")
    scorecard = Scorecard.objects.get()

    if draft:  # tokens never read drafts; the interviewer does
        from rest_framework.test import APIClient

        reader = APIClient()
        reader.force_login(interviewer)
    else:
        reader = ats
    assert response.json() == reader.get(f"/api/v1/scorecards/{scorecard.pk}/").json()


def test_the_amendment_answers_what_a_read_of_the_scorecard_shows(ats, interview, interviewer):
    scorecard = submitted(interview, interviewer)

    response = ats.post(f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(), format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == ats.get(f"/api/v1/scorecards/{scorecard.pk}/").json()
    assert [r["area"] for r in response.json()["ratings"]] == [
        "software_engineering",
        "statistics_experimentation",
        "communication",
    ]
