"""REST endpoints for roles, rubric versions, the hiring-need advisor, and scorecards.

Scorecards: read by whoever may see them (the independent-scoring rule of
``selectors.scorecards_for_actor``), submitted and amended on an
interviewer's behalf by integrations, and imported from Greenhouse's format.
"""

from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.urls import path, reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from assessments import selectors
from assessments.advisor import advise, advisor_answers_clean
from assessments.models import AttributeMapping, Recommendation, Scorecard
from assessments.representations import scorecard_resource
from assessments.services import (
    GreenhouseAttribute,
    GreenhouseQuestion,
    RatingInput,
    api_rating_field,
    attribute_mapping_create,
    attribute_mapping_delete,
    attribute_mapping_update,
    greenhouse_scorecard_import,
    scorecard_amend,
    scorecard_record,
)
from assessments.services.greenhouse import (
    AREA_NOT_IN_INTERVIEW,
    ATTRIBUTE_LEVELS,
    NO_MAPPING,
    OVERALL_RECOMMENDATIONS,
)
from assessments.services.scorecards import MAX_EVIDENCE_CHARS, MAX_REASON_CHARS, MAX_SUMMARY_CHARS
from config.errors import ApplicationError
from hiring.filters import ScopedFilterSet
from hiring.selectors import interviewer_resolve
from integrations.api.pagination import CursorPage, UpdatedCursorPage
from integrations.api.validation import validated_body
from integrations.api.viewsets import (
    IDEMPOTENCY_KEY_PARAMETER,
    ApiMixin,
    ApiReadOnlyViewSet,
    ApiView,
    ErrorSerializer,
    errors,
    named_source_check,
    writable_source_check,
)
from integrations.filters import IdFilter, SinceFilter
from integrations.identity import is_integration
from integrations.serializers import AwareDateTimeField, EmailField, StrictSerializer, TextStrictSerializer


class SourceSerializer(serializers.Serializer):
    document = serializers.CharField(source="source_document")
    file = serializers.CharField(source="source_file")
    statement = serializers.CharField(source="source_statement")
    reasoning = serializers.CharField(source="source_reasoning")


class ProfileEntrySerializer(serializers.Serializer):
    area = serializers.CharField(source="area.key")
    area_name = serializers.CharField(source="area.name")
    # The model's range (above 0, six digits with two decimals) as inclusive bounds, which OpenAPI
    # 3.0 and JSON Schema read alike (max_digits alone gives a boolean exclusiveMaximum).
    weight = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        coerce_to_string=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999.99"),
    )
    expected_level = serializers.IntegerField()
    minimum_level = serializers.IntegerField(allow_null=True)
    source = SourceSerializer(source="*")


class RoleProfileSerializer(serializers.Serializer):
    key = serializers.CharField(source="role.key")
    name = serializers.CharField(source="role.name")
    summary = serializers.CharField()
    facts = serializers.JSONField()
    rubric_version = serializers.IntegerField(source="version.number")
    entries = ProfileEntrySerializer(many=True)


class AnchorSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    description = serializers.CharField()


class SkillAreaSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    covers = serializers.JSONField()
    questions = serializers.JSONField()
    sources = serializers.JSONField()
    anchors = AnchorSerializer(many=True)


class RubricVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rubric = serializers.CharField(source="rubric.key")
    number = serializers.IntegerField()
    name = serializers.CharField()
    source_file = serializers.CharField()
    content_hash = serializers.CharField()
    created_at = serializers.DateTimeField()
    locked = serializers.BooleanField(source="is_locked")


class RubricVersionDetailSerializer(RubricVersionSerializer):
    description = serializers.CharField()
    scale = serializers.JSONField()
    documents = serializers.JSONField()
    advisor = serializers.JSONField()
    areas = SkillAreaSerializer(many=True)
    profiles = RoleProfileSerializer(many=True)


_ROLE_EXAMPLE = {
    "key": "ml_engineer",
    "name": "Machine Learning Engineer",
    "summary": "Builds, deploys and runs machine learning in production.",
    "facts": {"outputs": ["deployed models", "ML pipelines"]},
    "rubric_version": 1,
    "entries": [
        {
            "area": "software_engineering",
            "area_name": "Software engineering",
            "weight": 0.15,
            "expected_level": 4,
            "minimum_level": 3,
            "source": {
                "document": "Data Scientist vs Machine Learning Engineer",
                "file": "ds_vs_mle.txt",
                "statement": "ML engineers write production code.",
                "reasoning": "",
            },
        }
    ],
}
_VERSION_EXAMPLE = {
    "id": 1,
    "rubric": "data_roles",
    "number": 1,
    "name": "Data roles",
    "source_file": "assessments/rubrics/data_roles.yaml",
    "content_hash": "5f1c…",
    "created_at": "2026-11-24T09:00:00Z",
    "locked": True,
}


