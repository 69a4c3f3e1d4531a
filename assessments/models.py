"""Rubrics: the competency model every interview scores against.

A ``Rubric`` (e.g. the data-role model) has numbered ``RubricVersion``s. A
version holds the shared ``SkillArea``s, each with five behaviourally anchored
levels (``Anchor``), and a ``RoleProfile`` per ``Role`` whose ``ProfileEntry``
rows give each area a weight, an expected level and an optional must-have
minimum, each traceable to the document statement it rests on.

Versions are loaded from the YAML files in ``assessments/rubrics/`` (see
``services.rubric_load``). A version is locked once a scorecard uses it
(``locked_at``): it is then read-only and changes go into a new version, so a
scorecard always shows the scale it was scored against.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

LEVEL_CHOICES = [(level, str(level)) for level in range(1, 6)]


class Role(models.Model):
    """A role candidates are scored for: Data Scientist, ML Engineer, Full-stack Data Scientist."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class Rubric(models.Model):
    """A competency model whose content evolves through numbered versions."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class RubricVersionQuerySet(models.QuerySet):
    def current(self, rubric_key: str) -> "RubricVersion | None":
        return self.filter(rubric__key=rubric_key).order_by("-number").first()


class RubricVersion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scale = models.JSONField(help_text="Label per level 1-5, e.g. {'3': 'Working'}.")
    documents = models.JSONField(default=dict, help_text="Source documents by key: file name and title.")
    advisor = models.JSONField(default=dict, help_text="The hiring-need advisor's questions and rules.")
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the data file's content; empty for versions made in the admin.",
    )
    source_file = models.CharField(max_length=255, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived_versions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the first scorecard uses this version; read-only after."
    )

    objects = RubricVersionQuerySet.as_manager()

    class Meta:
        ordering = ["rubric", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "number"], name="rubric_version_number_unique"),
            models.UniqueConstraint(
                fields=["rubric", "content_hash"],
                condition=~Q(content_hash=""),
                name="rubric_version_content_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rubric.name} v{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class SkillArea(models.Model):
    version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="areas")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField()
    covers = models.JSONField(default=list, help_text="Topics this area covers.")
    questions = models.JSONField(default=list, help_text="Suggested interview questions or exercises.")
    sources = models.JSONField(default=list, help_text="Statements in the documents naming this area.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="skill_area_key_unique_per_version"),
        ]

    def __str__(self) -> str:
        return self.name


class Anchor(models.Model):
    """What an interviewer sees or hears at one level of a skill area's scale."""

    area = models.ForeignKey(SkillArea, on_delete=models.CASCADE, related_name="anchors")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    description = models.TextField()

    class Meta:
        ordering = ["area", "level"]
        constraints = [
            models.UniqueConstraint(fields=["area", "level"], name="anchor_level_unique_per_area"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="anchor_level_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.area.key} {self.level}"


class RoleProfile(models.Model):
    version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="profiles")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="profiles")
    summary = models.TextField(blank=True)
    facts = models.JSONField(
        default=list,
        help_text="Role facts (outputs, tools, compensation, availability), each with its basis, the "
        "documents or our inference, and the sources it rests on.",
    )

    class Meta:
        ordering = ["version", "role__order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "role"], name="role_profile_unique_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.role.name} ({self.version})"


