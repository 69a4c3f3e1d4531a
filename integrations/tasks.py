"""Celery tasks of integrations: webhook deliveries. Each takes ids and is safe to run twice.

Tasks run with ``acks_late`` and ``reject_on_worker_lost`` (project settings), so
a message can arrive more than once; a delivery is claimed by a conditional
update before anything is sent, so a duplicate message sends nothing.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from integrations import webhooks
from integrations.idempotency import records_purge


@shared_task(name="integrations.webhook_deliver", acks_late=True, time_limit=60, soft_time_limit=45)
def webhook_deliver(delivery_id: int) -> str:
    """Make the due attempt of one webhook delivery; a delivery not due (or gone) is a no-op.

    Does not use Celery's retry: a failed attempt saves its next time in the
    row and enqueues itself with a countdown, so a lost message only waits for
    the sweep. Running it twice is safe: only the run that claims the delivery sends.
    """
    return webhooks.delivery_attempt(delivery_id=delivery_id)


@shared_task(
    name="integrations.webhook_deliveries_sweep",
    acks_late=True,
    time_limit=300,
    soft_time_limit=270,
)
def webhook_deliveries_sweep(limit: int = 500) -> int:
    """Enqueue deliveries that are due but whose message was lost (beat runs it every minute).

    Never retries: the next sweep is a minute away. Running it twice enqueues
    duplicates at worst, which claim nothing.
    """
    return webhooks.deliveries_sweep(limit=limit)


@shared_task(name="integrations.idempotency_records_purge", acks_late=True, time_limit=300)
def idempotency_records_purge() -> int:
    """Forget Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS.

    Safe to run twice or concurrently: it only deletes rows past their age.
    """
    return records_purge(older_than=timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS))
