"""How the API shows scoring results; webhook events carry the same shapes.

Kept apart from ``scoring.api`` so the services that record events
(``fit_scores.updated``, ``shortlist.ready``) can render a resource exactly as
the API does without importing the views. Each serializer that reads related
rows names the loading it needs (``*_prefetch``), so lists stay at a fixed
number of queries.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hiring.models import Application
from scoring.models import ApplicationScoreState, FitScore, Shortlist, ShortlistEntry

INTERVAL_LEVEL = 0.8


class FitScoreSerializer(serializers.Serializer):
    """One role's fit from a stored FitScore row."""

    role = serializers.CharField(source="role.key", help_text="Role key, e.g. 'ml_engineer'.")
    fit = serializers.FloatField(
        allow_null=True, help_text="0-100; null when no area of the role was assessed."
    )
    lower = serializers.FloatField(allow_null=True, help_text="Lower end of the 80% interval.")
    upper = serializers.FloatField(allow_null=True, help_text="Upper end of the 80% interval.")
    standard_error = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(help_text="Share of the role's weight that was assessed, 0-1.")
    gated = serializers.BooleanField(help_text="Below a must-have bar: fit halved, so at most 50.")
    below_bar = serializers.ListField(child=serializers.CharField(), help_text="Area keys below their bar.")
    consider_role = serializers.CharField(
        source="consider_role.key",
        allow_null=True,
        help_text="On the opening's own role: another role that fits clearly better, else null.",
    )
    computed_at = serializers.DateTimeField()


class ApplicationFitScoresSerializer(serializers.Serializer):
    """An application's fit for every role, without the breakdown: one item of the sync list."""

    application = serializers.IntegerField(source="application_id")
    opening = serializers.IntegerField(source="application.opening_id")
    computed_at = serializers.DateTimeField()
    roles = FitScoreSerializer(source="application.fit_scores.all", many=True)


def application_fit_scores_prefetch(states: QuerySet[ApplicationScoreState]) -> QuerySet:
    """What ``ApplicationFitScoresSerializer`` reads: two queries for any number of items."""
    return (
        states.defer("estimates")
        .select_related("application")
        .prefetch_related(
            Prefetch(
                "application__fit_scores",
                queryset=FitScore.objects.select_related("role", "consider_role").order_by("role__order"),
            )
        )
    )


class AreaContributionSerializer(serializers.Serializer):
    area = serializers.CharField()
    weight = serializers.FloatField(help_text="The area's weight in the role's profile.")
    expected_level = serializers.IntegerField()
    minimum_level = serializers.IntegerField(allow_null=True, help_text="Must-have bar, if any.")
    estimate = serializers.FloatField(allow_null=True, help_text="Calibrated skill, 1-5; null if unassessed.")
    standard_error = serializers.FloatField(allow_null=True)
    n_ratings = serializers.IntegerField()
    contribution = serializers.FloatField(
        allow_null=True, help_text="Points of fit this area adds (before a must-have gate)."
    )
    below_bar = serializers.BooleanField()


class RoleFitReportSerializer(FitScoreSerializer):
    """One role's fit with the per-area breakdown that explains it."""

    role = serializers.CharField(help_text="Role key, e.g. 'ml_engineer'.")
    consider_role = serializers.CharField(
        allow_null=True, help_text="On the opening's own role: another role that fits clearly better."
    )
    breakdown = AreaContributionSerializer(many=True)


class SkillEstimateSerializer(serializers.Serializer):
    area = serializers.CharField()
    estimate = serializers.FloatField(help_text="Calibrated for interviewer leniency, 1-5 scale.")
    standard_error = serializers.FloatField()
    n_ratings = serializers.IntegerField()


class FitReportSerializer(serializers.Serializer):
    """GET /applications/{id}/fit-scores/: fit for every role, its breakdown and the skill estimates."""

    application = serializers.IntegerField()
    opening = serializers.IntegerField()
    scored = serializers.BooleanField(help_text="False until the first computation; roles is then empty.")
    computed_at = serializers.DateTimeField(allow_null=True)
    interval = serializers.FloatField(help_text="Coverage of the lower-upper intervals (0.8).")
    roles = RoleFitReportSerializer(many=True)
    estimates = SkillEstimateSerializer(many=True, help_text="Assessed areas only; unassessed are absent.")


