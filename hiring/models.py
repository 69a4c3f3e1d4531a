"""Openings, candidates, applications, interviews and interviewer assignments.

Records that an applicant tracking system (ATS) pushes in carry the ATS's id:
``external_id`` is unique per ``source`` (the system's name), so an ATS finds
its records again and an upsert never duplicates them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Opening(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ON_HOLD = "on_hold", "On hold"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    role = models.ForeignKey("assessments.Role", on_delete=models.PROTECT, related_name="openings")
    rubric_version = models.ForeignKey(
        "assessments.RubricVersion",
        on_delete=models.PROTECT,
        related_name="openings",
        help_text="The rubric version this opening's interviews score against.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="committee_openings",
        verbose_name="hiring committee",
    )
    # db_default too: bulk loaders (benchmarks/recompute.py) insert openings with plain SQL.
    source = models.CharField(
        max_length=64,
        default="manual",
        db_default="manual",
        help_text="Where the record came from: 'manual' or the ATS's name.",
    )
    external_id = models.CharField(
        max_length=128, blank=True, default="", db_default="", help_text="The ATS's id for this opening."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="opening_external_id_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, db_index=True)
    source = models.CharField(
        max_length=64, default="manual", help_text="Where the record came from: 'manual' or the ATS's name."
    )
    external_id = models.CharField(max_length=128, blank=True, help_text="The ATS's id for this candidate.")
    # db_default too: bulk loaders (benchmarks/recompute.py) insert candidates with plain SQL.
    notes = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="Free-text notes about the candidate (personal data).",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal data was erased; the record stays for statistics."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        # The admin's candidate list pages in this order: read from the index instead of sorting them all.
        # (Searching by part of a name or email cannot use a btree index; that stays a scan.)
        indexes = [models.Index(fields=["name", "id"], name="candidate_name_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="candidate_external_id_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    class Stage(models.TextChoices):
        APPLIED = "applied", "Applied"
        SCREENING = "screening", "Screening"
        INTERVIEWING = "interviewing", "Interviewing"
        OFFER = "offer", "Offer"
        HIRED = "hired", "Hired"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="applications")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.APPLIED)
    source = models.CharField(max_length=64, default="manual")
    external_id = models.CharField(max_length=128, blank=True, help_text="The ATS's id for this application.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "opening"], name="application_unique_per_opening"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="application_external_id_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} for {self.opening}"


class Interview(models.Model):
    class Kind(models.TextChoices):
        SCREEN = "screen", "Screen"
        TECHNICAL = "technical", "Technical"
        SYSTEM_DESIGN = "system_design", "System design"
        TAKE_HOME_REVIEW = "take_home_review", "Take-home review"
        TAKE_HOME = "take_home", "Take-home (graded automatically)"
        BEHAVIOURAL = "behavioural", "Behavioural"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    focus_areas = models.ManyToManyField(
        "assessments.SkillArea",
        related_name="interviews",
        help_text="Skill areas this interview covers; from the opening's rubric version.",
    )
    interviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Assignment", related_name="interviews"
    )
    # db_default too: bulk loaders (benchmarks/recompute.py) insert interviews with plain SQL.
    source = models.CharField(
        max_length=64,
        default="manual",
        db_default="manual",
        help_text="Where the record came from: 'manual' or the ATS's name.",
    )
    external_id = models.CharField(
        max_length=128, blank=True, default="", db_default="", help_text="The ATS's id for this interview."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="interview_duration_positive"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="interview_external_id_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.application.candidate}"

    @property
    def ends_at(self) -> datetime:
        return self.scheduled_at + timedelta(minutes=self.duration_minutes)


class Assignment(models.Model):
    """An interviewer assigned to an interview; they owe it one scorecard."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="assignments")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["interview", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "interviewer"], name="assignment_unique_per_interviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interviewer} on {self.interview}"


