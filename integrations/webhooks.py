"""Signed webhooks: subscriptions, fan-out of events, target checks (SSRF), signing and sending.

A delivery is a POST of ``{"id", "type", "occurred_at", "resource"}`` (the
event) with the headers

    X-Scorecards-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
    X-Scorecards-Event-Id: <event uuid>      (deliveries are at least once: de-duplicate on it)
    X-Scorecards-Event-Type: scorecard.submitted

A receiver recomputes the HMAC with its subscription's secret and rejects a
timestamp more than ``SIGNATURE_TOLERANCE_SECONDS`` (5 minutes) away from its
clock, so a captured request cannot be replayed later (``signature_verify``).

Sending: any 2xx answer within the timeouts succeeds; anything else (another
status, a redirect, a timeout, a refused target) is a failed attempt, retried
after ``RETRY_DELAYS`` (about 22 hours in all) until ``MAX_ATTEMPTS``, then the
delivery is failed. Each target is checked before every attempt, and the
connection goes to the address that was checked, so DNS cannot be turned
against the internal network between the check and the POST.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from kombu.exceptions import KombuError

from config.celery import enqueue_on_commit, task_named
from config.errors import ApplicationError
from integrations.audit import audit_record
from integrations.models import (
    Event,
    EventType,
    IntegrationToken,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookSubscription,
)
from integrations.scopes import EVENT_READ_SCOPES

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Scorecards-Signature"
EVENT_ID_HEADER = "X-Scorecards-Event-Id"
EVENT_TYPE_HEADER = "X-Scorecards-Event-Type"
DELIVERY_ID_HEADER = "X-Scorecards-Delivery-Id"
SIGNATURE_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public marker, not a secret

MAX_ATTEMPTS = WebhookDelivery.MAX_ATTEMPTS
# The wait after failed attempt n before attempt n + 1: 22 h 21 min from the first to the eighth.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
assert len(RETRY_DELAYS) == MAX_ATTEMPTS - 1  # noqa: S101 - a module invariant
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 10.0
# How long a claimed delivery belongs to its sender; well above the task's time limit.
SEND_LEASE = timedelta(minutes=5)
# The sweep leaves a due delivery this long to its own message before sending it again.
SWEEP_GRACE = timedelta(minutes=1)
USER_AGENT = "Scorecards-Webhooks/1.0"

OPEN_STATUSES = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING)
DELIVER_TASK = "integrations.webhook_deliver"


# Signing ---------------------------------------------------------------------


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int) -> str:
    """The ``X-Scorecards-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def signature_verify(
    secret: str, header: str, body: bytes | str, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether ``header`` is a valid signature of the raw ``body`` by ``secret``, made recently.

    The reference implementation for receivers. False when the header is
    malformed, when no ``v1`` matches, or when its timestamp is more than
    ``tolerance`` seconds from ``now`` (default: the current time) in either
    direction: an old, replayed request is refused even with a valid MAC.
    """
    if isinstance(body, str):
        body = body.encode()
    timestamp = None
    candidates = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def delivery_body(event: Event) -> bytes:
    """The exact bytes POSTed (and signed) for ``event``."""
    occurred_at = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    payload = {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": occurred_at,
        "resource": event.resource,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# Target checks (SSRF) ------------------------------------------------------------

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)


class WebhookUrlRefused(ApplicationError):
    def __init__(self, reason: str) -> None:
        super().__init__("webhook_url_refused", f"This URL cannot receive webhooks: {reason}", field="url")


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for there."""

    scheme: str
    host: str
    port: int
    address: str
    path: str
    host_header: str


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.WEBHOOK_ALLOWED_NETWORKS]


NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, 6to4, Teredo (server and client), NAT64.

    Each reaches that IPv4 host through a relay or translator, so each is judged as that host.
    """
    embedded = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if any(address in network for network in NAT64_NETWORKS):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def _address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:  # fec0::/10: deprecated, yet still routed inside some networks
            return f"it resolves to {address}, a site-local address."
        for inner in _embedded_ipv4(address):
            refusal = _address_refusal(inner)
            if refusal is not None:
                return refusal
        if address.ipv4_mapped is not None:
            return None
    if address in METADATA_ADDRESSES:
        return "it resolves to a cloud metadata address."
    if any(address in network for network in _allowed_networks()):
        return None
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    ):
        return f"it resolves to {address}, which is not a public address."
    return None


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlRefused("its host name does not resolve.") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_check(url: str) -> Target:
    """Check that ``url`` may receive webhooks, and return where to connect.

    Only http and https, no credentials in the URL. The host is resolved and
    every address it resolves to must be public (not loopback, private,
    link-local, reserved, multicast or unspecified) unless it lies in
    ``settings.WEBHOOK_ALLOWED_NETWORKS``; cloud metadata names and addresses
    are refused even then. Raises ``WebhookUrlRefused`` (400 ``webhook_url_refused``).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused("it is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlRefused("only http and https URLs are allowed.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("it must not contain credentials; authenticate with the signature.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise WebhookUrlRefused("it has no host.")
    if host in METADATA_HOSTS:
        raise WebhookUrlRefused("it names a cloud metadata service.")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise WebhookUrlRefused("its host name does not resolve.")
    for raw in addresses:
        refusal = _address_refusal(ipaddress.ip_address(raw.split("%", 1)[0]))
        if refusal:
            raise WebhookUrlRefused(refusal)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default_port = (parts.scheme == "https" and port == 443) or (parts.scheme == "http" and port == 80)
    netloc_host = f"[{host}]" if ":" in host else host
    host_header = netloc_host if default_port else f"{netloc_host}:{port}"
    return Target(parts.scheme, host, port, addresses[0], path, host_header)


# Subscriptions: reads and writes ---------------------------------------------------


def webhook_subscriptions_visible_to(actor) -> QuerySet[WebhookSubscription]:
    """A token's own subscriptions; everyone else who passed the scope check (recruiters) sees all."""
    queryset = WebhookSubscription.objects.select_related("token")
    token = getattr(actor, "token", None)
    if token is not None:
        return queryset.filter(token=token)
    return queryset


def webhook_deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """A subscription's deliveries (newest first by the caller's paginator) with event and attempts."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related("attempts")
    )


def _events_clean(events: list[str], token: IntegrationToken) -> list[str]:
    """The event types, sorted and distinct; each must be known and readable by ``token``.

    Raises ``unknown_event_type`` and ``no_events`` (400), and ``missing_scope``
    (403) when the token lacks the read scope of an event's resource.
    """
    unknown = sorted(set(events) - set(EventType.values))
    if unknown:
        raise ApplicationError(
            "unknown_event_type", f"Unknown event type(s): {', '.join(unknown)}.", field="events"
        )
    if not events:
        raise ApplicationError("no_events", "Subscribe to at least one event type.", field="events")
    missing = {event: EVENT_READ_SCOPES[event] for event in sorted(set(events))}
    missing = {event: scope for event, scope in missing.items() if not token.has_scope(scope)}
    if missing:
        needs = "; ".join(f"'{event}' needs '{scope}'" for event, scope in missing.items())
        raise ApplicationError(
            "missing_scope",
            f"The token cannot read what these events carry: {needs}.",
            field="events",
            status_code=403,
        )
    return sorted(set(events))


def event_readable_by(event_type: str, token: IntegrationToken) -> bool:
    """Whether ``token`` may hear about an event of this type now (its scopes can change)."""
    scope = EVENT_READ_SCOPES.get(event_type)
    return scope is not None and token.has_scope(scope)


def webhook_subscription_create(
    *, token: IntegrationToken, url: str, events: list[str], is_active: bool = True, actor=None
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``token``'s integration to ``events`` at ``url``; returns it and its signing secret.

    The secret is shown to the caller only in this answer. Raises
    ``webhook_url_refused`` (see ``url_check``), ``unknown_event_type``,
    ``no_events``, ``missing_scope`` (the token cannot read an event's
    resource), or ``token_revoked``. Audited.
    """
    if not token.is_active:
        raise ApplicationError("token_revoked", "That token is revoked.", field="token_id")
    url_check(url)
    subscription = WebhookSubscription(
        token=token,
        url=url,
        events=_events_clean(events, token),
        is_active=is_active,
        secret=secret_generate(),
    )
    subscription.full_clean()
    with transaction.atomic():
        subscription.save()
        audit_record(
            actor=actor,
            action="webhook.created",
            target=subscription,
            details={"events": subscription.events, "token_id": token.pk},
        )
    return subscription, subscription.secret


def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor=None,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription's URL, events or active flag (None leaves one as it is). Audited.

    A new URL is checked like at creation (``webhook_url_refused``).
    """
    changed = []
    if url is not None and url != subscription.url:
        url_check(url)
        subscription.url = url
        changed.append("url")
    if events is not None:
        subscription.events = _events_clean(events, subscription.token)
        changed.append("events")
    if is_active is not None:
        subscription.is_active = is_active
        changed.append("is_active")
    subscription.full_clean()
    with transaction.atomic():
        subscription.save()
        audit_record(actor=actor, action="webhook.updated", target=subscription, details={"changed": changed})
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription, actor=None) -> None:
    """Delete a subscription with its deliveries; messages still queued for them find nothing. Audited."""
    with transaction.atomic():
        audit_record(
            actor=actor, action="webhook.deleted", target=subscription, details={"url": subscription.url}
        )
        subscription.delete()


# Fan-out ---------------------------------------------------------------------------


def deliveries_create_for_events(events: list[Event]) -> list[WebhookDelivery]:
    """Create a delivery of each event (all of one type) for every active subscription of an unrevoked
    token listening to it.

    Call inside the events' transaction: the deliveries commit or roll back
    with it, and each is enqueued only after commit. One read of the
    subscriptions (they are few, so the type is matched in Python, which also
    works on SQLite) and one insert, whatever the number of events; no insert
    when nobody listens.
    """
    if not events:
        return []
    (event_type,) = {event.type for event in events}
    scope = EVENT_READ_SCOPES.get(event_type)
    listening = [
        subscription_id
        for subscription_id, subscribed, scopes in WebhookSubscription.objects.filter(
            is_active=True, token__revoked_at__isnull=True
        ).values_list("id", "events", "token__scopes")
        if event_type in subscribed and scope in scopes
    ]
    if not listening:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription_id=subscription_id, event=event, next_attempt_at=event.occurred_at)
            for event in events
            for subscription_id in listening
        ]
    )
    for delivery in deliveries:
        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return deliveries


def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor=None) -> WebhookDelivery:
    """Send a delivery again from its first attempt (a finished one too), after commit. Audited.

    A delivery being sent right now is refused (409 ``delivery_in_progress``).
    Its earlier attempts stay in the log.
    """
    now = timezone.now()
    with transaction.atomic():
        reset = (
            WebhookDelivery.objects.filter(pk=delivery.pk)
            .exclude(status=WebhookDelivery.Status.SENDING, next_attempt_at__gt=now)
            .update(
                status=WebhookDelivery.Status.PENDING,
                attempt_count=0,
                next_attempt_at=now,
                finished_at=None,
                updated_at=now,
            )
        )
        if not reset:
            raise ApplicationError(
                "delivery_in_progress", "This delivery is being sent right now.", status_code=409
            )
        audit_record(actor=actor, action="webhook.redelivered", target=delivery)
        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    delivery.refresh_from_db()
    return delivery


# Sending ---------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> bool:
    # The conditional update is the lock: of two messages for the same attempt
    # (a redelivery, a sweep racing the retry), exactly one matches.
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status__in=OPEN_STATUSES,
            next_attempt_at__lte=now,
            attempt_count__lt=MAX_ATTEMPTS,
        ).update(
            status=WebhookDelivery.Status.SENDING,
            attempt_count=F("attempt_count") + 1,
            next_attempt_at=now + SEND_LEASE,
            updated_at=now,
        )
    )


def request_error_text(exc: Exception) -> str:
    """What went wrong with a request, as a fixed phrase (for an attempt's ``error``)."""
    # Fixed phrases only: exception texts can carry the URL (and any secret in its query).
    if isinstance(exc, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
        return "Connection refused or unreachable."
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return f"Could not connect within {CONNECT_TIMEOUT_SECONDS:g} s."
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return f"No answer within {READ_TIMEOUT_SECONDS:g} s."
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "TLS handshake or certificate verification failed."
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "The connection broke before a complete answer."
    return f"Request failed ({type(exc).__name__})."


def http_send(target: Target, body: bytes, headers: dict[str, str], *, method: str = "POST") -> int:
    """Send ``method`` to the checked address (never re-resolving the name); the status, redirects not
    followed. Raises urllib3's errors; ``request_error_text`` turns them into an attempt's error."""
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS)
    if target.scheme == "https":
        # TLS still verifies the certificate against the host name, sent as SNI.
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, maxsize=1
        )
    try:
        response = pool.urlopen(
            method,
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        response.release_conn()
        return response.status
    finally:
        pool.close()


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _send(delivery: WebhookDelivery) -> AttemptResult:
    subscription = delivery.subscription
    started = time.monotonic()
    try:
        target = url_check(subscription.url)
    except WebhookUrlRefused as refused:
        return AttemptResult(None, f"Not sent: {refused.message}", 0)
    body = delivery_body(delivery.event)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(subscription.secret, body, timestamp=timestamp),
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_TYPE_HEADER: delivery.event.type,
        DELIVERY_ID_HEADER: str(delivery.pk),
    }
    try:
        status = http_send(target, body, headers)
    except Exception as exc:  # every failure of the POST is one failed attempt, retried later
        error = request_error_text(exc)
        status = None
    else:
        error = "" if 200 <= status < 300 else f"Answered HTTP {status}; 2xx expected."
    return AttemptResult(status, error, int((time.monotonic() - started) * 1000))


def delivery_attempt(*, delivery_id: int) -> str:
    """Make the next attempt of a delivery if it is due, and record it; returns what happened.

    Safe to call any number of times: only a call that claims the delivery
    (pending and due, or sending with an expired lease) sends, so a redelivered
    or duplicated message sends nothing. After a failed attempt the next one is
    scheduled ``RETRY_DELAYS`` later in ``next_attempt_at`` (which the sweep
    honours) and, for waits shorter than the broker's visibility timeout, as a
    delayed message too; the ``MAX_ATTEMPTS``-th failure fails the delivery.
    """
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "not_due"
    delivery = WebhookDelivery.objects.select_related("subscription__token", "event").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active or not subscription.token.is_active:
        result = AttemptResult(None, "Not sent: the subscription is inactive or its token revoked.", 0)
        final = True
    elif not event_readable_by(delivery.event.type, subscription.token):
        scope = EVENT_READ_SCOPES.get(delivery.event.type)
        result = AttemptResult(None, f"Not sent: the token no longer holds the '{scope}' scope.", 0)
        final = True
    else:
        result = _send(delivery)
        final = result.succeeded or delivery.attempt_count >= MAX_ATTEMPTS
    finished = timezone.now()
    if result.succeeded:
        changes = {
            "status": WebhookDelivery.Status.SUCCEEDED,
            "next_attempt_at": None,
            "finished_at": finished,
        }
        outcome = "succeeded"
    elif final:
        changes = {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None, "finished_at": finished}
        outcome = "failed"
    else:
        delay = RETRY_DELAYS[delivery.attempt_count - 1]
        changes = {"status": WebhookDelivery.Status.PENDING, "next_attempt_at": finished + delay}
        outcome = "retry"
    with transaction.atomic():
        WebhookDeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempt_count,
            attempted_at=now,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error[:500],
        )
        # Only while it is still ours: a redelivery may have reset it meanwhile.
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.SENDING, attempt_count=delivery.attempt_count
        ).update(**changes, updated_at=finished)
    if outcome == "retry" and delay < message_horizon():
        _schedule(delivery.pk, countdown=delay.total_seconds())
    logger.info("Webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempt_count, outcome)
    return outcome


def message_horizon() -> timedelta:
    # Redis hands an unacknowledged message (a delayed one included) to another worker after the
    # visibility timeout, so an hours-long countdown would come back as a copy every hour. Longer
    # waits are left to the sweep, which sends the delivery within a minute or two of its time.
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    return timedelta(seconds=options.get("visibility_timeout", 3600))


def _schedule(delivery_id: int, *, countdown: float) -> None:
    # By name: integrations.tasks imports this module, never the reverse.
    try:
        task_named(DELIVER_TASK).apply_async(args=[delivery_id], countdown=countdown)
    except (KombuError, OSError):
        # next_attempt_at is saved: the sweep sends it when due.
        logger.warning("Could not schedule webhook delivery %s; the sweep will.", delivery_id, exc_info=True)


def deliveries_due(*, limit: int = 500) -> list[int]:
    """Deliveries due for longer than ``SWEEP_GRACE`` (their message lost), oldest first.

    Also fails deliveries whose last attempt's sender died (lease expired)
    after the final attempt, so nothing stays ``sending`` for ever.
    """
    now = timezone.now()
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, next_attempt_at__lte=now, attempt_count__gte=MAX_ATTEMPTS
    ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, finished_at=now, updated_at=now)
    return list(
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def deliveries_sweep(*, limit: int = 500) -> int:
    """Enqueue every delivery that is due but was not sent; returns how many were enqueued."""
    due = deliveries_due(limit=limit)
    for delivery_id in due:
        _schedule(delivery_id, countdown=0)
    if due:
        logger.info("Webhook sweep enqueued %s due deliveries.", len(due))
    return len(due)
