"""The database connection of a request is dropped while the request runs.

The request's backend is made to wait on a row lock held by another
connection, then terminated with ``pg_terminate_backend`` (as a failover or a
restart would): the client gets a clean 503 with ``Retry-After``, nothing is
half-written, and the next request works on a fresh connection.
"""

import threading

import psycopg
import pytest
from django.db import connection, connections

from assessments.models import Scorecard
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

AMEND = {
    "reason": "Second look at the notes.",
    "expected_revision": 1,
    "recommendation": "strong_yes",
    "summary": "Better than I wrote.",
    "ratings": {
        "software_engineering": {"level": 5},
        "statistics_experimentation": {"level": 4},
        "communication": {"level": 4},
    },
}


def raw_connection(*, autocommit: bool = False) -> psycopg.Connection:
    """A connection of our own to the test database, outside Django's."""
    settings = connection.settings_dict
    return psycopg.connect(
        autocommit=autocommit,
        dbname=settings["NAME"],
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )


def dropped_mid_request(send, *, lock_sql: str, lock_params: list):
    """Run ``send()`` in a thread while a row it needs is locked, terminate its backend, return its answer.

    Returns the response and how many backends were terminated (1 when the request was caught waiting).
    """
    answers = []

    def request() -> None:
        try:
            answers.append(send())
        finally:
            connections.close_all()

    # The killer autocommits: within a transaction PostgreSQL shows the same activity snapshot each time.
    with raw_connection() as locker, raw_connection(autocommit=True) as killer:
        locker.execute(lock_sql, lock_params)  # a transaction is open until rollback
        thread = threading.Thread(target=request)
        thread.start()
        try:
            waiting = wait_for(
                lambda: killer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> %s",
                    [locker.info.backend_pid],
                ).fetchall(),
                timeout=30,
            )
            terminated = sum(
                bool(killer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0])
                for (pid,) in waiting
            )
        finally:
            locker.rollback()
            thread.join(timeout=30)
    assert not thread.is_alive()
    return answers[0], terminated


@pytest.fixture
def submitted(rubric_version, interview, interviewer):
    draft = scorecard_save_draft(
        interview=interview,
        user=interviewer,
        recommendation="yes",
        ratings=[RatingInput(area.key, 3) for area in interview.focus_areas.all()],
    )
    return scorecard_submit(scorecard=draft, user=interviewer)


def test_an_api_request_whose_database_connection_drops_gets_a_503_and_the_next_one_works(
    submitted, token_client
):
    ats = token_client(["scorecards:read", "scorecards:write"])
    url = f"/api/v1/scorecards/{submitted.pk}/amend/"

    response, terminated = dropped_mid_request(
        lambda: ats.post(url, AMEND, format="json"),
        lock_sql="SELECT id FROM assessments_scorecard WHERE id = %s FOR UPDATE",
        lock_params=[submitted.pk],
    )

    assert terminated == 1
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable"
    assert response["Retry-After"] == "5"
    submitted.refresh_from_db()
    assert (submitted.revision, submitted.recommendation, submitted.revisions.count()) == (1, "yes", 1)

    retried = ats.post(url, AMEND, format="json")

    assert retried.status_code == 200, retried.content
    assert retried.json()["revision"] == 2


def test_a_page_whose_database_connection_drops_gets_a_503_page_and_the_next_post_works(
    rubric_version, client, interview, interviewer
):
    draft = scorecard_save_draft(
        interview=interview,
        user=interviewer,
        recommendation="yes",
        ratings=[RatingInput(area.key, 4) for area in interview.focus_areas.all()],
    )
    client.force_login(interviewer)
    url = f"/interviews/{interview.pk}/scorecard/submit/"

    response, terminated = dropped_mid_request(
        lambda: client.post(url),
        lock_sql="SELECT id FROM assessments_scorecard WHERE id = %s FOR UPDATE",
        lock_params=[draft.pk],
    )

    assert terminated == 1
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert response["Retry-After"] == "5"
    assert Scorecard.objects.get(pk=draft.pk).status == Scorecard.Status.DRAFT

    retried = client.post(url)

    assert retried.status_code == 302
    assert Scorecard.objects.get(pk=draft.pk).status == Scorecard.Status.SUBMITTED