class ProfileEntry(models.Model):
    """A role's weight, expected level and optional must-have bar for one skill area."""

    NO_DOCUMENT = "none"

    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="entries")
    area = models.ForeignKey(SkillArea, on_delete=models.CASCADE, related_name="profile_entries")
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    expected_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    minimum_level = models.PositiveSmallIntegerField(
        choices=LEVEL_CHOICES, null=True, blank=True, help_text="Must-have bar; empty when there is none."
    )
    source_document = models.CharField(
        max_length=64, help_text="Document key from the rubric's documents, or 'none' where they are silent."
    )
    source_statement = models.TextField(blank=True)
    source_reasoning = models.TextField(blank=True)

    class Meta:
        ordering = ["profile", "area__order"]
        verbose_name_plural = "profile entries"
        constraints = [
            models.UniqueConstraint(fields=["profile", "area"], name="profile_entry_unique_per_area"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="profile_entry_weight_positive"),
            models.CheckConstraint(
                condition=Q(expected_level__gte=1, expected_level__lte=5),
                name="profile_entry_expected_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(minimum_level__isnull=True)
                | Q(minimum_level__gte=1, minimum_level__lte=F("expected_level")),
                name="profile_entry_minimum_within_expected",
            ),
            models.CheckConstraint(
                condition=~Q(source_statement="") | ~Q(source_reasoning=""),
                name="profile_entry_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile.role.key} · {self.area.key}"

    @property
    def source_file(self) -> str:
        document = self.profile.version.documents.get(self.source_document)
        return document["file"] if document else ""

    @property
    def source_title(self) -> str:
        document = self.profile.version.documents.get(self.source_document)
        return document.get("title", "") if document else ""


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"


class Scorecard(models.Model):
    """One interviewer's assessment of one interview: draft, then submitted, then amended with reasons.

    ``revision`` counts submissions: 0 while a draft, 1 once submitted, +1 per
    amendment; every submission is kept as a ``ScorecardRevision``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    interview = models.ForeignKey("hiring.Interview", on_delete=models.CASCADE, related_name="scorecards")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards"
    )
    rubric_version = models.ForeignKey(
        RubricVersion,
        on_delete=models.PROTECT,
        related_name="scorecards",
        help_text="The scale it was scored on.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices, blank=True)
    summary = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="First submission.")
    amended_at = models.DateTimeField(null=True, blank=True, help_text="Latest amendment.")

    class Meta:
        ordering = ["-updated_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "interviewer"], name="scorecard_unique_per_interviewer"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True, revision=0)
                | (
                    Q(status="submitted", submitted_at__isnull=False, revision__gte=1) & ~Q(recommendation="")
                ),
                name="scorecard_submitted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interviewer} on {self.interview}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Rating(models.Model):
    """A 1-5 rating of one skill area on its anchored scale, or "not assessed", with evidence."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    area = models.ForeignKey(SkillArea, on_delete=models.PROTECT, related_name="ratings")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, null=True, blank=True)
    not_assessed = models.BooleanField(default=False)
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["scorecard", "area__order"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "area"], name="rating_unique_per_area"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(level__isnull=False, not_assessed=True), name="rating_level_or_not_assessed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.key}: {'not assessed' if self.not_assessed else self.level}"


class ScorecardRevision(models.Model):
    """An immutable copy of a scorecard as submitted (number 1) or amended (2, 3, ...)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices)
    summary = models.TextField(blank=True)
    ratings = models.JSONField(help_text="[{area, level, not_assessed, evidence}] as submitted.")
    reason = models.TextField(blank=True, help_text="Why it was amended; empty for the first submission.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_revision_unique_number"),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(reason=""), name="scorecard_amendment_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} r{self.number}"


class ReminderLog(models.Model):
    """A scorecard reminder sent; the unique key makes sure nobody gets the same one twice."""

    assignment = models.ForeignKey("hiring.Assignment", on_delete=models.CASCADE, related_name="reminders")
    sequence = models.PositiveSmallIntegerField(
        help_text="0 for the first reminder, then 1, 2, ... per working day."
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["assignment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "sequence"], name="reminder_sent_once"),
        ]

    def __str__(self) -> str:
        return f"reminder {self.sequence} for {self.assignment}"


class AttributeMapping(models.Model):
    """Which skill area an ATS scorecard attribute (e.g. Greenhouse's "Communication") rates.

    Matched case-insensitively within a source; keyed by the area's ``key``,
    not a ``SkillArea`` row, so a mapping outlives rubric versions. Attributes
    without a mapping are reported back to the caller on import, never dropped
    silently. Several attributes may map to one area: their ratings are averaged.
    """

    source = models.SlugField(
        max_length=64, help_text="The ATS's name, as on its integration token, e.g. 'greenhouse'."
    )
    attribute_name = models.CharField(max_length=200, help_text="As the ATS names it; case does not matter.")
    area_key = models.SlugField(max_length=64, help_text="The skill area's key, e.g. 'communication'.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "attribute_name"]
        constraints = [
            models.UniqueConstraint(
                "source", Lower("attribute_name"), name="attribute_mapping_unique_name_per_source"
            ),
            models.CheckConstraint(condition=~Q(attribute_name=""), name="attribute_mapping_name_given"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.attribute_name} → {self.area_key}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.attribute_name = (self.attribute_name or "").strip()
        if self.area_key and not SkillArea.objects.filter(key=self.area_key).exists():
            raise ValidationError({"area_key": f"No rubric has a skill area '{self.area_key}'."})
