"""Persisted scoring results: per-application estimates and fit, interviewer offsets, shortlists.

Everything here is derived from submitted scorecards by ``scoring.services``
and written with upserts, so a recompute can run any number of times.
"""

from django.conf import settings
from django.db import models


class ApplicationScoreState(models.Model):
    """An application's calibrated skill estimates and when they were computed.

    ``inputs_at`` is the newest submission or amendment the computation saw;
    the beat sweep recomputes any application with a newer one (or none
    computed yet), so a broker outage delays scores and never loses them.
    ``estimates`` maps area key to ``[estimate, standard error, ratings]``;
    areas nobody assessed are absent (missing, not zero).
    """

    application = models.OneToOneField(
        "hiring.Application", on_delete=models.CASCADE, related_name="score_state"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    inputs_at = models.DateTimeField(null=True, blank=True)
    estimates = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"scores of application {self.application_id}"


class FitScore(models.Model):
    """Fit of one application to one role, 0-100, with its 80% interval and coverage."""

    # The unique (application, role) index serves lookups by application. These rows are
    # derived and rewritten wholesale by every batch, so neither key is checked by a
    # database trigger: the application's one costs a second per 100,000-candidate batch
    # (a locking lookup per row at commit). Deleting an application still removes its
    # rows: Django's on_delete runs in the ORM, not in the database.
    application = models.ForeignKey(
        "hiring.Application",
        on_delete=models.CASCADE,
        related_name="fit_scores",
        db_index=False,
        db_constraint=False,
    )
    role = models.ForeignKey(
        "assessments.Role", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    fit = models.FloatField(null=True, blank=True, help_text="Empty when no area of the role was assessed.")
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    standard_error = models.FloatField(null=True, blank=True)
    coverage = models.FloatField(help_text="Share of the role's weight that was assessed, 0-1.")
    gated = models.BooleanField(default=False, help_text="Below a must-have bar: fit halved, so at most 50.")
    below_bar = models.JSONField(default=list, blank=True, help_text="Area keys below their must-have bar.")
    consider_role = models.ForeignKey(
        "assessments.Role",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        help_text="Set on the opening role's row when another role fits clearly better.",
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "role__order"]
        constraints = [
            models.UniqueConstraint(fields=["application", "role"], name="fit_score_unique_per_role"),
            models.CheckConstraint(
                condition=models.Q(fit__isnull=True) | models.Q(fit__gte=0, fit__lte=100),
                name="fit_score_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.role_id}: {self.fit}"


class OpeningCalibration(models.Model):
    """The batch's model-wide figures for an opening, reused by single-application recomputes."""

    opening = models.OneToOneField("hiring.Opening", on_delete=models.CASCADE, related_name="calibration")
    sigma = models.FloatField(help_text="Rating noise on the 1-5 scale.")
    tau = models.FloatField(help_text="Spread of true interviewer offsets.")
    n_ratings = models.PositiveIntegerField()
    n_applications = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calibration of opening {self.opening_id}"


class InterviewerOffset(models.Model):
    """An interviewer's leniency (positive) or severity (negative) within an opening."""

    opening = models.ForeignKey(
        "hiring.Opening", on_delete=models.CASCADE, related_name="interviewer_offsets"
    )
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset = models.FloatField(help_text="Shrunk offset, used to correct ratings.")
    standard_error = models.FloatField()
    raw_offset = models.FloatField()
    raw_standard_error = models.FloatField(null=True, blank=True, help_text="Empty when not measurable.")
    n_ratings = models.PositiveIntegerField()
    n_corated = models.PositiveIntegerField(help_text="Ratings of cells another interviewer also rated.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["opening", "-offset"]
        constraints = [
            models.UniqueConstraint(fields=["opening", "interviewer"], name="interviewer_offset_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.interviewer_id} in {self.opening_id}: {self.offset:+.2f}"


class AreaReliability(models.Model):
    """Inter-rater agreement (Krippendorff's alpha, ordinal) per opening and skill area."""

    opening = models.ForeignKey("hiring.Opening", on_delete=models.CASCADE, related_name="reliabilities")
    area = models.ForeignKey("assessments.SkillArea", on_delete=models.CASCADE, related_name="+")
    alpha = models.FloatField(null=True, blank=True)
    n_units = models.PositiveIntegerField()
    n_ratings = models.PositiveIntegerField()
    n_raters = models.PositiveIntegerField()
    reading = models.CharField(max_length=32)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["opening", "area__order"]
        constraints = [
            models.UniqueConstraint(fields=["opening", "area"], name="area_reliability_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} in {self.opening_id}: {self.alpha}"


class Shortlist(models.Model):
    """A ranked snapshot of an opening's candidates: it does not move once made."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class OrderBy(models.TextChoices):
        FIT = "fit", "Fit"
        LOWER = "lower", "Lower bound of the 80% interval"

    opening = models.ForeignKey("hiring.Opening", on_delete=models.CASCADE, related_name="shortlists")
    role = models.ForeignKey("assessments.Role", on_delete=models.PROTECT, related_name="+")
    order_by = models.CharField(max_length=8, choices=OrderBy.choices, default=OrderBy.FIT)
    min_coverage = models.FloatField(default=0.0)
    min_fit = models.FloatField(null=True, blank=True)
    stages = models.JSONField(default=list, blank=True, help_text="Stages included; empty for all.")
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="Keep the top N; empty for all.")
    tie_break = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_coverage__gte=0, min_coverage__lte=1),
                name="shortlist_min_coverage_0_to_1",
            ),
            models.CheckConstraint(
                condition=models.Q(min_fit__isnull=True) | models.Q(min_fit__gte=0, min_fit__lte=100),
                name="shortlist_min_fit_0_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(limit__isnull=True) | models.Q(limit__gte=1),
                name="shortlist_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"shortlist {self.pk} of opening {self.opening_id}"


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveIntegerField()
    application = models.ForeignKey("hiring.Application", on_delete=models.CASCADE, related_name="+")
    fit = models.FloatField(null=True, blank=True)
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    coverage = models.FloatField()
    gated = models.BooleanField(default=False)
    below_bar = models.JSONField(default=list, blank=True)
    consider_role = models.ForeignKey(
        "assessments.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fits = models.JSONField(default=dict, help_text="Fit, lower and upper for every role, by role key.")

    class Meta:
        ordering = ["shortlist", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "rank"], name="shortlist_rank_unique"),
            models.UniqueConstraint(fields=["shortlist", "application"], name="shortlist_application_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} in shortlist {self.shortlist_id}"
