"""Telling the ATS a take-home is graded: the completion callback, sent like a webhook and recorded.

When grading writes a report (``takehomes.grading.take_home_grade``), ``partner_callback_create_for``
runs in its transaction: an order with a callback URL gets a ``PartnerCallback``, enqueued after
the commit. Sending reuses ``integrations.webhooks``: the URL is checked before every attempt
(``url_check``: public addresses only, unless in ``WEBHOOK_ALLOWED_NETWORKS``; never cloud
metadata) and the connection goes to the checked address (``http_send``), with its connect and
read timeouts; any 2xx succeeds, anything else (a redirect too) is a failed attempt, retried after
``RETRY_DELAYS`` until ``MAX_ATTEMPTS``. Every attempt is a ``PartnerCallbackAttempt`` with its
status, time and a fixed-phrase error. The request itself is the adapter's
(``callback_request``): for Greenhouse, a PATCH with the key in Basic authentication.

A callback that fails for good loses nothing: the grade is in the database, and the ATS reads
it by polling the status endpoint as before.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import KombuError

from config.celery import enqueue_on_commit, task_named
from integrations.webhooks import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    AttemptResult,
    WebhookUrlRefused,
    http_send,
    message_horizon,
    request_error_text,
    url_check,
)
from takehomes.models import PartnerCallback, PartnerCallbackAttempt, PartnerTestOrder, TakeHome
from takehomes.partners.adapters import adapter_named
from takehomes.partners.services import partner_key_secret

logger = logging.getLogger(__name__)

CALLBACK_TASK = "takehomes.partner_callback_send"
SEND_LEASE = timedelta(minutes=5)
SWEEP_GRACE = timedelta(minutes=1)
OPEN_STATUSES = (PartnerCallback.Status.PENDING, PartnerCallback.Status.SENDING)
assert MAX_ATTEMPTS == PartnerCallback.MAX_ATTEMPTS  # noqa: S101 - the same schedule as webhooks


def partner_callback_create_for(take_home: TakeHome) -> PartnerCallback | None:
    """Queue the completion callback of the take-home's order, if an ATS ordered it with a callback URL.

    Call inside the transaction that grades the take-home: the callback commits or rolls back
    with the grade and is enqueued only after commit. Once per order: grading twice queues nothing new.
    """
    order = PartnerTestOrder.objects.filter(take_home=take_home).exclude(callback_url="").first()
    if order is None:
        return None
    callback, created = PartnerCallback.objects.get_or_create(
        order=order, defaults={"url": order.callback_url, "next_attempt_at": timezone.now()}
    )
    if created:
        enqueue_on_commit(CALLBACK_TASK, callback.pk)
    return callback


def _claim(callback_id: int, now: datetime) -> bool:
    # The conditional update is the lock: of two messages for the same attempt, exactly one matches.
    return bool(
        PartnerCallback.objects.filter(
            pk=callback_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now, attempt_count__lt=MAX_ATTEMPTS
        ).update(
            status=PartnerCallback.Status.SENDING,
            attempt_count=F("attempt_count") + 1,
            next_attempt_at=now + SEND_LEASE,
            updated_at=now,
        )
    )


def _send(callback: PartnerCallback) -> tuple[AttemptResult, bool]:
    """One request, and whether a failure is final (nothing would change on a retry)."""
    order = callback.order
    if not order.key.is_active:
        return AttemptResult(None, "Not sent: the partner key is revoked.", 0), True
    secret = partner_key_secret(order.key)
    if secret is None:
        return AttemptResult(
            None,
            "Not sent: the key cannot be derived (SECRET_KEY changed and the old one is not in "
            "SECRET_KEY_FALLBACKS); issue a new one.",
            0,
        ), True
    started = time.monotonic()
    try:
        target = url_check(callback.url)
    except WebhookUrlRefused as refused:
        return AttemptResult(None, f"Not sent: {refused.message}", 0), False
    request = adapter_named(order.protocol).callback_request(key_secret=secret)
    try:
        status = http_send(target, request.body, request.headers, method=request.method)
    except Exception as exc:  # every failure of the request is one failed attempt, retried later
        status, error = None, request_error_text(exc)
    else:
        error = "" if 200 <= status < 300 else f"Answered HTTP {status}; 2xx expected."
    return AttemptResult(status, error, int((time.monotonic() - started) * 1000)), False


def partner_callback_attempt(*, callback_id: int) -> str:
    """Make the next attempt of a callback if it is due, and record it; returns what happened.

    Safe to call any number of times: only a call that claims the callback (pending and due, or
    sending with an expired lease) sends. A failed attempt schedules the next one ``RETRY_DELAYS``
    later (the sweep honours ``next_attempt_at``; short waits are a delayed message too); the
    ``MAX_ATTEMPTS``-th failure, a revoked key or a key that cannot be derived fails it for good.
    """
    now = timezone.now()
    if not _claim(callback_id, now):
        return "not_due"
    callback = PartnerCallback.objects.select_related("order__key").get(pk=callback_id)
    result, final = _send(callback)
    final = final or result.succeeded or callback.attempt_count >= MAX_ATTEMPTS
    finished = timezone.now()
    delay = None
    if result.succeeded:
        changes, outcome = {"status": PartnerCallback.Status.SUCCEEDED}, "succeeded"
    elif final:
        changes, outcome = {"status": PartnerCallback.Status.FAILED}, "failed"
    else:
        delay = RETRY_DELAYS[callback.attempt_count - 1]
        changes, outcome = (
            {"status": PartnerCallback.Status.PENDING, "next_attempt_at": finished + delay},
            "retry",
        )
    if outcome != "retry":
        changes.update(next_attempt_at=None, finished_at=finished)
    with transaction.atomic():
        PartnerCallbackAttempt.objects.create(
            callback=callback,
            number=callback.attempt_count,
            attempted_at=now,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error[:500],
        )
        PartnerCallback.objects.filter(
            pk=callback.pk, status=PartnerCallback.Status.SENDING, attempt_count=callback.attempt_count
        ).update(**changes, updated_at=finished)
    if delay is not None and delay < message_horizon():
        _schedule(callback.pk, countdown=delay.total_seconds())
    logger.info("Partner callback %s attempt %s: %s", callback.pk, callback.attempt_count, outcome)
    return outcome


def _schedule(callback_id: int, *, countdown: float) -> None:
    try:
        task_named(CALLBACK_TASK).apply_async(args=[callback_id], countdown=countdown)
    except (KombuError, OSError):
        logger.warning("Could not schedule partner callback %s; the sweep will.", callback_id, exc_info=True)


def partner_callbacks_sweep(*, limit: int = 500) -> int:
    """Enqueue callbacks due for longer than ``SWEEP_GRACE`` (their message lost); returns how many.

    Also fails callbacks whose final attempt's sender died (lease expired), so none stays ``sending``.
    """
    now = timezone.now()
    PartnerCallback.objects.filter(
        status=PartnerCallback.Status.SENDING, next_attempt_at__lte=now, attempt_count__gte=MAX_ATTEMPTS
    ).update(status=PartnerCallback.Status.FAILED, next_attempt_at=None, finished_at=now, updated_at=now)
    due = list(
        PartnerCallback.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    for callback_id in due:
        _schedule(callback_id, countdown=0)
    return len(due)
