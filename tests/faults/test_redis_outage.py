"""Redis (the Celery broker) is down while interviewers submit scorecards.

Submitting must still work and keep every scorecard; the recompute messages
that could not be sent are logged, and the periodic sweep brings every score
up to date once Redis is back.
"""

import logging

import pytest

from assessments.models import Scorecard
from scoring.models import ApplicationScoreState, FitScore
from scoring.services import applications_stale
from scoring.tasks import stale_scores_sweep
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory
from tests.faults.conftest import elapsed

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PAGE_POST = {
    "rating_software_engineering": "4",
    "rating_statistics_experimentation": "3",
    "rating_communication": "na",
    "recommendation": "yes",
    "summary": "Solid.",
    "action": "review",
}
API_BODY = {
    "recommendation": "no",
    "summary": "Not yet.",
    "ratings": {
        "software_engineering": {"level": 2},
        "statistics_experimentation": {"level": 3},
        "communication": {"level": 2},
    },
}


def test_scorecards_submitted_while_redis_is_down_are_kept_and_scored_once_it_is_back(
    private_redis, celery_on, worker_processes, rubric_version, client, token_client, caplog
):
    opening = OpeningFactory(title="Analytics Engineer")
    on_page, by_token = UserFactory(username="page_ivy"), UserFactory(username="api_ian")
    interviews = [
        InterviewFactory(
            application=ApplicationFactory(opening=opening, source="greenhouse"),
            interviewers=[on_page, by_token],
        )
        for _ in range(3)
    ]
    client.force_login(on_page)
    ats = token_client(["scorecards:write"])
    private_redis.stop()

    statuses, durations = [], []
    with caplog.at_level(logging.WARNING, logger="config.celery"):
        for interview in interviews:
            review = client.post(f"/interviews/{interview.pk}/scorecard/", PAGE_POST)
            confirm, seconds = elapsed(lambda url=review["Location"]: client.post(url))
            statuses.append(confirm.status_code)
            durations.append(seconds)
            submitted, seconds = elapsed(
                lambda interview=interview: ats.post(
                    f"/api/v1/interviews/{interview.pk}/scorecards/",
                    {**API_BODY, "interviewer": {"email": by_token.email}},
                    format="json",
                )
            )
            statuses.append(submitted.status_code)
            durations.append(seconds)

    # Every submit answered as usual (the page redirects to the read-only scorecard), quickly.
    assert statuses == [302, 201] * 3
    assert max(durations) < 10, durations
    assert Scorecard.objects.filter(status="submitted", interview__in=interviews).count() == 6
    lost = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue")]
    assert len(lost) == 6
    assert {r.getMessage() for r in lost} == {
        "Could not enqueue scoring.application_scores_recompute; the periodic sweep will catch up."
    }
    assert not FitScore.objects.filter(application__opening=opening).exists()

    private_redis.start()
    worker_processes()

    assert stale_scores_sweep.delay().get(timeout=60) == 3

    assert applications_stale(opening_id=opening.pk) == []
    for interview in interviews:
        newest = max(s.submitted_at for s in Scorecard.objects.filter(interview=interview))
        state = ApplicationScoreState.objects.get(application=interview.application)
        assert state.inputs_at == newest
        assert FitScore.objects.filter(application=interview.application).count() > 0