class ShortlistParametersSerializer(serializers.Serializer):
    """How a shortlist ranks and filters; the body of POST /openings/{id}/shortlists/."""

    order_by = serializers.ChoiceField(
        choices=Shortlist.OrderBy.choices,
        default=Shortlist.OrderBy.FIT,
        help_text="'fit', or 'lower' (the 80% interval's lower bound: favours well-evidenced candidates).",
    )
    min_coverage = serializers.FloatField(
        default=0.0,
        min_value=0.0,
        max_value=1.0,
        help_text="Leave out candidates assessed on less of the role's weight.",
    )
    min_fit = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0.0, max_value=100.0
    )
    # Plain strings, checked by shortlist_create: an enum here would give the application
    # stages a second name in the OpenAPI document.
    stages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        max_length=len(Application.Stage.values),
        help_text=f"Application stages to include ({', '.join(Application.Stage.values)}); empty for all.",
    )
    limit = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="Keep the top N; empty for all."
    )


def shortlist_path(shortlist_id: int) -> str:
    return reverse("api:shortlist-detail", kwargs={"pk": shortlist_id})


class ShortlistCreatedSerializer(serializers.Serializer):
    """The 202 answer: poll ``status_url`` until the status is ready (or failed)."""

    id = serializers.IntegerField()
    # A plain string here: the enum is described once, on the shortlist itself.
    status = serializers.CharField(help_text="'pending': the snapshot is being built.")
    status_url = serializers.SerializerMethodField()

    def get_status_url(self, shortlist: Shortlist) -> str:
        return shortlist_path(shortlist.pk)


class ShortlistSerializer(serializers.Serializer):
    """A shortlist snapshot: parameters, status and where its ranked entries are."""

    id = serializers.IntegerField()
    opening = serializers.IntegerField(source="opening_id")
    role = serializers.CharField(source="role.key", help_text="The opening's role, which it ranks for.")
    status = serializers.ChoiceField(
        choices=Shortlist.Status.choices, help_text="pending while building, then ready or failed."
    )
    error = serializers.CharField(help_text="Why the build failed; empty otherwise.")
    parameters = ShortlistParametersSerializer(source="*")
    tie_break = serializers.CharField(help_text="How equal candidates are ordered, in words.")
    entry_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.SerializerMethodField()
    entries_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="Null until ready."))
    def get_entry_count(self, shortlist: Shortlist) -> int | None:
        return shortlist.entry_count if shortlist.status == Shortlist.Status.READY else None

    def get_status_url(self, shortlist: Shortlist) -> str:
        return shortlist_path(shortlist.pk)

    def get_entries_url(self, shortlist: Shortlist) -> str:
        return reverse("api:shortlist-entries", kwargs={"pk": shortlist.pk})


class RoleIntervalSerializer(serializers.Serializer):
    fit = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField()


class CandidateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShortlistEntrySerializer(serializers.Serializer):
    """A ranked candidate as the snapshot recorded them (scores do not move afterwards)."""

    rank = serializers.IntegerField(help_text="1 is best.")
    application = serializers.IntegerField(source="application_id")
    candidate = CandidateRefSerializer(source="application.candidate")
    fit = serializers.FloatField(allow_null=True, help_text="Fit to the shortlist's role.")
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField()
    gated = serializers.BooleanField()
    below_bar = serializers.ListField(child=serializers.CharField())
    consider_role = serializers.CharField(source="consider_role.key", allow_null=True)
    fits = serializers.DictField(
        child=RoleIntervalSerializer(), help_text="Fit with its 80% interval for every role, by role key."
    )


def shortlist_entries_prefetch(entries: QuerySet[ShortlistEntry]) -> QuerySet:
    """What ``ShortlistEntrySerializer`` reads, in the page's one query."""
    return entries.select_related("application__candidate", "consider_role")