class RolePage(CursorPage):
    """In the rubric's role order: a version's profiles are created in it."""

    ordering = "id"


@extend_schema_view(
    list=extend_schema(
        summary="List the roles",
        description="The three data roles with their profile (weights, expected levels, must-have "
        "minimums, each with its source) from the newest rubric version.",
        responses={200: RoleProfileSerializer(many=True), **errors()},
        examples=[OpenApiExample("Roles", value=[_ROLE_EXAMPLE], response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get a role",
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=None, description="e.g. ml_engineer")
        ],
        responses={200: RoleProfileSerializer, **errors(404)},
        examples=[OpenApiExample("ML Engineer", value=_ROLE_EXAMPLE, response_only=True)],
    ),
)
class RoleViewSet(ApiReadOnlyViewSet):
    """Roles with their profile and facts from the newest rubric version; a cursor page like every list."""

    lookup_field = "role__key"
    lookup_url_kwarg = "key"
    lookup_value_regex = "[A-Za-z0-9_-]+"  # a role key; anything else (NUL above all) is a 404
    required_scopes = {"GET": "roles:read"}
    serializer_class = RoleProfileSerializer
    pagination_class = RolePage
    filter_backends: list = []

    def get_queryset(self):
        return selectors.role_profiles_current()


@extend_schema_view(
    list=extend_schema(
        summary="List rubric versions",
        responses={200: RubricVersionSerializer(many=True), **errors()},
        examples=[OpenApiExample("Versions", value=[_VERSION_EXAMPLE], response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get a rubric version with its areas, anchors and profiles",
        responses={200: RubricVersionDetailSerializer, **errors(404)},
        examples=[
            OpenApiExample(
                "Version 1",
                value={
                    **_VERSION_EXAMPLE,
                    "description": "…",
                    "scale": {},
                    "documents": [],
                    "advisor": {},
                    "areas": [],
                    "profiles": [_ROLE_EXAMPLE],
                },
                response_only=True,
            )
        ],
    ),
)
class RubricVersionViewSet(ApiReadOnlyViewSet):
    """Rubric versions, newest first; a version's detail holds its areas, anchors and profiles."""

    required_scopes = {"GET": "roles:read"}
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.rubric_version_detail_queryset()
        return selectors.rubric_version_list()

    def get_serializer_class(self):
        return RubricVersionDetailSerializer if self.action == "retrieve" else RubricVersionSerializer


class ReasonSerializer(serializers.Serializer):
    rule = serializers.CharField()
    hire = serializers.CharField()
    hire_name = serializers.CharField()
    advice = serializers.CharField()
    document = serializers.CharField()
    document_file = serializers.CharField()
    statement = serializers.CharField()
    reasoning = serializers.CharField()


class RoleRefSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AdviceSerializer(serializers.Serializer):
    rubric_version = serializers.IntegerField()
    answers = serializers.DictField()
    hire_first = RoleRefSerializer()
    also_consider = RoleRefSerializer(many=True)
    reasons = ReasonSerializer(many=True)


def _advisor_parameters() -> list[OpenApiParameter]:
    """The shipped rubric's questions as parameters: choice questions required, with their choices.

    What ``advisor_answers_clean`` accepts: no other parameter, every choice
    question answered, booleans optional (false when left out).
    """
    import yaml

    rubric = yaml.safe_load((settings.BASE_DIR / "assessments" / "rubrics" / "data_roles.yaml").read_text())
    parameters = []
    for key, question in rubric["advisor"]["questions"].items():
        if question["type"] == "boolean":
            parameters.append(
                OpenApiParameter(key, OpenApiTypes.BOOL, description=f"{question['label']} (default false)")
            )
        else:
            parameters.append(
                OpenApiParameter(
                    key,
                    str,
                    required=True,
                    enum=list(question["choices"]),
                    description=f"{question['label']} "
                    + "; ".join(f"`{choice}`: {label}" for choice, label in question["choices"].items()),
                )
            )
    return parameters


class AdvisorView(ApiView):
    """Which role to hire first for a team's situation, with the quoted reasons.

    Answers come as query parameters named after the advisor's questions
    (``team_type``, ``primary_need``, ``has_data_science_team``, ``first_ml_product``).
    """

    required_scopes = {"GET": "roles:read"}

    @extend_schema(
        summary="Which role to hire first",
        parameters=_advisor_parameters(),
        responses={
            200: AdviceSerializer,
            **errors(400, 503),
            422: OpenApiResponse(
                ErrorSerializer, description="`no_matching_rule`: no recommendation covers it."
            ),
        },
        examples=[
            OpenApiExample(
                "A startup's first ML product",
                value={
                    "rubric_version": 1,
                    "answers": {"team_type": "startup", "primary_need": "both", "first_ml_product": True},
                    "hire_first": {"key": "full_stack_data_scientist", "name": "Full-stack Data Scientist"},
                    "also_consider": [],
                    "reasons": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        version = selectors.rubric_version_current()
        if version is None:
            raise ApplicationError("no_rubric", "No rubric is loaded yet.", status_code=503)
        answers = advisor_answers_clean(
            questions=version.advisor["questions"], raw=request.query_params.dict()
        )
        advice = advise(
            advisor=version.advisor,
            role_names={profile.role.key: profile.role.name for profile in version.profiles.all()},
            documents=version.documents,
            answers=answers,
        )
        if advice is None:
            raise ApplicationError(
                "no_matching_rule", "No recommendation covers this situation.", status_code=422
            )
        return Response(
            {
                "rubric_version": version.number,
                "answers": answers,
                "hire_first": {"key": advice.hire_first, "name": advice.hire_first_name},
                "also_consider": advice.also_consider,
                "reasons": [reason.__dict__ for reason in advice.reasons],
            }
        )


# Scorecards ------------------------------------------------------------------------


_SCORECARD_EXAMPLE = {
    "id": 412,
    "interview": 230,
    "application": 118,
    "opening": 7,
    "candidate": 96,
    "interviewer": {"id": 31, "email": "ivan@example.com", "name": "Ivan Petrov"},
    "rubric_version": 1,
    "status": "submitted",
    "recommendation": "yes",
    "summary": "Strong on testing; explained trade-offs clearly.",
    "revision": 1,
    "ratings": [
        {
            "area": "software_engineering",
            "area_name": "Software engineering quality",
            "level": 4,
            "not_assessed": False,
            "evidence": "Wrote tests first and refactored a 200-line function into three.",
        },
        {
            "area": "communication",
            "area_name": "Communication and storytelling",
            "level": None,
            "not_assessed": True,
            "evidence": "",
        },
    ],
    "created_at": "2026-03-02T10:05:11Z",
    "updated_at": "2026-03-02T11:40:02Z",
    "submitted_at": "2026-03-02T11:40:02Z",
    "amended_at": None,
}


class ScorecardInterviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class ScorecardRatingSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="The skill area's key.")
    area_name = serializers.CharField()
    level = serializers.IntegerField(allow_null=True, help_text="1-5 on the area's anchored scale.")
    not_assessed = serializers.BooleanField()
    evidence = serializers.CharField(allow_blank=True)


class ScorecardSerializer(serializers.Serializer):
    """A scorecard; rendered by ``assessments.representations.scorecard_resource``, as in webhook events."""

    id = serializers.IntegerField()
    interview = serializers.IntegerField()
    application = serializers.IntegerField()
    opening = serializers.IntegerField()
    candidate = serializers.IntegerField()
    interviewer = ScorecardInterviewerSerializer()
    rubric_version = serializers.IntegerField(help_text="The rubric version (id) it was scored on.")
    status = serializers.ChoiceField(choices=Scorecard.Status.choices)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices, allow_null=True)
    summary = serializers.CharField(allow_blank=True)
    revision = serializers.IntegerField(help_text="0 while a draft, 1 once submitted, +1 per amendment.")
    ratings = ScorecardRatingSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    amended_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        return scorecard_resource(instance)


class ScorecardFilter(ScopedFilterSet):
    application = IdFilter(field_name="interview__application_id", help_text="Application id.")
    interview = IdFilter(field_name="interview_id", help_text="Interview id.")
    opening = IdFilter(field_name="interview__application__opening_id", help_text="Opening id.")
    interviewer = filters.CharFilter(
        field_name="interviewer__email", lookup_expr="iexact", help_text="The interviewer's email."
    )
    status = filters.ChoiceFilter(choices=Scorecard.Status.choices)
    updated_since = SinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only scorecards changed at or after this time (ISO 8601), for incremental sync.",
    )

    class Meta:
        model = Scorecard
        fields = ["application", "interview", "opening", "interviewer", "status", "updated_since"]


class RatingInputSerializer(StrictSerializer):
    level = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    not_assessed = serializers.BooleanField(default=False)
    evidence = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_EVIDENCE_CHARS, trim_whitespace=False
    )


class ScorecardInterviewerRefSerializer(StrictSerializer):
    email = EmailField(required=False)
    external_id = serializers.CharField(
        required=False, max_length=128, help_text="The interviewer's id in your ATS (the token's source)."
    )

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("external_id"):
            raise serializers.ValidationError("Name the interviewer by email or external_id.")
        return attrs


def _rating_inputs(ratings: dict) -> list[RatingInput]:
    return [
        RatingInput(
            area_key=key,
            level=value.get("level"),
            not_assessed=value.get("not_assessed", False),
            evidence=value.get("evidence", ""),
        )
        for key, value in ratings.items()
    ]


class ScorecardSubmitSerializer(StrictSerializer):
    interviewer = ScorecardInterviewerRefSerializer(
        required=False,
        help_text="Whose scorecard: required for integration tokens; signed-in people submit their own.",
    )
    recommendation = serializers.ChoiceField(
        choices=Recommendation.choices, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_SUMMARY_CHARS
    )
    ratings = serializers.DictField(
        child=RatingInputSerializer(),
        required=False,
        default=dict,
        help_text="By skill-area key (the interview's focus areas): a level 1-5 or not_assessed, "
        "and evidence.",
    )
    draft = serializers.BooleanField(
        default=False, help_text="Save a draft (incomplete is fine, visible only to its interviewer)."
    )


class ScorecardAmendSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=MAX_REASON_CHARS, help_text="Why; kept in the history.")
    expected_revision = serializers.IntegerField(
        min_value=1, help_text="The scorecard's revision you are amending; another one answers 409."
    )
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    summary = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_SUMMARY_CHARS
    )
    ratings = serializers.DictField(
        child=RatingInputSerializer(), help_text="Every focus area again, as on submit: this replaces them."
    )


