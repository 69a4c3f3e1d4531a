"""Celery tasks for scores."""

from celery import shared_task
from django.db import OperationalError
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from scoring.models import ApplicationScoreState


@shared_task(
    name="scoring.application_scores_recompute",
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
    time_limit=120,
    soft_time_limit=100,
)
def application_scores_recompute(application_id: int) -> None:
    """Recompute one application's scores after a scorecard was submitted or amended.

    Until the scoring engine lands this records that the application's scores
    are stale (``stale_since`` keeps the earliest unanswered request). Running
    it twice is safe: the second run changes nothing. A database error is
    retried up to three times with backoff; a vanished application is a no-op.
    """
    from hiring.models import Application

    if not Application.objects.filter(pk=application_id).exists():
        return
    now = timezone.now()
    state, created = ApplicationScoreState.objects.get_or_create(
        application_id=application_id, defaults={"stale_since": now}
    )
    if not created:
        ApplicationScoreState.objects.filter(pk=state.pk).update(
            stale_since=Coalesce(F("stale_since"), Value(now))
        )