class Decision(models.Model):
    """A hiring committee's decision on an application, with its rationale.

    Decisions are never edited: a changed mind is a new decision, so the
    history stays, and the latest (by ``decided_at``) is the current one.
    """

    class Outcome(models.TextChoices):
        ADVANCE = "advance", "Advance"
        HOLD = "hold", "Hold"
        REJECT = "reject", "Reject"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    rationale = models.TextField(help_text="Why; required.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
        help_text="The person who recorded it; empty when an integration did.",
    )
    decided_by_label = models.CharField(
        max_length=200, help_text="Who recorded it, as it read at the time (a user or a token's name)."
    )
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["application", "-decided_at"], name="decision_application_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["advance", "hold", "reject"]), name="decision_outcome_valid"
            ),
            models.CheckConstraint(condition=Q(rationale__regex=r"\S"), name="decision_rationale_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.application}"


class InterviewerIdentity(models.Model):
    """An interviewer's id in an applicant tracking system, so an ATS can name them by its own id."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ats_identities"
    )
    source = models.CharField(max_length=64, help_text="The ATS's name, as on its integration token.")
    external_id = models.CharField(max_length=128)

    class Meta:
        ordering = ["source", "external_id"]
        verbose_name_plural = "interviewer identities"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="interviewer_identity_unique"),
            models.UniqueConstraint(fields=["source", "user"], name="interviewer_identity_one_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} → {self.user}"


class DemographicGender(models.TextChoices):
    """Self-described gender (``DemographicResponse.gender``)."""

    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "Another gender"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class DemographicEthnicity(models.TextChoices):
    """Self-described race/ethnicity: the EEO-1 categories, as ATS questionnaires ask them."""

    HISPANIC_LATINO = "hispanic_latino", "Hispanic or Latino"
    WHITE = "white", "White"
    BLACK = "black", "Black or African American"
    ASIAN = "asian", "Asian"
    PACIFIC_ISLANDER = "pacific_islander", "Native Hawaiian or Other Pacific Islander"
    AMERICAN_INDIAN = "american_indian", "American Indian or Alaska Native"
    TWO_OR_MORE = "two_or_more", "Two or more races"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class DemographicResponse(models.Model):
    """A candidate's voluntary self-identification, kept apart from the application.

    One per candidate, not per application: the answers describe the person, a
    person who applies to several openings is asked once, and erasure
    (``candidate_erase``) works per candidate. The answers are collected by a
    separate survey (an ATS's voluntary EEO questionnaire, or our own) with the
    candidate's consent, never by the application form.

    Who sees what: recruiters in the admin (listed by candidate id, never by
    name); the review pages use the answers only as aggregates for the adverse
    impact analysis, with small groups suppressed. No serializer, profile,
    scorecard or interviewer page reads this model, and the reverse accessor is
    disabled (``related_name="+"``) so ``candidate.<something>`` cannot reach it
    from a template by accident. A blank answer means the question was not
    answered; both blank and "prefer not to say" are left out of the analysis.
    """

    Gender = DemographicGender
    Ethnicity = DemographicEthnicity
    PREFER_NOT_TO_SAY = "prefer_not_to_say"
    # The self-described dimensions, by field name, for the analysis and the import.
    DIMENSIONS = ("gender", "ethnicity")

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="+")
    gender = models.CharField(
        max_length=32, choices=Gender.choices, blank=True, help_text="Empty when not answered."
    )
    ethnicity = models.CharField(
        max_length=32, choices=Ethnicity.choices, blank=True, help_text="Empty when not answered."
    )
    consented_at = models.DateTimeField(help_text="When the candidate agreed to the use of these answers.")
    source = models.CharField(
        max_length=64, default="manual", help_text="Where the answers came from: a survey or an ATS's name."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["candidate_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gender__in=["", *DemographicGender.values]), name="demographic_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(ethnicity__in=["", *DemographicEthnicity.values]),
                name="demographic_ethnicity_valid",
            ),
        ]

    def __str__(self) -> str:
        # Never the candidate's name: this string shows in admin breadcrumbs and logs.
        return f"demographic response of candidate {self.candidate_id}"
