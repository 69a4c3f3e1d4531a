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
    ``estimates`` maps every area key of the opening's rubric version to the
    posterior ``[mean, standard deviation, ratings]``; an area nobody assessed
    has 0 ratings, and its mean is the model's prediction from the population
    and the candidate's other areas, not a measurement.
    """

    application = models.OneToOneField(
        "hiring.Application", on_delete=models.CASCADE, related_name="score_state"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    inputs_at = models.DateTimeField(null=True, blank=True)
    estimates = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # The sync list's order (scoring.api.ComputedCursorPage): a page from a cursor or
            # ``updated_since`` is a range of this index, where it was a sort of every scored
            # application of the opening (440 ms a page at 100,000 candidates).
            models.Index(fields=["computed_at", "application"], name="score_state_sync_order"),
        ]

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
    gated = models.BooleanField(
        default=False,
        help_text="Clearly below a must-have bar (probability 0.9 or more): ranked after others.",
    )
    below_bar = models.JSONField(
        default=list, blank=True, help_text="Area keys more likely below their must-have bar than not."
    )
    below_bar_probability = models.JSONField(
        default=dict, blank=True, help_text="Probability of being below each must-have bar, by area key."
    )
    meets_bars_probability = models.FloatField(
        null=True, blank=True, help_text="Probability of meeting every must-have bar (1 without bars)."
    )
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


class Calibration(models.Model):
    """The measurement model fitted to every submitted rating of a rubric, across all its openings.

    Interviewers are people, not per-opening parameters: their leniency is
    estimated from all their ratings on the rubric's areas (matched by area key
    across versions), so a new opening starts calibrated. ``covariance`` is the
    posterior covariance of (area means, leniencies) in the order of
    ``area_keys`` then ``interviewer_ids``, stored as a NumPy ``.npy`` of
    float64 (read with ``allow_pickle=False``). ``inputs_at`` is the newest
    submission or amendment the fit saw: the beat sweep recalibrates when a
    newer one exists.
    """

    rubric = models.OneToOneField("assessments.Rubric", on_delete=models.CASCADE, related_name="calibration")
    area_keys = models.JSONField(default=list)
    area_mean = models.JSONField(default=list, help_text="Population mean skill per area, 1-5.")
    general_sd = models.FloatField(help_text="Spread of the general factor shared by a candidate's areas.")
    specific_sd = models.JSONField(default=list, help_text="Each area's own spread.")
    noise_sd = models.JSONField(default=list, help_text="Rating noise per area.")
    severity_sd = models.FloatField(help_text="Spread of interviewers' leniency.")
    interviewer_ids = models.JSONField(default=list)
    covariance = models.BinaryField()
    n_ratings = models.PositiveIntegerField()
    n_interviewers = models.PositiveIntegerField()
    n_applications = models.PositiveIntegerField()
    iterations = models.PositiveIntegerField(default=0)
    converged = models.BooleanField(default=True)
    fit_seconds = models.FloatField(default=0.0)
    inputs_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calibration of rubric {self.rubric_id}"


class InterviewerOffset(models.Model):
    """An interviewer's leniency (positive) or severity (negative) on a rubric, from the calibration."""

    rubric = models.ForeignKey("assessments.Rubric", on_delete=models.CASCADE, related_name="+")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset = models.FloatField(help_text="Posterior mean leniency in levels (positive: rates high).")
    standard_error = models.FloatField(help_text="Posterior standard deviation.")
    n_ratings = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["rubric", "-offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["rubric", "interviewer"], name="interviewer_offset_unique_rubric"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interviewer_id} on {self.rubric_id}: {self.offset:+.2f}"


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
        verbose_name_plural = "area reliabilities"
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
        FIT = "fit", "Fit (posterior mean)"
        LOWER = "lower", "Lower bound of the 80% interval"
        MEETS_BARS = "meets_bars", "Probability of meeting every must-have"

    opening = models.ForeignKey("hiring.Opening", on_delete=models.CASCADE, related_name="shortlists")
    role = models.ForeignKey("assessments.Role", on_delete=models.PROTECT, related_name="+")
    order_by = models.CharField(max_length=16, choices=OrderBy.choices, default=OrderBy.FIT)
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
    below_bar_probability = models.JSONField(default=dict, blank=True)
    meets_bars_probability = models.FloatField(null=True, blank=True)
    consider_role = models.ForeignKey(
        "assessments.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fits = models.JSONField(default=dict, help_text="Fit, lower and upper for every role, by role key.")

    class Meta:
        ordering = ["shortlist", "rank"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "rank"], name="shortlist_rank_unique"),
            models.UniqueConstraint(fields=["shortlist", "application"], name="shortlist_application_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} in shortlist {self.shortlist_id}"
