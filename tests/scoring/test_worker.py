"""Scores computed by a real Celery worker on the real Redis broker."""

import pytest

from scoring.models import ApplicationScoreState, FitScore
from scoring.tasks import application_scores_recompute, opening_scores_recompute, stale_scores_sweep
from tests.conftest import wait_for
from tests.scoring.conftest import AREAS, submit

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def stored(opening):
    return sorted(
        FitScore.objects.filter(application__opening=opening).values_list(
            "application_id", "role_id", "fit", "lower", "upper", "coverage"
        )
    )


def test_submitting_a_scorecard_makes_its_fit_appear(celery_worker, rubric_version, interview, interviewer):
    submit(
        interview,
        interviewer,
        {key: 4 for key in ["software_engineering", "statistics_experimentation", "communication"]},
    )

    scores = wait_for(lambda: list(FitScore.objects.filter(application=interview.application)))

    assert len(scores) == 3
    assert ApplicationScoreState.objects.get(application=interview.application).inputs_at is not None


def test_the_sweep_repairs_an_application_whose_recompute_was_lost(
    celery_worker, rubric_version, interview, interviewer
):
    from config.celery import app

    app.conf.task_always_eager = True  # the submit's own message is "lost": run nothing now
    try:
        FitScore.objects.all().delete()
        from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit

        scorecard = scorecard_save_draft(
            interview=interview,
            user=interviewer,
            recommendation="yes",
            ratings=[RatingInput(a.key, 3) for a in interview.focus_areas.all()],
        )
        from unittest import mock

        with mock.patch("scoring.tasks.services.applications_recompute"):
            scorecard_submit(scorecard=scorecard, user=interviewer)
    finally:
        app.conf.task_always_eager = False
    assert not FitScore.objects.filter(application=interview.application).exists()

    assert stale_scores_sweep.delay().get(timeout=30) == 1

    assert FitScore.objects.filter(application=interview.application).count() == 3


def test_a_redelivered_recompute_gives_the_same_result(celery_worker, scored_opening_committed):
    opening, applications = scored_opening_committed

    opening_scores_recompute.delay(opening.pk).get(timeout=30)
    first = stored(opening)
    # At-least-once delivery: the same messages again, as after a worker died before acknowledging.
    opening_scores_recompute.delay(opening.pk).get(timeout=30)
    application_scores_recompute.delay(applications[0].pk).get(timeout=30)

    assert stored(opening) == first
    assert len(first) == 3 * len(applications)


@pytest.fixture
def scored_opening_committed(rubric_version):
    """Like ``scored_opening`` but outside a test transaction (the worker must see the rows)."""
    from assessments.models import Role
    from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

    opening = OpeningFactory(role=Role.objects.get(key="data_scientist"))
    lenient, neutral = UserFactory(username="w_lenient"), UserFactory(username="w_neutral")
    applications = []
    for index in range(3):
        application = ApplicationFactory(opening=opening)
        interview = InterviewFactory(application=application, focus=AREAS, interviewers=[lenient, neutral])
        submit(interview, lenient, {key: min(5, index + 3) for key in AREAS})
        submit(interview, neutral, {key: index + 2 for key in AREAS})
        applications.append(application)
    return opening, applications
