"""Interviewers and a recruiter act on the same application at the same moment, over the API.

Each request runs in its own thread with its own database connection, all
released together by a barrier: a double-clicked submit, a second
interviewer's submit, and two recruiters' amendments of a third scorecard
from the same revision. No update is lost, no scorecard is duplicated, the
stale amendment is refused, and the history agrees with the rows. Celery is
not eager: the recomputes go to a real worker, as in production.
"""

import threading

import pytest
from django.db import connections

from assessments.models import Scorecard, ScorecardRevision
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from integrations.models import Event
from scoring.services import applications_stale
from tests.conftest import wait_for
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
AREAS = ["software_engineering", "statistics_experimentation", "communication"]


def ratings(level: int) -> dict:
    return {key: {"level": level, "evidence": f"Level {level}."} for key in AREAS}


def post(client, url: str, body: dict):
    """A call that POSTs ``body`` as JSON, for ``all_at_once``."""
    return lambda: client.post(url, body, format="json")


def all_at_once(calls: dict) -> dict:
    """Run every call in its own thread, released together; returns each call's response by name."""
    barrier = threading.Barrier(len(calls))
    responses, errors = {}, []

    def run(name, call) -> None:
        try:
            barrier.wait(timeout=30)
            responses[name] = call()
        except Exception as error:  # surfaced below, with the call that raised it
            errors.append((name, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return responses


def test_simultaneous_submits_and_amends_lose_nothing_duplicate_nothing_and_refuse_the_stale_amend(
    rubric_version, session_client, celery_on, worker_processes
):
    opening = OpeningFactory(title="Race-tested opening")
    ann, ben, cat = (UserFactory(username=name, groups=["interviewer"]) for name in ("ann", "ben", "cat"))
    recruiters = [UserFactory(username=f"recruiter_{i}", groups=["recruiter"]) for i in range(2)]
    as_ann, as_ben = session_client(ann), session_client(ben)
    as_recruiter = [session_client(recruiter) for recruiter in recruiters]

    for round_number in range(ROUNDS):
        application = ApplicationFactory(opening=opening)
        interview = InterviewFactory(application=application, focus=AREAS, interviewers=[ann, ben])
        earlier = InterviewFactory(application=application, focus=AREAS, interviewers=[cat])
        cats = scorecard_submit(
            scorecard=scorecard_save_draft(
                interview=earlier,
                user=cat,
                recommendation="yes",
                ratings=[RatingInput(key, 3) for key in AREAS],
            ),
            user=cat,
        )
        submit_url = f"/api/v1/interviews/{interview.pk}/scorecards/"
        amend_url = f"/api/v1/scorecards/{cats.pk}/amend/"

        amend_body = {"reason": "Recruiter correction.", "expected_revision": 1}
        responses = all_at_once(
            {
                "ann": post(as_ann, submit_url, {"recommendation": "yes", "ratings": ratings(4)}),
                "ann again": post(as_ann, submit_url, {"recommendation": "no", "ratings": ratings(2)}),
                "ben": post(as_ben, submit_url, {"recommendation": "yes", "ratings": ratings(3)}),
                "amend to 5": post(
                    as_recruiter[0],
                    amend_url,
                    {**amend_body, "recommendation": "strong_yes", "ratings": ratings(5)},
                ),
                "amend to 1": post(
                    as_recruiter[1], amend_url, {**amend_body, "recommendation": "no", "ratings": ratings(1)}
                ),
            }
        )

        context = f"round {round_number}: " + str(
            {n: (r.status_code, r.content[:200]) for n, r in responses.items()}
        )
        # The double submit: exactly one wins; the other is told it is already submitted.
        ann_statuses = sorted([responses["ann"].status_code, responses["ann again"].status_code])
        assert ann_statuses == [201, 409], context
        loser = next(r for n, r in responses.items() if n.startswith("ann") and r.status_code == 409)
        assert loser.json()["code"] == "already_submitted", context
        winner = next(r for n, r in responses.items() if n.startswith("ann") and r.status_code == 201)
        assert responses["ben"].status_code == 201, context
        # The amendments from the same revision: exactly one applies, the other is stale.
        amends = {n: r for n, r in responses.items() if n.startswith("amend")}
        assert sorted(r.status_code for r in amends.values()) == [200, 409], context
        applied = next(n for n, r in amends.items() if r.status_code == 200)
        stale = next(r for r in amends.values() if r.status_code == 409)
        assert stale.json()["code"] == "stale_revision", context

        # One scorecard each, complete, with the history to match.
        assert Scorecard.objects.filter(interview=interview).count() == 2
        anns = Scorecard.objects.get(interview=interview, interviewer=ann)
        assert (anns.status, anns.revision, anns.recommendation) == (
            "submitted",
            1,
            winner.json()["recommendation"],
        )
        assert set(anns.ratings.values_list("level", flat=True)) == {winner.json()["ratings"][0]["level"]}
        assert list(ScorecardRevision.objects.filter(scorecard=anns).values_list("number", flat=True)) == [1]
        cats.refresh_from_db()
        level = 5 if applied == "amend to 5" else 1
        assert (cats.revision, cats.recommendation) == (2, "strong_yes" if level == 5 else "no")
        assert set(cats.ratings.values_list("level", flat=True)) == {level}
        history = list(ScorecardRevision.objects.filter(scorecard=cats).order_by("number"))
        assert [(h.number, h.ratings[0]["level"]) for h in history] == [(1, 3), (2, level)]
        assert history[1].created_by == recruiters[0 if level == 5 else 1]
        # One event per change that happened, none for those refused.
        assert Event.objects.filter(type="scorecard.submitted", resource__id=anns.pk).count() == 1
        assert Event.objects.filter(type="scorecard.amended", resource__id=cats.pk).count() == 1

    # A real worker recomputes after each commit: in the end no application's scores lag its scorecards.
    assert len(applications_stale(opening_id=opening.pk)) == ROUNDS  # nothing has run them yet
    worker_processes()
    wait_for(lambda: applications_stale(opening_id=opening.pk) == [], timeout=60)
