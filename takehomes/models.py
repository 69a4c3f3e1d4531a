"""Exercises, the take-homes sent to applications, what candidates upload, and the grade.

An ``Exercise`` is versioned like a rubric: ``(key, version)`` is unique, and once
published a version's data and budgets are frozen, since grades were measured against
them. Its files live in the ``takehomes`` storage (never the static files): the training
data and test features are what a candidate downloads; the test labels never leave the
server. A ``TakeHome`` is one exercise sent to one application, reached by a link whose
token is stored only as a hash. Its ``Submission`` holds the candidate's draft and final
files and the contract they claim; the ``GradingReport`` holds what was measured.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone


def private_storage():
    """Where exercise data and uploads live: ``STORAGES["takehomes"]``, served only through views."""
    return storages["takehomes"]


TOKEN_BYTES = 32


def token_new() -> tuple[str, str]:
    """A fresh link token and the hash that is all the database keeps of it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Exercise(models.Model):
    class TaskType(models.TextChoices):
        BINARY = "binary", "Binary classification"
        MULTICLASS = "multiclass", "Multiclass classification"
        REGRESSION = "regression", "Regression"

    class Metric(models.TextChoices):
        F1 = "f1", "F1"
        ACCURACY = "accuracy", "Accuracy"
        PRECISION = "precision", "Precision"
        SENSITIVITY = "sensitivity", "Sensitivity (recall)"
        ROC_AUC = "roc_auc", "ROC AUC"

    key = models.SlugField(max_length=64, help_text="Names the exercise across its versions.")
    version = models.PositiveIntegerField(default=1)
    role = models.ForeignKey("assessments.Role", on_delete=models.PROTECT, related_name="exercises")
    title = models.CharField(max_length=200)
    brief = models.TextField(help_text="What the candidate reads, in Markdown (rendered safely: no HTML).")
    task_type = models.CharField(max_length=16, choices=TaskType.choices, default=TaskType.BINARY)
    classes = models.JSONField(default=list, help_text='The labels, as text: ["benign", "malignant"].')
    positive_class = models.CharField(max_length=64, blank=True, help_text="The positive label.")
    primary_metric = models.CharField(max_length=16, choices=Metric.choices, default=Metric.F1)
    needs_score = models.BooleanField(
        default=False, help_text="Predictions carry a score (probability of the positive class), for ROC AUC."
    )
    requires_model = models.BooleanField(
        default=False, help_text="The candidate hands over an ONNX model, measured against the budgets."
    )
    budgets = models.JSONField(
        default=dict,
        blank=True,
        help_text="The contract's budgets, a minimum for metrics and a maximum for the rest: "
        '{"f1": 0.9, "latency_p95_ms": 5, "peak_memory_mb": 200, "parameters": 1000000}.',
    )
    area_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='Measured items as skill-area levels: {"<area key>": {"item": "f1", '
        '"thresholds": [0.7, 0.8, 0.88, 0.94]}}; add "direction": "lower" where less is better.',
    )
    time_limit_hours = models.PositiveIntegerField(
        default=72, help_text="Hours the candidate has, from first opening the link."
    )
    expiry_days = models.PositiveIntegerField(default=14, help_text="Days the link stays valid once sent.")
    train_file = models.FileField(
        storage=private_storage, upload_to="exercises/", help_text="Training data with labels (CSV)."
    )
    test_features_file = models.FileField(
        storage=private_storage, upload_to="exercises/", help_text="Test features with a row_id column (CSV)."
    )
    test_labels_file = models.FileField(
        storage=private_storage,
        upload_to="exercises/",
        help_text="Test labels (row_id,label); stays on the server, never sent to a candidate.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role__order", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="exercise_version_unique_per_key"),
            models.CheckConstraint(condition=Q(time_limit_hours__gt=0), name="exercise_time_limit_positive"),
            models.CheckConstraint(condition=Q(expiry_days__gt=0), name="exercise_expiry_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class TakeHomeQuerySet(models.QuerySet):
    def for_token(self, token: str):
        return self.filter(token_hash=token_hash(token))


class TakeHome(models.Model):
    """One exercise sent to one application (once: sending again finds this one)."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        SUBMITTED = "submitted", "Submitted"
        GRADED = "graded", "Graded"
        EXPIRED = "expired", "Expired"

    application = models.ForeignKey("hiring.Application", on_delete=models.CASCADE, related_name="take_homes")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="take_homes")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        max_length=64, default="manual", help_text="Who sent it: 'manual' or the ATS's name (API)."
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="The link is refused after this, opened or not.")
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(
        null=True, blank=True, help_text="Opening plus the time limit, capped at the expiry."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    objects = TakeHomeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "exercise"], name="take_home_once_per_exercise"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} for {self.application}"

    @staticmethod
    def expiry_for(exercise: Exercise, *, now=None):
        return (now or timezone.now()) + timedelta(days=exercise.expiry_days)

    def closes_at(self):
        """When uploads stop: the deadline once opened, else the expiry."""
        return min(self.deadline_at, self.expires_at) if self.deadline_at else self.expires_at

    def status_now(self, *, now=None) -> str:
        """The status as it stands: ``expired`` once a take-home not handed in is past ``closes_at()``.

        The row says so only once someone opens the link after that; pages and the API read this.
        """
        unsubmitted = self.status in (self.Status.SENT, self.Status.OPENED)
        if unsubmitted and (now or timezone.now()) >= self.closes_at():
            return self.Status.EXPIRED
        return self.status

    def is_open_for_uploads(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPENED and now < self.closes_at()


class Submission(models.Model):
    """What the candidate hands in: replaceable until final, then frozen."""

    take_home = models.OneToOneField(TakeHome, on_delete=models.CASCADE, related_name="submission")
    predictions_file = models.FileField(storage=private_storage, upload_to="submissions/", blank=True)
    predictions_sha256 = models.CharField(max_length=64, blank=True)
    predictions_rows = models.PositiveIntegerField(default=0)
    model_file = models.FileField(storage=private_storage, upload_to="submissions/", blank=True)
    model_sha256 = models.CharField(max_length=64, blank=True)
    model_facts = models.JSONField(
        default=dict, blank=True, help_text="What the ONNX file says of itself: producer, opset, parameters."
    )
    contract = models.JSONField(default=dict, blank=True, help_text="The handover contract as claimed.")
    updated_at = models.DateTimeField(auto_now=True)
    final_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Submission for {self.take_home}"


class GradingReport(models.Model):
    """What grading measured for one final submission, and what it made of the contract."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        GRADED = "graded", "Graded"
        FAILED = "failed", "Failed"

    take_home = models.OneToOneField(TakeHome, on_delete=models.CASCADE, related_name="report")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    metrics = models.JSONField(default=dict, blank=True, help_text="Measured on hidden labels.")
    model_run = models.JSONField(default=dict, blank=True, help_text="The model runner's measurements.")
    contract = models.JSONField(default=dict, blank=True, help_text="Per item: claimed, measured, verdict.")
    levels = models.JSONField(default=dict, blank=True, help_text="Skill-area levels the grade evidences.")
    flags = models.JSONField(default=list, blank=True, help_text="Copies and other things to look at.")
    scorecard = models.ForeignKey(
        "assessments.Scorecard", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Report for {self.take_home}"


# Assessment partners: an ATS orders take-homes through its own protocol (takehomes.partners) ----------


class PartnerKey(models.Model):
    """An ATS's organisation-level key for the assessment-partner endpoints (``/partners/…``) only.

    Issued by a recruiter per ATS source and shown once; the database keeps its SHA-256 and its
    public prefix. The secret is an HMAC of the prefix under the server's ``SECRET_KEY``, so the
    completion callback can present it again (Greenhouse authenticates that PATCH with the same
    key) without the database ever holding it. The REST API's authentication never accepts it,
    and it never opens the REST API. Revoked: 401.
    """

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Greenhouse production'.")
    source = models.SlugField(
        max_length=64,
        help_text="The ATS's name for its ids: candidates and applications it orders tests for are "
        "found and created in this source, and it sees only this source's orders.",
    )
    prefix = models.CharField(max_length=32, unique=True, editable=False, help_text="The key's public start.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
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

    @property
    def audit_label(self) -> str:
        return f"partner key {self.prefix}… ({self.name})"


class PartnerTestOrder(models.Model):
    """A take-home an ATS ordered through a partner protocol: its ids, our take-home, where to call back.

    ``partner_interview_id`` is the opaque id we answered (Greenhouse's name for it), unique across
    sources; reads are filtered by the asking key's ``source`` as well. One order per take-home:
    the ATS asking again for the same candidate and test finds this one.
    """

    key = models.ForeignKey(PartnerKey, on_delete=models.PROTECT, related_name="orders")
    protocol = models.CharField(
        max_length=32, help_text="The adapter that speaks to the ATS, e.g. greenhouse."
    )
    source = models.SlugField(max_length=64)
    partner_interview_id = models.CharField(max_length=64, unique=True, editable=False)
    take_home = models.OneToOneField(TakeHome, on_delete=models.CASCADE, related_name="partner_order")
    partner_test_id = models.CharField(
        max_length=64, help_text="The test as the ATS names it (our exercise)."
    )
    external_candidate_id = models.CharField(max_length=128, blank=True)
    external_application_id = models.CharField(max_length=128, blank=True)
    callback_url = models.URLField(
        max_length=2000, blank=True, help_text="Where the ATS wants to hear of the completion (PATCH)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["source", "partner_interview_id"], name="partner_order_source_idx")]

    def __str__(self) -> str:
        return f"{self.protocol} order {self.partner_interview_id}"


class PartnerCallback(models.Model):
    """Telling the ATS that an order's take-home is graded: at most ``MAX_ATTEMPTS`` requests to its URL.

    Sent and retried like a webhook delivery (``integrations.webhooks``: the same target checks,
    timeouts and retry delays); ``next_attempt_at`` is when a pending one is due, and while
    ``sending`` the end of the sender's lease. A callback that fails for good loses nothing:
    the ATS still reads the result by polling.
    """

    MAX_ATTEMPTS = 8

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    order = models.OneToOneField(PartnerTestOrder, on_delete=models.CASCADE, related_name="callback")
    url = models.URLField(max_length=2000, help_text="The order's callback URL when the grade was written.")
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
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "succeeded", "failed"]),
                name="partner_callback_status_known",
            ),
            models.CheckConstraint(
                condition=Q(attempt_count__lte=8), name="partner_callback_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["succeeded", "failed"]) | Q(next_attempt_at__isnull=False),
                name="partner_callback_open_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="partner_callback_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"callback {self.pk} of {self.order} ({self.status})"


class PartnerCallbackAttempt(models.Model):
    """One request of a callback (or one refused before sending); ``error`` is a fixed phrase."""

    callback = models.ForeignKey(PartnerCallback, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of callback {self.callback_id}"


class PartnerResponseError(models.Model):
    """A problem an ATS reported with one of our answers (Greenhouse's ``response_error``).

    Kept as reported, except the candidate's e-mail address, which is personal data: the order
    (found by ``partner_interview_id``) says who it concerns.
    """

    key = models.ForeignKey(PartnerKey, null=True, on_delete=models.SET_NULL, related_name="response_errors")
    protocol = models.CharField(max_length=32)
    source = models.SlugField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    api_call = models.CharField(max_length=64, help_text="Which of our endpoints answered badly.")
    errors = models.JSONField(default=list, help_text="What was wrong, as the ATS wrote it.")
    partner_test_id = models.CharField(max_length=64, blank=True)
    partner_test_name = models.CharField(max_length=200, blank=True)
    partner_interview_id = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(
        PartnerTestOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="response_errors"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.protocol} {self.api_call} error at {self.received_at:%Y-%m-%d %H:%M}"
