"""Celery tasks for scores. Every task takes ids, is idempotent and safe to redeliver.

All run with ``acks_late`` and ``reject_on_worker_lost`` (project settings): a
worker killed mid-task leaves its transaction rolled back and the message is
delivered again; the recompute then writes the same values an undisturbed run
would. Database errors (a dropped connection, a serialisation failure) are
retried with backoff, three times at most; other errors fail the task, and
the sweep retries the work on its next run.
"""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.utils import uuid
from django.db import DatabaseError

from scoring import calibration, coalescing, services, shortlists

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (DatabaseError,), "max_retries": 3, "retry_backoff": True, "retry_jitter": True}


class _RecomputeTask(DjangoTask):
    """Coalesces fire-and-forget sends (``scoring.coalescing``): one message per run, not per scorecard."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        if self.app.conf.task_always_eager or not options.get("ignore_result") or task_id is not None:
            # In-process; a caller that waits for this result; or a retry (its id fixed, so it
            # takes its claims again): a run of its own.
            return super().apply_async(args, kwargs, task_id=task_id, **options)
        application_id = args[0] if args else (kwargs or {})["application_id"]
        # If Redis is down this raises, and nothing is sent: the caller logs, the sweep catches up.
        plan = coalescing.schedule(application_id=application_id, run_id=uuid())
        if not plan.send:
            return self.AsyncResult(plan.run_id)  # the run scheduled already takes this application
        return _send(self, plan, **options)


def _send(task, plan: coalescing.Schedule, **options):
    options["countdown"] = plan.countdown
    try:
        return super(_RecomputeTask, task).apply_async((plan.application_id,), task_id=plan.run_id, **options)
    except Exception:
        coalescing.unschedule(run_id=plan.run_id)
        raise


@shared_task(
    base=_RecomputeTask,
    bind=True,
    name="scoring.application_scores_recompute",
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
    **RETRY,
)
def application_scores_recompute(self, application_id: int) -> int:
    """Recompute an application after a scorecard is submitted or amended; returns applications recomputed.

    With a worker, the run recomputes its application and every other waiting
    (``scoring.coalescing``), up to ``services.RECOMPUTE_BATCH``, and schedules
    the next run at once if more wait. A gone application is skipped. Safe to
    run twice: the same inputs give the same values; a redelivered or retried
    run takes the same claims again.

    With tasks in-process (``make run``) it recomputes its own application, and
    as no beat runs, it also does the calibration sweep's check: calibration
    stays on without anyone pressing a button.
    """
    if self.request.is_eager or self.request.id is None:  # in-process, or called as a function
        done = services.applications_recompute(application_ids=[application_id])
        if self.app.conf.task_always_eager:
            calibration_sweep()
        return done
    run_id = self.request.id
    application_ids, waiting = coalescing.claim(application_id=application_id, run_id=run_id)
    done = services.applications_recompute(application_ids=application_ids)
    coalescing.release(run_id=run_id)
    if waiting:
        try:
            plan = coalescing.schedule(application_id=None, run_id=uuid(), immediate=True)
            if plan is not None and plan.send:
                _send(self, plan, ignore_result=True)
        except Exception:  # this run's work has committed; the next scorecard or the sweep sends one
            logger.warning(
                "Could not send the next recompute run; the periodic sweep will catch up.", exc_info=True
            )
    return done


@shared_task(
    name="scoring.opening_scores_recompute", acks_late=True, time_limit=1800, soft_time_limit=1700, **RETRY
)
def opening_scores_recompute(opening_id: int) -> int:
    """Recompute a whole opening with the current calibration; returns applications scored."""
    return services.opening_recompute(opening_id=opening_id)


@shared_task(
    name="scoring.opening_reliability_recompute", acks_late=True, time_limit=900, soft_time_limit=840, **RETRY
)
def opening_reliability_recompute(opening_id: int) -> int:
    """Inter-rater agreement per area for an opening, after its batch; returns the areas saved."""
    return services.opening_reliability_recompute(opening_id=opening_id)


@shared_task(name="scoring.stale_scores_sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def stale_scores_sweep(limit: int = 500) -> int:
    """Recompute applications whose scores are older than their newest scorecard.

    Beat runs it every few minutes, so a lost or never-sent recompute message
    only delays scores. Each application is its own transaction; one that
    fails is logged and left for the next sweep.
    """
    done = 0
    for application_id in services.applications_stale(limit=limit):
        try:
            services.application_recompute(application_id=application_id)
        except DatabaseError:
            logger.warning("Sweep could not recompute application %s; next sweep retries.", application_id)
            continue
        done += 1
    if done:
        logger.info("Sweep recomputed %s stale application(s).", done)
    return done


@shared_task(name="scoring.calibration_run", acks_late=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def calibration_run(rubric_id: int) -> int:
    """Fit the measurement model to a rubric's ratings, then recompute its openings; returns ratings used.

    Safe to run twice: the same ratings give the same calibration, and the
    opening recomputes it enqueues are idempotent.
    """
    stored = calibration.calibration_run(rubric_id=rubric_id)
    return stored.n_ratings if stored else 0


@shared_task(name="scoring.calibration_sweep", acks_late=True, time_limit=1800, soft_time_limit=1700)
def calibration_sweep() -> int:
    """Recalibrate every rubric whose debounce or staleness bound has passed (beat, every minute).

    Each rubric calibrates in its own transaction; a database error is logged
    and the next sweep tries again. Running it twice is harmless: a rubric just
    calibrated has nothing newer, so the second run does nothing.
    """
    done = 0
    for rubric_id in calibration.calibrations_due():
        try:
            calibration.calibration_run(rubric_id=rubric_id)
        except DatabaseError:
            logger.warning("Could not calibrate rubric %s; the next sweep retries.", rubric_id)
            continue
        done += 1
    if done:
        logger.info("Calibrated %s rubric(s).", done)
    return done


FAILED_MESSAGE = "The build failed; create the shortlist again."


@shared_task(
    name="scoring.shortlist_build", bind=True, acks_late=True, time_limit=600, soft_time_limit=540, **RETRY
)
def shortlist_build(self, shortlist_id: int) -> int:
    """Rank the shortlist's candidates into its snapshot; a shortlist already built is left as it is.

    When the build gives up (an error that is not retried, or the last retry of
    a database error) the shortlist is marked failed with the reason, so an API
    client polling its status learns the outcome instead of waiting forever.
    """
    try:
        return shortlists.shortlist_build(shortlist_id=shortlist_id)
    except Exception as error:
        if not isinstance(error, DatabaseError) or self.request.retries >= self.max_retries:
            logger.exception("Shortlist %s could not be built.", shortlist_id)
            try:
                # The details stay in the log: API clients see a sentence, not internals.
                shortlists.shortlist_fail(shortlist_id=shortlist_id, error=FAILED_MESSAGE)
            except DatabaseError:
                logger.warning("Could not mark shortlist %s failed; it stays pending.", shortlist_id)
        raise
