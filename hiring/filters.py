"""Query filters for the hiring API lists (django-filter); invalid values are 400 at their parameter."""

from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from config.errors import ApplicationError
from config.permissions import caller_has_scope
from hiring.models import Application, Candidate, Decision, Interview, InterviewerIdentity, Opening
from integrations.filters import IdFilter, SinceFilter, StrictBooleanFilter

# Filters that select on another resource's fields, and the scopes that read them.
APPLICATION_FIELD = ("candidates:read",)  # an application's stage
OPENING_FIELD = ("openings:read", "candidates:read")  # an opening's role (applications show it too)


class ScopedFilterSet(filters.FilterSet):
    """A filter on a field the list does not show needs a scope that reads that field.

    ``Meta.read_scopes = {"stage": APPLICATION_FIELD}``: a caller holding none of the
    scopes (a token) or whose role allows none (a person) gets 403 ``missing_scope`` at
    that parameter, so a filter never tells them what the page hides, such as where a
    candidate stands. The schema lists the scopes as ``x-read-scopes``. A choice filter
    given empty (``?stage=``) is a 400 ``invalid_choice``, not "no filter".
    """

    def is_valid(self):
        read_scopes = getattr(self.Meta, "read_scopes", {})
        for name, scopes in read_scopes.items():
            if name in self.data and not any(caller_has_scope(self.request, scope) for scope in scopes):
                raise ApplicationError(
                    "missing_scope",
                    f"Filtering by '{name}' needs the '{scopes[0]}' scope.",
                    field=name,
                    status_code=HTTPStatus.FORBIDDEN,
                )
        for name, declared in self.filters.items():
            # django-filter reads "?stage=" as "not given"; the schema's enum has no empty choice.
            if isinstance(declared, filters.ChoiceFilter) and self.data.get(name, None) == "":
                raise ApplicationError(
                    "invalid_choice",
                    f"Give one of the '{name}' choices, or leave the parameter out.",
                    field=name,
                )
        return super().is_valid()


UPDATED_SINCE_HELP = "Only records changed at or after this ISO 8601 datetime (oldest change first)."


class OpeningFilter(ScopedFilterSet):
    role = filters.CharFilter(field_name="role__key", help_text="Role key, e.g. ml_engineer.")
    status = filters.ChoiceFilter(choices=Opening.Status.choices)
    updated_since = SinceFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = Opening
        fields = ["role", "status", "updated_since"]


class CandidateFilter(ScopedFilterSet):
    source = filters.CharFilter(help_text="Where the record came from: 'manual' or the ATS's name.")
    external_id = filters.CharFilter(help_text="The ATS's id (combine with source).")
    opening = IdFilter(method="filter_opening", help_text="Candidates who applied to this opening.")
    role = filters.CharFilter(
        method="filter_role", help_text="Candidates who applied to an opening for this role."
    )
    updated_since = SinceFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = Candidate
        fields = ["source", "external_id", "opening", "role", "updated_since"]
        read_scopes = {"opening": APPLICATION_FIELD, "role": APPLICATION_FIELD}

    # Exists, not a join: a candidate with several matching applications is listed once.
    def filter_opening(self, queryset, name, value):
        return queryset.filter(Exists(Application.objects.filter(candidate=OuterRef("pk"), opening_id=value)))

    def filter_role(self, queryset, name, value):
        return queryset.filter(
            Exists(Application.objects.filter(candidate=OuterRef("pk"), opening__role__key=value))
        )


class ApplicationFilter(ScopedFilterSet):
    stage = filters.ChoiceFilter(choices=Application.Stage.choices)
    role = filters.CharFilter(field_name="opening__role__key", help_text="Role key of the opening.")
    opening = IdFilter(field_name="opening_id")
    candidate = IdFilter(field_name="candidate_id")
    source = filters.CharFilter()
    external_id = filters.CharFilter()
    updated_since = SinceFilter(field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = Application
        fields = ["stage", "role", "opening", "candidate", "source", "external_id", "updated_since"]


class InterviewFilter(ScopedFilterSet):
    application = IdFilter(field_name="application_id")
    opening = IdFilter(field_name="application__opening_id")
    role = filters.CharFilter(
        field_name="application__opening__role__key", help_text="Role key of the opening."
    )
    stage = filters.ChoiceFilter(field_name="application__stage", choices=Application.Stage.choices)
    kind = filters.ChoiceFilter(choices=Interview.Kind.choices)
    scheduled_after = SinceFilter(field_name="scheduled_at", lookup_expr="gte")
    scheduled_before = SinceFilter(field_name="scheduled_at", lookup_expr="lt")

    class Meta:
        model = Interview
        fields = ["application", "opening", "role", "stage", "kind", "scheduled_after", "scheduled_before"]
        read_scopes = {"role": OPENING_FIELD, "stage": APPLICATION_FIELD}


class DecisionFilter(ScopedFilterSet):
    opening = IdFilter(field_name="application__opening_id")
    application = IdFilter(field_name="application_id")
    role = filters.CharFilter(
        field_name="application__opening__role__key", help_text="Role key of the opening."
    )
    outcome = filters.ChoiceFilter(choices=Decision.Outcome.choices)
    # Decisions are never edited, so "changed since" and "decided since" are the same question.
    decided_since = SinceFilter(
        field_name="decided_at", lookup_expr="gte", help_text="Only decisions recorded at or after this time."
    )
    updated_since = SinceFilter(
        field_name="decided_at",
        lookup_expr="gte",
        help_text="Same as decided_since (decisions never change).",
    )

    class Meta:
        model = Decision
        fields = ["opening", "application", "role", "outcome", "decided_since", "updated_since"]
        read_scopes = {"role": OPENING_FIELD}


class InterviewerFilter(ScopedFilterSet):
    email = filters.CharFilter(lookup_expr="iexact", help_text="Their email, in any letter case.")
    is_active = StrictBooleanFilter()

    class Meta:
        model = get_user_model()
        fields = ["email", "is_active"]


class InterviewerIdentityFilter(ScopedFilterSet):
    user = IdFilter(field_name="user_id", help_text="The interviewer's id.")
    source = filters.CharFilter()
    external_id = filters.CharFilter()

    class Meta:
        model = InterviewerIdentity
        fields = ["user", "source", "external_id"]
