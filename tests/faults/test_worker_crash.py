"""Real worker processes die or keep failing: work is redelivered, and failures stop and show.

The workers are ``celery -A config worker`` processes on a private Redis and
this test's database. A batch recompute is caught half-way (its upsert waits
on a row lock we hold, after the calibration and offsets are written in its
transaction), the worker and its pool child are SIGKILLed, and a new worker
gets the unacknowledged message once the visibility timeout has passed.
"""

import datetime as dt
import re
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from assessments.models import Rating, Scorecard
from hiring.models import Interview
from scoring import services
from scoring.calibration import calibration_run
from scoring.models import ApplicationScoreState, Calibration, FitScore, InterviewerOffset, Shortlist
from scoring.shortlists import shortlist_create
from scoring.tasks import opening_scores_recompute
from tests.conftest import wait_for
from tests.factories import ApplicationFactory, OpeningFactory, UserFactory
from tests.faults.conftest import database_url_of_this_test

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

AREAS = ["software_engineering", "statistics_experimentation", "communication", "production_deployment"]
VISIBILITY_TIMEOUT = 2


def raw_connection(*, autocommit: bool = False) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        autocommit=autocommit,
        dbname=settings["NAME"],
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )


def opening_with_ratings(n: int):
    """An opening of ``n`` applications, each rated on four areas by two of four interviewers."""
    opening = OpeningFactory(title="Crash-tested opening")
    raters = [UserFactory(username=f"crash_rater_{i}") for i in range(4)]
    applications = ApplicationFactory.create_batch(n, opening=opening)
    start = timezone.now() - dt.timedelta(days=1)
    interviews = Interview.objects.bulk_create(
        Interview(
            application=application, kind=Interview.Kind.TECHNICAL, scheduled_at=start, duration_minutes=60
        )
        for application in applications
    )
    scorecards = Scorecard.objects.bulk_create(
        Scorecard(
            interview=interview,
            interviewer=raters[(index + seat) % 4],
            rubric_version=opening.rubric_version,
            status=Scorecard.Status.SUBMITTED,
            recommendation="yes",
            revision=1,
            submitted_at=start + dt.timedelta(minutes=index),
        )
        for index, interview in enumerate(interviews)
        for seat in (0, 1)
    )
    areas = list(opening.rubric_version.areas.filter(key__in=AREAS).order_by("order"))
    Rating.objects.bulk_create(
        Rating(
            scorecard=scorecard,
            area=area,
            level=1 + (index * 7 + position * 3 + scorecard.interviewer_id) % 5,
        )
        for index, scorecard in enumerate(scorecards)
        for position, area in enumerate(areas)
    )
    return opening, applications


def stored(opening) -> dict:
    """Everything a recompute writes for the opening, without the computed_at times."""
    return {
        "fit": sorted(
            FitScore.objects.filter(application__opening=opening).values_list(
                "application_id",
                "role_id",
                "fit",
                "lower",
                "upper",
                "standard_error",
                "coverage",
                "gated",
                "consider_role_id",
            )
        ),
        "below_bar": sorted(
            (a, r, tuple(b))
            for a, r, b in FitScore.objects.filter(application__opening=opening).values_list(
                "application_id", "role_id", "below_bar"
            )
        ),
        "states": sorted(
            (a, i, sorted(e.items()))
            for a, i, e in ApplicationScoreState.objects.filter(application__opening=opening).values_list(
                "application_id", "inputs_at", "estimates"
            )
        ),
        "offsets": sorted(
            InterviewerOffset.objects.values_list("interviewer_id", "offset", "standard_error", "n_ratings")
        ),
        "calibration": list(
            Calibration.objects.values_list("severity_sd", "general_sd", "n_ratings", "n_applications")
        ),
    }


