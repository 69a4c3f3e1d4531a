"""The opening dashboard: pipeline, outstanding scorecards, score freshness and the recompute button."""

import datetime as dt

import pytest
from celery import states
from django.urls import reverse
from django.utils import timezone

from assessments.services import RatingInput, scorecard_save_draft
from config.celery import app as celery_app
from scoring.models import ApplicationScoreState, Calibration
from tests.factories import ApplicationFactory, InterviewFactory, UserFactory
from tests.scoring.conftest import AREAS, submit

pytestmark = pytest.mark.django_db


def test_the_openings_list_counts_applications_scored_ones_and_snapshots(
    client, recruiter, review_opening, snapshot
):
    opening, *_ = review_opening(3)
    ApplicationFactory(opening=opening)  # not interviewed yet: no score
    snapshot(opening)
    client.force_login(recruiter)

    response = client.get(reverse("review:opening-list"))

    listed = {o.pk: o for o in response.context["openings"]}[opening.pk]
    assert (listed.application_count, listed.scored_count, listed.shortlist_count) == (4, 3, 1)
    assert reverse("review:opening-dashboard", args=[opening.pk]) in response.content.decode()


def test_the_dashboard_counts_applications_by_stage(client, recruiter, review_opening):
    opening, applications, *_ = review_opening(3)
    applications[0].stage = "offer"
    applications[0].save()
    ApplicationFactory(opening=opening, stage="applied")
    client.force_login(recruiter)

    response = client.get(reverse("review:opening-dashboard", args=[opening.pk]))

    pipeline = dict(response.context["pipeline"])
    assert pipeline == {
        "Applied": 1,
        "Screening": 0,
        "Interviewing": 2,
        "Offer": 1,
        "Hired": 0,
        "Rejected": 0,
        "Withdrawn": 0,
    }


def test_scorecards_are_pending_after_the_interview_and_overdue_after_the_reminder_delay(
    client, recruiter, opening, application, settings
):
    settings.SCORECARD_REMINDER_FIRST_DELAY_MINUTES = 60
    now = timezone.now()
    slow = UserFactory(username="sam_slow", first_name="Sam", last_name="Slow")
    quick = UserFactory(username="quinn_quick", first_name="Quinn", last_name="Quick")
    ended_long_ago = InterviewFactory(
        application=application, scheduled_at=now - dt.timedelta(hours=3), interviewers=[slow, quick]
    )
    just_ended = InterviewFactory(  # ended 30 minutes ago: pending, reminder not due yet
        application=application, scheduled_at=now - dt.timedelta(minutes=90), interviewers=[slow]
    )
    InterviewFactory(application=application, scheduled_at=now + dt.timedelta(days=1), interviewers=[slow])
    submit(ended_long_ago, quick, {key: 3 for key in [*AREAS[:2], "communication"]})
    scorecard_save_draft(  # a draft is not a submitted scorecard
        interview=just_ended, user=slow, recommendation="yes", ratings=[RatingInput("communication", 3)]
    )
    client.force_login(recruiter)

    response = client.get(reverse("review:opening-dashboard", args=[opening.pk]))

    outstanding = [(row.interviewer, row.pending, row.overdue) for row in response.context["outstanding"]]
    assert outstanding == [("Sam Slow", 2, 1)]
    assert "Sam Slow" in response.content.decode()


def test_the_dashboard_shows_when_scores_were_computed_and_how_many_are_stale(
    client, recruiter, review_opening, django_capture_on_commit_callbacks
):
    opening, applications, lenient, _ = review_opening(2)
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(recruiter)
        client.post(reverse("review:opening-recompute", args=[opening.pk]))
    calibration = Calibration.objects.get(rubric=opening.rubric_version.rubric)
    late = InterviewFactory(application=applications[0], focus=AREAS, interviewers=[lenient])
    submit(late, lenient, {key: 4 for key in AREAS})  # no on_commit here: its recompute never runs

    response = client.get(reverse("review:opening-dashboard", args=[opening.pk]))

    freshness = response.context["freshness"]
    assert freshness.calibrated_at == calibration.computed_at
    assert freshness.calibration_ratings == calibration.n_ratings > 0
    assert "Interviewer calibration last ran" in response.content.decode()
    assert freshness.newest_score_at is not None
    assert freshness.stale == 1


