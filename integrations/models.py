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

    Append-only: nothing in the app updates or deletes these rows. ``details``
    never holds secrets or personal data beyond ids.
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

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"
