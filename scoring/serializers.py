"""How the API shows scoring results: the shapes declared for the OpenAPI document.

The views answer with the plain functions of ``scoring.representations``
(which webhook events use too, so both stay one shape), without building a
serializer; these output serializers' fields describe that shape to
drf-spectacular, and their docstrings are the schema's descriptions. Should
one render, it renders with the same function, from the same input (the
lists' plain rows, named there ``*_rows``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hiring.models import Application
from integrations.serializers import StrictSerializer
from scoring import engine, representations
from scoring.models import Shortlist

INTERVAL_LEVEL = 0.8

# Help texts shared by the fit of a role, a report's role and a shortlist entry: one meaning, one wording.
FIT_HELP = (
    "Posterior mean of the role's fit formula, 0-100: meeting the expected level in every area is worth "
    "80 and levels above earn the rest; areas nobody assessed count at the model's prediction, so thin "
    "evidence cannot score 100 and gets a wide interval. A missed must-have bar halves the formula, "
    "weighted here by its probability. Null when no area of the role was assessed."
)
LOWER_HELP = "Lower end of the 80% posterior interval of the fit."
UPPER_HELP = "Upper end of the 80% posterior interval of the fit."
STANDARD_ERROR_HELP = "Posterior standard deviation of the fit."
COVERAGE_HELP = "Share of the role's weight that was assessed, 0-1."
MEETS_BARS_HELP = (
    "Probability, 0-1, of meeting every must-have bar of the role (1 when the role has none); null when "
    "the fit is null."
)
BELOW_BAR_PROBABILITY_HELP = (
    "Probability, 0-1, of being below each of the role's must-have bars, by area key; one entry per "
    "must-have area, empty when the role has none."
)
GATED_HELP = (
    f"Clearly below a must-have bar (a probability of {engine.CLEAR_BELOW} or more of being below it): "
    "ranked after every other candidate in a shortlist, whatever its order."
)
BELOW_BAR_HELP = "Area keys more likely below their must-have bar than not (probability 0.5 or more)."


class MustHaveFieldsSerializer(serializers.Serializer):
    """The must-have bars' posterior quantities, as stored on fit scores and shortlist entries."""

    meets_bars_probability = serializers.FloatField(allow_null=True, help_text=MEETS_BARS_HELP)
    below_bar_probability = serializers.DictField(
        child=serializers.FloatField(), help_text=BELOW_BAR_PROBABILITY_HELP
    )
    gated = serializers.BooleanField(help_text=GATED_HELP)
    below_bar = serializers.ListField(child=serializers.CharField(), help_text=BELOW_BAR_HELP)


class FitScoreSerializer(MustHaveFieldsSerializer):
    """One role's fit from a stored FitScore row."""

    # Renders a row of ``representations.fit_score_rows`` (the docstring is the schema's description).

    role = serializers.CharField(source="role.key", help_text="Role key, e.g. 'ml_engineer'.")
    fit = serializers.FloatField(allow_null=True, help_text=FIT_HELP)
    lower = serializers.FloatField(allow_null=True, help_text=LOWER_HELP)
    upper = serializers.FloatField(allow_null=True, help_text=UPPER_HELP)
    standard_error = serializers.FloatField(allow_null=True, help_text=STANDARD_ERROR_HELP)
    coverage = serializers.FloatField(help_text=COVERAGE_HELP)
    consider_role = serializers.CharField(
        source="consider_role.key",
        allow_null=True,
        help_text="On the opening's own role: another role that fits clearly better, else null.",
    )
    computed_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return representations.fit_score_resource(instance)


class ApplicationFitScoresSerializer(serializers.Serializer):
    """An application's fit for every role, without the breakdown: one item of the sync list."""

    application = serializers.IntegerField(source="application_id")
    opening = serializers.IntegerField(source="application.opening_id")
    computed_at = serializers.DateTimeField()
    roles = FitScoreSerializer(source="application.fit_scores.all", many=True)

    def to_representation(self, instance):
        return representations.application_fit_scores_resources([instance])[0]


class AreaContributionSerializer(serializers.Serializer):
    area = serializers.CharField()
    weight = serializers.FloatField(help_text="The area's weight in the role's profile.")
    expected_level = serializers.IntegerField()
    minimum_level = serializers.IntegerField(allow_null=True, help_text="Must-have bar, if any.")
    assessed = serializers.BooleanField(
        help_text="False when nobody rated the area (n_ratings 0): estimate and contribution then come "
        "from the model's prediction (the population, moved by the candidate's other areas), not from a "
        "measurement."
    )
    estimate = serializers.FloatField(
        allow_null=True,
        help_text="Posterior mean skill, 1-5, calibrated for interviewer leniency; the model's prediction "
        "when the area was not assessed.",
    )
    standard_error = serializers.FloatField(
        allow_null=True, help_text="Posterior standard deviation of the skill."
    )
    n_ratings = serializers.IntegerField(help_text="Submitted ratings of the area; 0 when not assessed.")
    contribution = serializers.FloatField(
        allow_null=True,
        help_text="Points of the role's formula this area adds (posterior mean, before the must-have "
        "gate): the areas' contributions add up to the formula's posterior mean, which is the fit when "
        "the role has no must-have bar.",
    )
    below_bar_probability = serializers.FloatField(
        allow_null=True,
        help_text="Probability, 0-1, that the skill is below this area's must-have bar; null when the role "
        "sets no bar on the area.",
    )
    below_bar = serializers.BooleanField(
        help_text="More likely below the bar than not (probability 0.5 or more)."
    )