def test_the_recompute_button_enqueues_the_opening_recompute_on_commit(
    client, recruiter, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)

    def newest():
        return max(
            ApplicationScoreState.objects.filter(application__opening=opening).values_list(
                "computed_at", flat=True
            )
        )

    before = newest()
    client.force_login(recruiter)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("review:opening-recompute", args=[opening.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("review:opening-dashboard", args=[opening.pk])
    assert len(callbacks) == 1
    assert newest() == before  # nothing ran before commit
    callbacks[0]()
    assert newest() > before
    assert client.session[f"review.recompute.{opening.pk}"]["task_id"]


def test_in_eager_mode_the_recompute_is_done_at_once(
    client, committee_member, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)
    client.force_login(committee_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:opening-recompute", args=[opening.pk]), follow=True)

    page = response.content.decode()
    assert "Scores recomputed." in page
    assert "Recomputing" not in page
    assert 'http-equiv="refresh"' not in page
    assert f"review.recompute.{opening.pk}" not in client.session


def test_the_dashboard_shows_progress_and_refreshes_until_the_celery_result_is_ready(
    client, recruiter, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:opening-recompute", args=[opening.pk]))
    task_id = client.session[f"review.recompute.{opening.pk}"]["task_id"]
    dashboard = reverse("review:opening-dashboard", args=[opening.pk])
    celery_app.conf.task_always_eager = False  # as with a worker: the real result backend (Redis) answers
    celery_app.backend.forget(task_id)

    while_running = client.get(dashboard).content.decode()
    celery_app.backend.store_result(task_id, 2, states.SUCCESS)
    when_done = client.get(dashboard).content.decode()
    afterwards = client.get(dashboard).content.decode()

    assert "Recomputing…" in while_running
    assert '<meta http-equiv="refresh" content="3">' in while_running
    assert "<progress" in while_running
    assert "Recompute scores" not in while_running
    assert "Scores recomputed." in when_done
    assert 'http-equiv="refresh"' not in when_done
    assert "Recompute scores" in when_done
    assert "Scores recomputed." not in afterwards
    celery_app.backend.forget(task_id)


def test_a_failed_recompute_is_reported_and_no_longer_polled(
    client, recruiter, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:opening-recompute", args=[opening.pk]))
    task_id = client.session[f"review.recompute.{opening.pk}"]["task_id"]
    celery_app.conf.task_always_eager = False
    celery_app.backend.store_result(task_id, RuntimeError("boom"), states.FAILURE)

    page = client.get(reverse("review:opening-dashboard", args=[opening.pk])).content.decode()

    assert "The recompute failed" in page
    assert 'http-equiv="refresh"' not in page
    celery_app.backend.forget(task_id)


def test_the_dashboard_links_the_shortlist_and_lists_candidates(client, recruiter, review_opening):
    opening, applications, *_ = review_opening(3)
    client.force_login(recruiter)

    response = client.get(reverse("review:opening-dashboard", args=[opening.pk]))

    page = response.content.decode()
    assert reverse("review:opening-shortlist", args=[opening.pk]) in page
    assert {a.pk for a in response.context["applications"]} == {a.pk for a in applications}
    for application in applications:
        assert application.candidate.name in page


def test_in_eager_mode_the_page_says_the_recompute_runs_at_once_and_that_it_ran_now(
    client, committee_member, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)
    client.force_login(committee_member)
    dashboard = client.get(reverse("review:opening-dashboard", args=[opening.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:opening-recompute", args=[opening.pk]), follow=True)

    assert "in the background" not in dashboard
    assert "No worker runs in this mode, so it runs at once and the page waits for it" in dashboard
    assert "Recomputed now, while you waited" in response.content.decode()


def test_with_a_worker_the_page_says_the_recompute_is_queued_and_shows_its_progress(
    client, recruiter, review_opening, django_capture_on_commit_callbacks
):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)
    dashboard_url = reverse("review:opening-dashboard", args=[opening.pk])
    celery_app.conf.task_always_eager = False  # as with a worker
    before = client.get(dashboard_url).content.decode()
    celery_app.conf.task_always_eager = True  # the task itself runs here; its result is forgotten below
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:opening-recompute", args=[opening.pk]))
    task_id = client.session[f"review.recompute.{opening.pk}"]["task_id"]
    celery_app.conf.task_always_eager = False
    celery_app.backend.forget(task_id)

    queued = client.get(dashboard_url).content.decode()

    assert "A worker does it in the background; this page shows its progress." in before
    assert "Recomputing…</strong> Queued for a worker" in queued
    assert "<progress" in queued
    celery_app.backend.forget(task_id)
