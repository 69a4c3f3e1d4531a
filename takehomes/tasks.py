"""Celery tasks for take-homes, on a queue of their own (``grading``): a model run can take a minute.

``take_home_grade`` is idempotent (a graded report is returned as it is; the grade, its
scorecard and its event are written in one transaction) and runs with ``acks_late`` and
``reject_on_worker_lost``, so a worker lost mid-grade leaves nothing written and the
message comes back. Transient errors (the database) are retried with backoff, three
times at most; any other error is recorded on the report, which stays pending for a
person or the sweep, and never crashes the worker: the model itself runs in a process of
its own (``takehomes.sandbox``), so a model that overruns is a result, not an exception.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from takehomes import grading, services
from takehomes.partners import callbacks

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (DatabaseError,), "max_retries": 3, "retry_backoff": True, "retry_jitter": True}


@shared_task(name=services.GRADE_TASK, acks_late=True, time_limit=600, soft_time_limit=540, **RETRY)
def take_home_grade(take_home_id: int) -> str | None:
    """Grade one final submission; returns the report's status (None when there is nothing to grade)."""
    try:
        report = grading.take_home_grade(take_home_id=take_home_id)
    except DatabaseError:
        raise
    except Exception as error:
        logger.exception("Grading take-home %s failed", take_home_id)
        grading.take_home_grade_failed(take_home_id=take_home_id, error=f"{type(error).__name__}: {error}")
        return "failed"
    return report.status if report is not None else None


@shared_task(name=callbacks.CALLBACK_TASK, acks_late=True, time_limit=60, soft_time_limit=45)
def partner_callback_send(callback_id: int) -> str:
    """Make the due attempt of one completion callback to an ATS; one not due (or gone) is a no-op.

    Does not use Celery's retry: a failed attempt saves its next time in the row and enqueues
    itself with a countdown (the webhooks' schedule), so a lost message only waits for the sweep.
    Running it twice is safe: only the run that claims the callback sends.
    """
    return callbacks.partner_callback_attempt(callback_id=callback_id)


@shared_task(name="takehomes.partner_callbacks_sweep", acks_late=True, time_limit=300, soft_time_limit=270)
def partner_callbacks_sweep(limit: int = 500) -> int:
    """Enqueue completion callbacks that are due but whose message was lost (beat: every minute).

    Never retries: the next sweep is a minute away. Twice enqueues duplicates at worst, which claim nothing.
    """
    return callbacks.partner_callbacks_sweep(limit=limit)