class RoleFitReportSerializer(FitScoreSerializer):
    """One role's fit with the per-area breakdown that explains it."""

    role = serializers.CharField(help_text="Role key, e.g. 'ml_engineer'.")
    consider_role = serializers.CharField(
        allow_null=True, help_text="On the opening's own role: another role that fits clearly better."
    )
    breakdown = AreaContributionSerializer(many=True)

    def to_representation(self, instance):
        return representations.role_fit_report_resource(instance)


class SkillEstimateSerializer(serializers.Serializer):
    area = serializers.CharField()
    estimate = serializers.FloatField(
        help_text="Posterior mean skill, calibrated for interviewer leniency, 1-5."
    )
    standard_error = serializers.FloatField(help_text="Posterior standard deviation of the skill.")
    n_ratings = serializers.IntegerField()


class FitReportSerializer(serializers.Serializer):
    """GET /applications/{id}/fit-scores/: fit for every role, its breakdown and the skill estimates."""

    application = serializers.IntegerField()
    opening = serializers.IntegerField()
    scored = serializers.BooleanField(help_text="False until the first computation; roles is then empty.")
    computed_at = serializers.DateTimeField(allow_null=True)
    interval = serializers.FloatField(help_text="Posterior probability of every lower-upper interval (0.8).")
    roles = RoleFitReportSerializer(many=True)
    estimates = SkillEstimateSerializer(
        many=True,
        help_text="Assessed areas only; unassessed are absent (each role's breakdown has their prediction).",
    )

    def to_representation(self, instance):
        return representations.fit_report_resource(instance)


class ShortlistParametersSerializer(StrictSerializer):
    """How a shortlist ranks and filters; the body of POST /openings/{id}/shortlists/."""

    order_by = serializers.ChoiceField(
        choices=Shortlist.OrderBy.choices,
        default=Shortlist.OrderBy.FIT,
        error_messages={"invalid_choice": "Order by 'fit', 'lower' or 'meets_bars'."},
        help_text="'fit' (the posterior mean, the default), 'lower' (the 80% posterior interval's lower "
        "bound: favours well-evidenced candidates) or 'meets_bars' (the probability of meeting every "
        "must-have bar). In every order, candidates clearly below a must-have bar (probability "
        f"{engine.CLEAR_BELOW} or more) come after all others.",
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


class ShortlistCreatedSerializer(serializers.Serializer):
    """The 202 answer: poll ``status_url`` until the status is ready (or failed)."""

    id = serializers.IntegerField()
    # A plain string here: the enum is described once, on the shortlist itself.
    status = serializers.CharField(help_text="'pending': the snapshot is being built.")
    status_url = serializers.SerializerMethodField()

    # The get_* methods declare the method fields' types for the schema; rendering is the representation's.
    def get_status_url(self, shortlist: Shortlist) -> str:
        return representations.shortlist_path(shortlist.pk)

    def to_representation(self, instance):
        return representations.shortlist_created_resource(instance)


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

    # The get_* methods declare the method fields' types for the schema; rendering is the representation's.
    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="Null until ready."))
    def get_entry_count(self, shortlist: Shortlist) -> int | None:
        return self.to_representation(shortlist)["entry_count"]

    def get_status_url(self, shortlist: Shortlist) -> str:
        return self.to_representation(shortlist)["status_url"]

    def get_entries_url(self, shortlist: Shortlist) -> str:
        return self.to_representation(shortlist)["entries_url"]

    def to_representation(self, instance):
        return representations.shortlist_resource(instance)


class RoleIntervalSerializer(serializers.Serializer):
    fit = serializers.FloatField(allow_null=True, help_text="Posterior mean fit, 0-100.")
    lower = serializers.FloatField(allow_null=True, help_text=LOWER_HELP)
    upper = serializers.FloatField(allow_null=True, help_text=UPPER_HELP)
    coverage = serializers.FloatField(help_text=COVERAGE_HELP)
    meets_bars_probability = serializers.FloatField(allow_null=True, help_text=MEETS_BARS_HELP)


class CandidateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShortlistEntrySerializer(MustHaveFieldsSerializer):
    """A ranked candidate as the snapshot recorded them (scores do not move afterwards)."""

    rank = serializers.IntegerField(help_text="1 is best.")
    application = serializers.IntegerField(source="application_id")
    candidate = CandidateRefSerializer(source="application.candidate")
    fit = serializers.FloatField(allow_null=True, help_text=f"Fit to the shortlist's role. {FIT_HELP}")
    lower = serializers.FloatField(allow_null=True, help_text=LOWER_HELP)
    upper = serializers.FloatField(allow_null=True, help_text=UPPER_HELP)
    coverage = serializers.FloatField(help_text=COVERAGE_HELP)
    consider_role = serializers.CharField(source="consider_role.key", allow_null=True)
    fits = serializers.DictField(
        child=RoleIntervalSerializer(),
        help_text="Posterior mean fit with its 80% interval, coverage and probability of meeting every "
        "must-have, for every role, by role key.",
    )

    def to_representation(self, instance):
        return representations.shortlist_entry_resource(instance)
