"""Integration tokens, idempotency records and the event outbox.

A token is random, shown once, and stored only as its SHA-256: a token has
256 bits of entropy, so a fast hash is as safe as a slow one and lets every
request find its token by an indexed lookup.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class IntegrationToken(models.Model):
    """An applicant tracking system's credential for the REST API, with the scopes it holds."""

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Greenhouse production'.")
    source = models.SlugField(
        max_length=64,
        help_text="The ATS's name for its ids: external ids it sends are unique within this source.",
    )
    prefix = models.CharField(max_length=16, editable=False, help_text="The token's first characters.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="Scopes the token holds.")
    shared_sources = models.JSONField(
        default=list,
        blank=True,
        help_text="Other sources whose records the token may also write, e.g. 'manual' for records "
        "made in the web app. Empty: only its own source's.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def writes_source(self, source: str) -> bool:
        """Whether the token may change records that came from ``source``."""
        return source == self.source or source in self.shared_sources


class IdempotencyRecord(models.Model):
    """The stored response of a POST sent with an ``Idempotency-Key`` header.

    ``owner`` is the token (``token:<id>``) or user (``user:<id>``) that sent
    it: keys are private to their sender. ``status_code`` is empty while the
    first request is still running.
    """

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class EventType(models.TextChoices):
    SCORECARD_SUBMITTED = "scorecard.submitted"
    SCORECARD_AMENDED = "scorecard.amended"
    FIT_SCORES_UPDATED = "fit_scores.updated"
    SHORTLIST_READY = "shortlist.ready"
    DECISION_RECORDED = "decision.recorded"
    TAKE_HOME_GRADED = "take_home.graded"


class Event(models.Model):
    """Something an integration may want to hear about, recorded in the transaction that caused it.

    The outbox of webhooks: deliveries are created from events, so an event is
    never lost to a broker outage and never sent for a rolled-back change.
    ``resource`` is the changed resource as the API shows it.
    """

    Type = EventType

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    occurred_at = models.DateTimeField(db_index=True)
    resource = models.JSONField()

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=EventType.values), name="event_type_known"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class AuditEvent(models.Model):
    """A security-relevant action: who (user or token), what, on which object, when (UTC).

    Append-only: nothing in the app deletes these rows. Two updates only: erasure
    redacts a candidate's name and email from ``details``, and ``count`` of an
    aggregated row grows (``audit_record_repeated``): refusals anyone can provoke
    without credentials are recorded once per client address and reason per
    ``AUDIT_REJECTION_WINDOW``, the rest counted there. ``details`` never holds
    secrets or personal data beyond ids and free text people wrote (an amendment's reason).
    """

    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=64, db_index=True, help_text="e.g. candidate.erased, token.revoked")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_token = models.ForeignKey(
        IntegrationToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who, as it read at the time.")
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    count = models.PositiveIntegerField(
        default=1,
        help_text=(
            "How many times it happened: above 1 only on an aggregated refusal, which counts every "
            "repeat from the same address for the same reason in the window starting at occurred_at."
        ),
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"


class WebhookSubscription(models.Model):
    """An integration's request to be told, by a signed POST to ``url``, when one of ``events`` happens.

    Owned by the integration token that created it (a recruiter may create one
    for a token): a token sees and changes only its own subscriptions, and
    nothing is sent for a revoked token.
    """

    token = models.ForeignKey(
        IntegrationToken, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=2000, help_text="http(s) URL that receives the POSTs.")
    events = models.JSONField(default=list, help_text="Event types sent to this URL.")
    # Kept in usable form on purpose, unlike token secrets: signing a delivery
    # (HMAC-SHA256) needs the secret itself, so a hash would be useless. It is
    # returned once, at creation, and never shown by the API or the admin again.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True, help_text="Inactive subscriptions receive nothing.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class WebhookDelivery(models.Model):
    """One event on its way to one subscription: at most ``MAX_ATTEMPTS`` POSTs until one answers 2xx.

    ``next_attempt_at`` is when a pending delivery is due; while ``sending`` it
    is the end of the sender's lease, after which a sender that died is
    assumed gone and the delivery may be claimed again.
    """

    MAX_ATTEMPTS = 8

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it succeeded or failed for good."
    )

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "succeeded", "failed"]),
                name="webhook_delivery_status_known",
            ),
            models.CheckConstraint(
                condition=Q(attempt_count__lte=8), name="webhook_delivery_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["succeeded", "failed"]) | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_open_has_next_attempt",
            ),
        ]
        indexes = [
            # The sweep's "due now" scan touches open deliveries only.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.event_id} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    """One POST of a delivery (or one refused before sending): what came back and how long it took.

    ``error`` is written by the sender from a fixed set of phrases, never from
    exception text, so it holds no URL query, header or secret.
    """

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(
        help_text="1 for the first attempt since the last (re)delivery."
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