@extend_schema_view(
    list=extend_schema(
        summary="List scorecards",
        description="Scorecards you may see, oldest change first (walk the cursor with `updated_since` "
        "for incremental sync). Integration tokens see every submitted scorecard, never drafts. Signed-in "
        "interviewers see their own, and others' submitted scorecards on an application only once they "
        "have submitted their own for it (independent scoring). A cursor that is not one of ours: 404.",
        responses={200: ScorecardSerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A page", value=[_SCORECARD_EXAMPLE], response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get a scorecard",
        description="404 for a scorecard you may not see, as for one that does not exist.",
        responses={200: ScorecardSerializer, **errors(404)},
        examples=[OpenApiExample("Submitted", value=_SCORECARD_EXAMPLE, response_only=True)],
    ),
)
class ScorecardViewSet(ApiReadOnlyViewSet):
    """Scorecards, filtered by who asks."""

    required_scopes_by_action = {
        "list": "scorecards:read",
        "retrieve": "scorecards:read",
        "amend": "scorecards:write",
    }
    serializer_class = ScorecardSerializer
    pagination_class = UpdatedCursorPage
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ScorecardFilter

    def get_queryset(self):
        return selectors.scorecards_for_actor(actor=self.request.user)

    @extend_schema(
        summary="Amend a submitted scorecard",
        description="Replaces the recommendation, summary and every rating, with a reason; the previous "
        "version stays in the history and a `scorecard.amended` event goes out. Integration tokens amend on "
        "the interviewer's behalf (the token is written to the audit log); signed in, the interviewer or a "
        "recruiter. `stale_revision` (409) when `expected_revision` is not the current one.",
        request=ScorecardAmendSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: ScorecardSerializer, **errors(400, 404, 409, 413, 422)},
        examples=[
            OpenApiExample(
                "Correct a rating",
                value={
                    "reason": "Mixed up the candidates' notes; communication was assessed after all.",
                    "expected_revision": 1,
                    "recommendation": "yes",
                    "summary": "Strong on testing; explained trade-offs clearly.",
                    "ratings": {
                        "software_engineering": {"level": 4, "evidence": "Wrote tests first."},
                        "statistics_experimentation": {"level": 3, "evidence": "Sized an A/B test."},
                        "communication": {"level": 4, "evidence": "Explained the trade-offs plainly."},
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "Amended",
                value={**_SCORECARD_EXAMPLE, "revision": 2},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        scorecard = self.get_object()
        writable_source_check(request, scorecard.interview.application.source)
        data = validated_body(ScorecardAmendSerializer, request)
        # A token acts for the scorecard's interviewer; the audit log records the token.
        user = scorecard.interviewer if is_integration(request.user) else request.user
        scorecard = scorecard_amend(
            scorecard=scorecard,
            user=user,
            reason=data["reason"],
            recommendation=data["recommendation"],
            summary=data["summary"],
            ratings=_rating_inputs(data["ratings"]),
            expected_revision=data["expected_revision"],
            actor=request.user,
            field_name=api_rating_field,
        )
        return Response(scorecard.resource)


def _interview_or_404(request, interview_id: int):
    """The interview, when the caller may write its scorecards (else 404, or 403 source_mismatch)."""
    interview = selectors.interview_for_scorecard_write(actor=request.user, pk=interview_id)
    if interview is None:
        raise Http404
    writable_source_check(request, interview.application.source)
    return interview


def _interviewer_for(request, reference: dict | None):
    """Whose scorecard: the named interviewer for a token; for signed-in people, only themselves."""
    reference = reference or {}
    if is_integration(request.user):
        return interviewer_resolve(
            source=request.auth.source, email=reference.get("email"), external_id=reference.get("external_id")
        )
    if reference:
        named = interviewer_resolve(
            source="manual", email=reference.get("email"), external_id=reference.get("external_id")
        )
        if named.pk != request.user.pk:
            raise ApplicationError(
                "not_yourself",
                "Signed in, you submit only your own scorecards; integrations submit on others' behalf.",
                field="interviewer",
                status_code=403,
            )
    return request.user


# The attribute mappings signed-in people's Greenhouse imports use (tokens use their own source's).
GREENHOUSE_SOURCE = "greenhouse"
_INTERVIEW_ID = OpenApiParameter("interview_id", int, OpenApiParameter.PATH, description="Interview id.")


class InterviewScorecardView(ApiView):
    """Submit (or save a draft of) an interviewer's scorecard for an interview."""

    required_scopes = {"POST": "scorecards:write"}

    @extend_schema(
        summary="Submit a scorecard for an interview",
        description="Records the named interviewer's scorecard and submits it (201), or with `draft: true` "
        "saves a draft (200). The interviewer must be assigned to the interview (`not_assigned`, 400). "
        "A submission rates every focus area of the interview (a level 1-5 or `not_assessed: true`) and "
        "gives a recommendation; problems come back per field, e.g. `ratings.communication.level`, and "
        "nothing is written. A second submission answers 409 `already_submitted`: amend instead. Each "
        "submission emits a `scorecard.submitted` event. Integration tokens name the interviewer by email "
        "or by their id in the token's source; signed-in interviewers submit their own.",
        parameters=[_INTERVIEW_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=ScorecardSubmitSerializer,
        responses={201: ScorecardSerializer, 200: ScorecardSerializer, **errors(400, 404, 409, 413, 422)},
        examples=[
            OpenApiExample(
                "Submit on behalf of an interviewer",
                value={
                    "interviewer": {"external_id": "4080"},
                    "recommendation": "yes",
                    "summary": "Strong on testing; explained trade-offs clearly.",
                    "ratings": {
                        "software_engineering": {"level": 4, "evidence": "Wrote tests first."},
                        "statistics_experimentation": {"level": 3, "evidence": "Sized an A/B test."},
                        "communication": {"not_assessed": True},
                    },
                },
                request_only=True,
            ),
            OpenApiExample("Submitted", value=_SCORECARD_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    def post(self, request, interview_id: int):
        interview = _interview_or_404(request, interview_id)
        data = validated_body(ScorecardSubmitSerializer, request)
        interviewer = _interviewer_for(request, data.get("interviewer"))
        scorecard = scorecard_record(
            interview=interview,
            interviewer=interviewer,
            recommendation=data["recommendation"],
            summary=data["summary"],
            ratings=_rating_inputs(data["ratings"]),
            submit=not data["draft"],
            actor=request.user,
        )
        return Response(
            scorecard.resource,
            status=status.HTTP_201_CREATED if scorecard.is_submitted else status.HTTP_200_OK,
        )


# Greenhouse Harvest's scorecard, as its API returns it (fields we do not use are accepted and ignored).


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "maxLength": 128}]})
class GreenhouseIdField(serializers.CharField):
    """A Greenhouse id: Harvest sends integers (``"id": 821``); strings are taken too. Stored as text."""

    takes_other_types = True  # an integer is no wrong type here (see TextStrictSerializer)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 128)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Not bool (an int to Python) nor float: 821.0 is no id.
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int) and data < 0:
            self.fail("invalid")
        return super().to_internal_value(str(data))


class GreenhouseUserSerializer(TextStrictSerializer):
    id = GreenhouseIdField(
        required=False,
        help_text="Greenhouse user id (an integer, as Harvest sends it, or a string): "
        "the interviewer's external id.",
    )
    email = EmailField(required=False)
    name = serializers.CharField(required=False, allow_blank=True)


class GreenhouseAttributeSerializer(TextStrictSerializer):
    name = serializers.CharField(max_length=200)
    type = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    note = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="", max_length=MAX_EVIDENCE_CHARS
    )
    rating = serializers.ChoiceField(choices=list(ATTRIBUTE_LEVELS))


class GreenhouseQuestionSerializer(TextStrictSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    question = serializers.CharField(allow_blank=True)
    answer = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")


class GreenhouseScorecardSerializer(TextStrictSerializer):
    interviewer = GreenhouseUserSerializer(required=False, allow_null=True)
    submitted_by = GreenhouseUserSerializer(
        required=False, allow_null=True, help_text="Used when `interviewer` is absent."
    )
    overall_recommendation = serializers.ChoiceField(choices=list(OVERALL_RECOMMENDATIONS))
    attributes = GreenhouseAttributeSerializer(many=True, allow_empty=False)
    questions = GreenhouseQuestionSerializer(many=True, required=False, default=list)
    submitted_at = AwareDateTimeField(
        required=False, allow_null=True, help_text="Accepted; our timestamps record when it reached us."
    )


class UnmappedAttributeSerializer(serializers.Serializer):
    name = serializers.CharField()
    area = serializers.CharField(allow_null=True, help_text="The area it maps to, when it maps to one.")
    reason = serializers.ChoiceField(choices=[NO_MAPPING, AREA_NOT_IN_INTERVIEW])


class GreenhouseImportSerializer(serializers.Serializer):
    scorecard = ScorecardSerializer()
    submitted = serializers.BooleanField(help_text="False when saved as a draft (no_decision overall).")
    unmapped_attributes = UnmappedAttributeSerializer(many=True)
    not_assessed_areas = serializers.ListField(
        child=serializers.CharField(), help_text="Focus areas recorded as not assessed."
    )


_HARVEST_EXAMPLE = {
    "id": 211231,
    "updated_at": "2026-03-02T11:38:51.013Z",
    "created_at": "2026-03-02T11:38:51.013Z",
    "interview": "Technical Interview",
    "interview_step": {"id": 432, "name": "Technical Interview"},
    "candidate_id": 2131415,
    "application_id": 23558552,
    "interviewed_at": "2026-03-02T09:00:00.000Z",
    "submitted_by": {
        "id": 4080,
        "first_name": "Kate",
        "last_name": "Austen",
        "name": "Kate Austen",
        "employee_id": None,
    },
    "interviewer": {
        "id": 4080,
        "first_name": "Kate",
        "last_name": "Austen",
        "name": "Kate Austen",
        "employee_id": None,
    },
    "submitted_at": "2026-03-02T11:38:51.013Z",
    "overall_recommendation": "yes",
    "attributes": [
        {"name": "Code quality", "type": "Skills", "note": "Wrote tests first.", "rating": "strong_yes"},
        {"name": "Testing", "type": "Skills", "note": "Covered the edge cases.", "rating": "yes"},
        {"name": "Experiment design", "type": "Skills", "note": "Sized an A/B test.", "rating": "mixed"},
        {"name": "Communication", "type": "Personality Traits", "note": None, "rating": "no_decision"},
        {"name": "Culture add", "type": "Personality Traits", "note": "Curious.", "rating": "yes"},
    ],
    "ratings": {
        "definitely_not": [],
        "no": [],
        "mixed": ["Experiment design"],
        "yes": ["Testing", "Culture add"],
        "strong_yes": ["Code quality"],
    },
    "questions": [
        {"id": None, "question": "Key Take-Aways", "answer": "Strong on testing; explained trade-offs."},
        {"id": 7385, "question": "Would you work with them?", "answer": "Yes"},
    ],
}


class GreenhouseScorecardImportView(ApiView):
    """Import a Greenhouse Harvest scorecard as an interviewer's scorecard for an interview."""

    required_scopes = {"POST": "scorecards:write"}

    @extend_schema(
        summary="Import a Greenhouse scorecard",
        description="Takes a scorecard as Greenhouse Harvest returns it. The interviewer (`interviewer`, "
        "else `submitted_by`) is found by `email` or by `id` as their external id in the token's source. "
        "Attribute ratings map onto levels: definitely_not 1, no 2, mixed 3, yes 4, strong_yes 5; "
        "no_decision means not assessed. Attribute names map onto skill areas through the attribute "
        "mappings (`/api/v1/attribute-mappings/` or the admin; per source, case-insensitive). Several "
        "attributes on one area: their levels are averaged (rounded half up) and their notes joined as "
        "the evidence. Focus areas no attribute covers are not assessed. Attributes that map nowhere, or "
        "onto an area the interview does not cover, come back in `unmapped_attributes`; when none maps, 400 "
        "`no_mapped_attributes` and nothing is written. `overall_recommendation` maps definitely_not → "
        "strong_no, no, yes, strong_yes; `no_decision` has no counterpart, so the scorecard is saved as "
        "a draft (`submitted: false`) for the interviewer to finish. Questions and answers become the "
        "summary. Otherwise as submitting a scorecard: 409 `already_submitted`, a `scorecard.submitted` "
        "event.",
        parameters=[_INTERVIEW_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=GreenhouseScorecardSerializer,
        responses={201: GreenhouseImportSerializer, **errors(400, 404, 409, 413, 422)},
        examples=[
            OpenApiExample("A Harvest scorecard", value=_HARVEST_EXAMPLE, request_only=True),
            OpenApiExample(
                "Imported",
                value={
                    "scorecard": _SCORECARD_EXAMPLE,
                    "submitted": True,
                    "unmapped_attributes": [{"name": "Culture add", "area": None, "reason": NO_MAPPING}],
                    "not_assessed_areas": ["communication"],
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request, interview_id: int):
        interview = _interview_or_404(request, interview_id)
        data = validated_body(GreenhouseScorecardSerializer, request)
        person = data.get("interviewer") or data.get("submitted_by") or {}
        reference = {"email": person.get("email"), "external_id": person.get("id")}
        interviewer = _interviewer_for(request, {k: v for k, v in reference.items() if v})
        # Mappings are kept per integration source; signed-in people use Greenhouse's.
        source = request.auth.source if is_integration(request.user) else GREENHOUSE_SOURCE
        result = greenhouse_scorecard_import(
            interview=interview,
            interviewer=interviewer,
            source=source,
            overall_recommendation=data["overall_recommendation"],
            attributes=[
                GreenhouseAttribute(
                    name=a["name"], rating=a["rating"], note=a.get("note") or "", type=a.get("type") or ""
                )
                for a in data["attributes"]
            ],
            questions=[
                GreenhouseQuestion(question=q["question"], answer=q.get("answer") or "")
                for q in data["questions"]
            ],
            actor=request.user,
        )
        return Response(
            {
                "scorecard": result.scorecard.resource,
                "submitted": result.submitted,
                "unmapped_attributes": result.unmapped_attributes,
                "not_assessed_areas": result.not_assessed_areas,
            },
            status=status.HTTP_201_CREATED,
        )


# Attribute mappings: which skill area each of an ATS's scorecard attributes rates.


class AttributeMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributeMapping
        fields = ["id", "source", "attribute_name", "area_key", "created_at", "updated_at"]
        read_only_fields = fields


class AttributeMappingCreateSerializer(StrictSerializer):
    source = serializers.SlugField(
        max_length=64,
        required=False,
        help_text="Whose scorecards: a token's mappings are of its own source (omit it, or give it); "
        "signed-in recruiters default to 'greenhouse', as the import they make does.",
    )
    attribute_name = serializers.CharField(
        max_length=200, help_text="As the ATS names it; unique per source without regard to case."
    )
    area_key = serializers.SlugField(max_length=64, help_text="A skill area's key, e.g. 'communication'.")


class AttributeMappingUpdateSerializer(StrictSerializer):
    attribute_name = serializers.CharField(max_length=200, required=False)
    area_key = serializers.SlugField(max_length=64, required=False)


class AttributeMappingFilter(ScopedFilterSet):
    source = filters.CharFilter()
    attribute_name = filters.CharFilter(lookup_expr="iexact", help_text="In any letter case.")
    area_key = filters.CharFilter()

    class Meta:
        model = AttributeMapping
        fields = ["source", "attribute_name", "area_key"]


_MAPPING_EXAMPLE = {
    "id": 4,
    "source": "greenhouse",
    "attribute_name": "Code quality",
    "area_key": "software_engineering",
    "created_at": "2026-03-02T09:30:00Z",
    "updated_at": "2026-03-02T09:30:00Z",
}


def _mapping_source(request, given: str | None) -> str:
    """A token's own source (another is 403 source_mismatch); for people, 'greenhouse' unless named."""
    return named_source_check(request, given) or GREENHOUSE_SOURCE


@extend_schema_view(
    list=extend_schema(
        summary="List attribute mappings",
        description="Which skill area each scorecard attribute rates in the Greenhouse import. A token "
        "sees its own source's.",
        responses={200: AttributeMappingSerializer(many=True), **errors(400)},
        examples=[OpenApiExample("A mapping", value=_MAPPING_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get an attribute mapping",
        responses={200: AttributeMappingSerializer, **errors(404)},
        examples=[OpenApiExample("A mapping", value=_MAPPING_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Map a scorecard attribute onto a skill area",
        description="Imports then rate the area from that attribute. A name is mapped once per source, "
        "in any letter case (409 attribute_mapping_exists); the area key must be a rubric's (400 "
        "unknown_skill_area). A token maps its own source's attributes (another: 403 source_mismatch).",
        request=AttributeMappingCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: AttributeMappingSerializer, **errors(400, 409, 422)},
        examples=[
            OpenApiExample(
                "Map",
                value={"attribute_name": "Code quality", "area_key": "software_engineering"},
                request_only=True,
            ),
            OpenApiExample("Mapped", value=_MAPPING_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    ),
    partial_update=extend_schema(
        summary="Change an attribute mapping",
        description="Rename the attribute or point it at another area; the source stays.",
        request=AttributeMappingUpdateSerializer,
        responses={200: AttributeMappingSerializer, **errors(400, 404, 409)},
        examples=[
            OpenApiExample("Re-map", value={"area_key": "software_engineering"}, request_only=True),
            OpenApiExample("Re-mapped", value=_MAPPING_EXAMPLE, response_only=True),
        ],
    ),
    destroy=extend_schema(
        summary="Delete an attribute mapping",
        description="Later imports report the attribute in `unmapped_attributes`.",
        request=None,
        responses={204: None, **errors(404)},
        examples=[OpenApiExample("Deleted", value=None, response_only=True, status_codes=["204"])],
    ),
)
class AttributeMappingViewSet(
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Attribute mappings: recruiters (signed in) see all; a token its own source's."""

    required_scopes = {
        "GET": "attribute_mappings:read",
        "POST": "attribute_mappings:write",
        "PATCH": "attribute_mappings:write",
        "DELETE": "attribute_mappings:write",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = AttributeMappingSerializer
    pagination_class = CursorPage
    filterset_class = AttributeMappingFilter
    ordering_fields = ["id", "updated_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return AttributeMapping.objects.none()
        return selectors.attribute_mappings_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(AttributeMappingCreateSerializer, request)
        mapping = attribute_mapping_create(
            source=_mapping_source(request, data.get("source")),
            attribute_name=data["attribute_name"],
            area_key=data["area_key"],
            actor=request.user,
        )
        location = reverse("api:attribute-mapping-detail", kwargs={"pk": mapping.pk})
        return Response(
            AttributeMappingSerializer(mapping).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def partial_update(self, request, pk=None):
        mapping = self.get_object()
        data = validated_body(AttributeMappingUpdateSerializer, request)
        mapping = attribute_mapping_update(mapping=mapping, **data, actor=request.user)
        return Response(AttributeMappingSerializer(mapping).data)

    def destroy(self, request, pk=None):
        attribute_mapping_delete(mapping=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


_router = SimpleRouter(trailing_slash=True)
_router.register("roles", RoleViewSet, basename="role")
_router.register("rubric-versions", RubricVersionViewSet, basename="rubric-version")
_router.register("scorecards", ScorecardViewSet, basename="scorecard")
_router.register("attribute-mappings", AttributeMappingViewSet, basename="attribute-mapping")

api_urlpatterns = [
    path("advisor/", AdvisorView.as_view(), name="advisor"),
    path(
        "interviews/<int:interview_id>/scorecards/",
        InterviewScorecardView.as_view(),
        name="interview-scorecards",
    ),
    path(
        "interviews/<int:interview_id>/scorecards/greenhouse/",
        GreenhouseScorecardImportView.as_view(),
        name="interview-scorecards-greenhouse",
    ),
    *_router.urls,
]