def test_a_batch_recompute_killed_half_way_is_redelivered_and_writes_what_an_undisturbed_run_writes(
    rubric_version, celery_on, private_redis, worker_processes
):
    opening, applications = opening_with_ratings(250)
    # Calibrated first, without the fan-out a first calibration sends, so the only message
    # the worker sees is the batch under test.
    calibration_run(rubric_id=opening.rubric_version.rubric_id, fan_out=False)
    services.opening_recompute(opening_id=opening.pk)
    undisturbed = stored(opening)
    assert len(undisturbed["fit"]) > 250
    assert len(undisturbed["states"]) == 250
    # Scores that are visibly wrong, so only a completed redelivery can restore them.
    FitScore.objects.filter(application__opening=opening).update(fit=0, lower=0, upper=0)
    ApplicationScoreState.objects.filter(application__opening=opening).update(inputs_at=None, estimates={})
    first = worker_processes(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))

    with raw_connection() as locker, raw_connection(autocommit=True) as observer:
        # The last application's fit rows: the batch writes everything before them, then waits.
        locker.execute(
            "SELECT id FROM scoring_fitscore WHERE application_id = %s FOR UPDATE", [applications[-1].pk]
        )
        result = opening_scores_recompute.delay(opening.pk)
        [(stuck_pid,)] = wait_for(
            lambda: observer.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%%scoring_fitscore%%'"
            ).fetchall(),
            timeout=60,
        )
        first.kill()
        locker.rollback()
        # Its backend finds the client gone and rolls the half-done batch back.
        wait_for(
            lambda: (
                not observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [stuck_pid]).fetchall()
            ),
            timeout=30,
        )
    assert FitScore.objects.filter(application__opening=opening, fit=0).count() == len(undisturbed["fit"])
    with private_redis.client() as broker:
        [(_, delivered_at)] = broker.zrange("unacked_index", 0, -1, withscores=True)
        wait_for(lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5, timeout=30)

    second = worker_processes(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))

    assert result.get(timeout=60) == 250
    assert f"opening_scores_recompute[{result.id}] received" in first.output()
    assert f"opening_scores_recompute[{result.id}] succeeded" not in first.output()
    wait_for(lambda: f"opening_scores_recompute[{result.id}] succeeded" in second.output())
    assert stored(opening) == undisturbed


def test_a_shortlist_build_that_keeps_failing_stops_after_its_retries_and_is_marked_failed(
    rubric_version, celery_on, private_redis, worker_processes
):
    opening, _ = opening_with_ratings(3)  # never scored: the build recomputes them first
    # The worker's statements give up on a lock after 200 ms: with the opening locked
    # below, every attempt fails with a database error, the kind that is retried.
    worker = worker_processes(DATABASE_URL=f"{database_url_of_this_test()}?options=-c%20lock_timeout%3D200")

    with raw_connection() as locker:
        locker.execute("SELECT id FROM hiring_opening WHERE id = %s FOR NO KEY UPDATE", [opening.pk])
        shortlist = shortlist_create(opening=opening)
        wait_for(
            lambda: Shortlist.objects.get(pk=shortlist.pk).status != Shortlist.Status.PENDING, timeout=60
        )
        locker.rollback()

    shortlist.refresh_from_db()
    assert (shortlist.status, shortlist.error) == (
        Shortlist.Status.FAILED,
        "The build failed; create the shortlist again.",
    )
    wait_for(lambda: "shortlist_build[" in worker.output() and "raised unexpected" in worker.output())
    log = worker.output()
    received = re.findall(r"Task scoring\.shortlist_build\[([0-9a-f-]+)\] received", log)
    assert len(received) == 4
    assert len(set(received)) == 1
    assert len(re.findall(r"shortlist_build\[[0-9a-f-]+\] retry: Retry in", log)) == 3
    assert "LockNotAvailable" in log
    assert log.count(f"Shortlist {shortlist.pk} could not be built.") == 1
    # Nothing is left to run it again: no queued, scheduled or unacknowledged message.
    with private_redis.client() as broker:
        wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, timeout=10)
