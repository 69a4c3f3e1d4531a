"""REST endpoints of hiring (mounted under /api/v1/ by config/api.py).

Openings, candidates, applications, interviews, decisions, and the interviewers
with their ATS identities. Views stay thin:
they validate input with a serializer, call one service or selector from
``hiring.services`` / ``hiring.selectors``, and serialise the answer. What a
caller sees comes from the selectors (``*_visible_to``); an object outside it
is a 404 and absent from lists.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.urls import path, reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.errors import ApplicationError
from hiring import representations, selectors, services
from hiring.filters import (
    ApplicationFilter,
    CandidateFilter,
    DecisionFilter,
    InterviewerFilter,
    InterviewerIdentityFilter,
    InterviewFilter,
    OpeningFilter,
)
from hiring.models import Application, Candidate, Decision, Interview, InterviewerIdentity, Opening
from integrations.api.pagination import CursorPage, UpdatedCursorPage
from integrations.api.validation import validated_body
from integrations.api.viewsets import (
    IDEMPOTENCY_KEY_PARAMETER,
    ApiGenericViewSet,
    errors,
    named_source_check,
    writable_source_check,
)
from integrations.identity import is_integration
from integrations.serializers import AwareDateTimeField, EmailField, StrictSerializer

MANUAL_SOURCE = "manual"


def source_of(request) -> str:
    """Where records a request writes come from: the token's ATS, or 'manual' for people."""
    return request.auth.source if is_integration(request.user) else MANUAL_SOURCE


class VisiblePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key naming an object the caller may see; anything else is 'does not exist' (400)."""

    def __init__(self, *, selector, **kwargs) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(actor=self.context["request"].user)


# Serializers ---------------------------------------------------------------------


class OpeningSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.key", read_only=True, help_text="Role key.")
    rubric_version = serializers.IntegerField(
        source="rubric_version_id", read_only=True, help_text="Id of the rubric version it scores against."
    )

    class Meta:
        model = Opening
        fields = [
            "id",
            "title",
            "role",
            "rubric_version",
            "status",
            "source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# Named like the response component (OpeningRequest, PatchedOpeningRequest), so the OpenAPI
# enum of ``status`` is one OpeningStatusEnum rather than a hashed name.
@extend_schema_serializer(component_name="Opening")
class OpeningCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    role = serializers.CharField(
        help_text="Role key: data_scientist, ml_engineer or full_stack_data_scientist."
    )
    status = serializers.ChoiceField(choices=Opening.Status.choices, default=Opening.Status.OPEN)


@extend_schema_serializer(component_name="Opening")
class OpeningUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(choices=Opening.Status.choices, required=False)


class OpeningUpsertSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    role = serializers.CharField(
        max_length=64,
        help_text="Role key: data_scientist, ml_engineer or full_stack_data_scientist. An existing "
        "opening keeps its role (409 opening_mismatch).",
    )
    status = serializers.ChoiceField(
        choices=Opening.Status.choices, required=False, help_text="Default 'open' on create; kept on update."
    )


class ExternalRefSerializer(serializers.Serializer):
    """The path of an upsert: which system, and its id for the record."""

    source = serializers.SlugField(max_length=64)
    external_id = serializers.CharField(max_length=128)


class CandidateSerializer(serializers.ModelSerializer):
    erased = serializers.SerializerMethodField(help_text="Whether the personal data was erased.")

    class Meta:
        model = Candidate
        fields = [
            "id",
            "name",
            "email",
            "notes",
            "source",
            "external_id",
            "erased",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    # get_erased declares the method field's type for the schema; rendering is the representation's.
    def get_erased(self, candidate: Candidate) -> bool:
        return candidate.erased_at is not None

    def to_representation(self, instance):
        return representations.candidate_resource(instance)


class CandidateWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    email = EmailField()
    notes = serializers.CharField(required=False, allow_blank=True)


class CandidateCreateSerializer(CandidateWriteSerializer):
    external_id = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="Your id for the candidate, if any."
    )


class CandidateUpdateSerializer(CandidateWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    email = EmailField(required=False)


class ApplicationSerializer(serializers.ModelSerializer):
    role = serializers.CharField(
        source="opening.role.key", read_only=True, help_text="The opening's role key."
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "candidate",
            "opening",
            "role",
            "stage",
            "source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ApplicationCreateSerializer(StrictSerializer):
    candidate = VisiblePrimaryKeyField(
        selector=selectors.candidates_visible_to, queryset=Candidate.objects.all()
    )
    opening = VisiblePrimaryKeyField(selector=selectors.openings_visible_to, queryset=Opening.objects.all())
    stage = serializers.ChoiceField(choices=Application.Stage.choices, default=Application.Stage.APPLIED)
    external_id = serializers.CharField(max_length=128, required=False, allow_blank=True)


class ApplicationUpdateSerializer(StrictSerializer):
    stage = serializers.ChoiceField(choices=Application.Stage.choices)


class ApplicationUpsertSerializer(StrictSerializer):
    candidate = VisiblePrimaryKeyField(
        selector=selectors.candidates_visible_to,
        queryset=Candidate.objects.all(),
        required=False,
        help_text="The candidate's id here; or give candidate_external_id.",
    )
    candidate_external_id = serializers.CharField(
        max_length=128,
        required=False,
        help_text="The candidate's id in your system (same source as the path).",
    )
    opening = VisiblePrimaryKeyField(selector=selectors.openings_visible_to, queryset=Opening.objects.all())
    stage = serializers.ChoiceField(
        choices=Application.Stage.choices,
        required=False,
        help_text="Default 'applied' on create; kept on update.",
    )

    def validate(self, attrs):
        by_id, by_external_id = attrs.get("candidate"), attrs.pop("candidate_external_id", None)
        if (by_id is None) == (by_external_id is None):
            raise serializers.ValidationError(
                {"candidate": "Name the candidate by candidate (id) or candidate_external_id, not both."}
            )
        if by_external_id is not None:
            candidate = (
                selectors.candidates_visible_to(actor=self.context["request"].user)
                .filter(source=self.context["source"], external_id=by_external_id)
                .first()
            )
            if candidate is None:
                message = f"No candidate '{by_external_id}' from '{self.context['source']}'."
                raise serializers.ValidationError({"candidate_external_id": message})
            attrs["candidate"] = candidate
        return attrs


class InterviewerRefSerializer(StrictSerializer):
    schema_requires_one_of = ("email", "external_id")

    email = EmailField(required=False)
    external_id = serializers.CharField(
        max_length=128, required=False, help_text="The interviewer's id in your system."
    )


class InterviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="interviewer.pk")
    name = serializers.CharField(source="interviewer.get_full_name")
    email = serializers.EmailField(source="interviewer.email")


class InterviewSerializer(serializers.ModelSerializer):
    candidate = serializers.IntegerField(source="application.candidate_id", read_only=True)
    opening = serializers.IntegerField(source="application.opening_id", read_only=True)
    focus_areas = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)
    interviewers = InterviewerSerializer(source="assignments", many=True, read_only=True)

    class Meta:
        model = Interview
        fields = [
            "id",
            "application",
            "candidate",
            "opening",
            "kind",
            "scheduled_at",
            "duration_minutes",
            "focus_areas",
            "interviewers",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class InterviewCreateSerializer(StrictSerializer):
    application = VisiblePrimaryKeyField(
        selector=selectors.applications_visible_to, queryset=Application.objects.all()
    )
    kind = serializers.ChoiceField(choices=Interview.Kind.choices)
    scheduled_at = AwareDateTimeField(help_text="ISO 8601 with its time zone (Z or an offset).")
    duration_minutes = serializers.IntegerField(min_value=1, max_value=600, default=60)
    focus_areas = serializers.ListField(
        child=serializers.SlugField(), allow_empty=False, help_text="Skill-area keys of the opening's rubric."
    )
    interviewers = serializers.ListField(
        child=InterviewerRefSerializer(),
        allow_empty=False,
        help_text="Each by email or by external_id (your id, registered as their interviewer identity).",
    )

    def validate_interviewers(self, refs: list[dict]) -> list:
        users, problems = [], []
        for number, ref in enumerate(refs, start=1):
            try:
                users.append(
                    selectors.interviewer_resolve(
                        source=self.context["source"],
                        email=ref.get("email"),
                        external_id=ref.get("external_id"),
                    )
                )
            except ApplicationError as error:
                problems.append(f"Interviewer {number}: {error.message}")
        if problems:
            raise serializers.ValidationError(problems)
        return users


class InterviewUpsertSerializer(InterviewCreateSerializer):
    application = VisiblePrimaryKeyField(
        selector=selectors.applications_visible_to,
        queryset=Application.objects.all(),
        required=False,
        help_text="The application's id here; or give application_external_id. An existing interview "
        "keeps its application (409 interview_mismatch).",
    )
    application_external_id = serializers.CharField(
        max_length=128,
        required=False,
        help_text="The application's id in your system (same source as the path).",
    )

    def validate(self, attrs):
        by_id, by_external_id = attrs.get("application"), attrs.pop("application_external_id", None)
        if (by_id is None) == (by_external_id is None):
            raise serializers.ValidationError(
                {
                    "application": "Name the application by application (id) or application_external_id, "
                    "not both."
                }
            )
        if by_external_id is not None:
            application = (
                selectors.applications_visible_to(actor=self.context["request"].user)
                .filter(source=self.context["source"], external_id=by_external_id)
                .first()
            )
            if application is None:
                message = f"No application '{by_external_id}' from '{self.context['source']}'."
                raise serializers.ValidationError({"application_external_id": message})
            attrs["application"] = application
        return attrs


class DecisionSerializer(serializers.ModelSerializer):
    """Also the ``resource`` of ``decision.recorded`` events (``hiring.services.decision_resource``)."""

    candidate = serializers.IntegerField(source="application.candidate_id", read_only=True)
    opening = serializers.IntegerField(source="application.opening_id", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by_label", read_only=True, help_text="Who recorded it: a person or a token's name."
    )
    decided_by_user = serializers.IntegerField(
        source="decided_by_id",
        read_only=True,
        allow_null=True,
        help_text="The person's id; null for a token.",
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "application",
            "candidate",
            "opening",
            "outcome",
            "rationale",
            "decided_by",
            "decided_by_user",
            "decided_at",
        ]
        read_only_fields = fields


class DecisionCreateSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    rationale = serializers.CharField(help_text="Why; required, not blank.")


# Examples --------------------------------------------------------------------------

_WHEN = "2026-03-02T09:30:00Z"
OPENING_EXAMPLE = {
    "id": 7,
    "title": "Senior ML Engineer",
    "role": "ml_engineer",
    "rubric_version": 3,
    "status": "open",
    "source": "greenhouse",
    "external_id": "gh-job-4001",
    "created_at": _WHEN,
    "updated_at": _WHEN,
}
CANDIDATE_EXAMPLE = {
    "id": 42,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "notes": "",
    "source": "greenhouse",
    "external_id": "gh-cand-1001",
    "erased": False,
    "erased_at": None,
    "created_at": _WHEN,
    "updated_at": _WHEN,
}
ERASED_CANDIDATE_EXAMPLE = {
    **CANDIDATE_EXAMPLE,
    "name": "Erased candidate 42",
    "email": "erased-42@erased.invalid",
    "erased": True,
    "erased_at": _WHEN,
}
APPLICATION_EXAMPLE = {
    "id": 301,
    "candidate": 42,
    "opening": 7,
    "role": "ml_engineer",
    "stage": "interviewing",
    "source": "greenhouse",
    "external_id": "gh-app-5001",
    "created_at": _WHEN,
    "updated_at": _WHEN,
}
INTERVIEW_EXAMPLE = {
    "id": 88,
    "application": 301,
    "candidate": 42,
    "opening": 7,
    "kind": "technical",
    "scheduled_at": _WHEN,
    "duration_minutes": 60,
    "focus_areas": ["software_engineering", "communication"],
    "interviewers": [{"id": 5, "name": "Ivan Petrov", "email": "ivan@example.com"}],
    "source": "greenhouse",
    "external_id": "gh-interview-9001",
    "created_at": _WHEN,
}
DECISION_EXAMPLE = {
    "id": 12,
    "application": 301,
    "candidate": 42,
    "opening": 7,
    "outcome": "advance",
    "rationale": "Strong production ML; system design above the bar.",
    "decided_by": "Carla Committee",
    "decided_by_user": 9,
    "decided_at": _WHEN,
}


def _example(name: str, value: dict, *, request: dict | None = None) -> list[OpenApiExample]:
    examples = [OpenApiExample(name, value=value, response_only=True)]
    if request is not None:
        examples.append(OpenApiExample(f"{name} (request)", value=request, request_only=True))
    return examples


SOURCE_PARAMETER = OpenApiParameter(
    "source",
    str,
    OpenApiParameter.PATH,
    description="Your system's name, e.g. greenhouse; a token's own source.",
)
EXTERNAL_ID_PARAMETER = OpenApiParameter(
    "external_id", str, OpenApiParameter.PATH, description="Your system's id for the record."
)
APPLICATION_ID_PARAMETER = OpenApiParameter("application_id", int, OpenApiParameter.PATH)


# Views ------------------------------------------------------------------------------


class HiringViewSet(ApiGenericViewSet):
    """Cursor pages (oldest change first when a ``since`` filter is given), filters and ordering."""

    pagination_class = CursorPage
    since_page_class: type[CursorPage] = UpdatedCursorPage
    since_parameters: tuple[str, ...] = ("updated_since",)
    ordering_fields = ["id", "created_at", "updated_at"]
    lookup_value_regex = r"\d+"
    visible_model: type  # for the schema, which is built without a caller

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            params = getattr(getattr(self, "request", None), "query_params", {})
            since = any(params.get(name) for name in self.since_parameters)
            self._paginator = self.since_page_class() if since else self.pagination_class()
        return self._paginator

    def visible(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return self.visible_model.objects.none()
        return self.visible()

    def created(self, instance, serializer_class, route: str) -> Response:
        location = reverse(f"api:{route}", kwargs={"pk": instance.pk})
        return Response(
            serializer_class(instance).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def writable_object(self):
        """The path's record, when the caller may change it (else 404, or 403 source_mismatch)."""
        record = self.get_object()
        writable_source_check(self.request, record.source)
        return record

    def external_ref(self, request, source: str, external_id: str) -> dict:
        """The upsert's path, checked: a token writes only its own source (else 403 source_mismatch)."""
        named_source_check(request, source)
        return validated_body(
            ExternalRefSerializer, request, data={"source": source, "external_id": external_id}
        )


@extend_schema_view(
    list=extend_schema(
        summary="List openings",
        responses={200: OpeningSerializer(many=True), **errors(400)},
        examples=_example("Openings", OPENING_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get an opening",
        responses={200: OpeningSerializer, **errors(404)},
        examples=_example("Opening", OPENING_EXAMPLE),
    ),
    create=extend_schema(
        summary="Create an opening",
        description="Scores against the newest rubric version that profiles the role.",
        request=OpeningCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OpeningSerializer, **errors(400, 422)},
        examples=_example(
            "Opening", OPENING_EXAMPLE, request={"title": "Senior ML Engineer", "role": "ml_engineer"}
        ),
    ),
    partial_update=extend_schema(
        summary="Rename an opening or change its status",
        request=OpeningUpdateSerializer,
        responses={200: OpeningSerializer, **errors(400, 404)},
        examples=_example("Opening", {**OPENING_EXAMPLE, "status": "closed"}, request={"status": "closed"}),
    ),
    upsert=extend_schema(
        summary="Create or update an opening by your id",
        description="201 when created (on the newest rubric version that profiles the role), 200 when "
        "updated; the same body again changes nothing, so a retry makes no duplicate. A token may only "
        "use its own source (else 403 source_mismatch). An opening keeps its role (409 opening_mismatch).",
        parameters=[SOURCE_PARAMETER, EXTERNAL_ID_PARAMETER],
        request=OpeningUpsertSerializer,
        responses={200: OpeningSerializer, 201: OpeningSerializer, **errors(400, 404, 409)},
        examples=_example(
            "Opening",
            OPENING_EXAMPLE,
            request={"title": "Senior ML Engineer", "role": "ml_engineer", "status": "open"},
        ),
    ),
)
class OpeningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    """Openings: committee members see those they sit on; recruiters and tokens all."""

    required_scopes = {
        "GET": "openings:read",
        "POST": "openings:write",
        "PATCH": "openings:write",
        "PUT": "openings:write",
    }
    serializer_class = OpeningSerializer
    filterset_class = OpeningFilter
    visible_model = Opening

    def visible(self):
        return selectors.openings_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(OpeningCreateSerializer, request)
        opening = services.opening_create_for_role(
            title=data["title"], role_key=data["role"], status=data["status"], source=source_of(request)
        )
        return self.created(self.visible().get(pk=opening.pk), OpeningSerializer, "opening-detail")

    def partial_update(self, request, pk=None):
        opening = self.writable_object()
        opening = services.opening_update(opening=opening, **validated_body(OpeningUpdateSerializer, request))
        return Response(OpeningSerializer(opening).data)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = validated_body(OpeningUpsertSerializer, request)
        opening, created = services.opening_upsert(
            **ref, title=data["title"], role_key=data["role"], status=data.get("status")
        )
        return Response(
            OpeningSerializer(self.visible().get(pk=opening.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema_view(
    list=extend_schema(
        summary="List candidates",
        responses={200: CandidateSerializer(many=True), **errors(400)},
        examples=_example("Candidates", CANDIDATE_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get a candidate",
        responses={200: CandidateSerializer, **errors(404)},
        examples=_example("Candidate", CANDIDATE_EXAMPLE),
    ),
    create=extend_schema(
        summary="Create a candidate",
        description="A token's candidates carry its source; give external_id to find them again "
        "(or use the upsert).",
        request=CandidateCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: CandidateSerializer, **errors(400, 409, 422)},
        examples=_example(
            "Candidate",
            CANDIDATE_EXAMPLE,
            request={"name": "Ada Lovelace", "email": "ada@example.com", "external_id": "gh-cand-1001"},
        ),
    ),
    partial_update=extend_schema(
        summary="Update a candidate",
        request=CandidateUpdateSerializer,
        responses={200: CandidateSerializer, **errors(400, 404, 409)},
        examples=_example("Candidate", CANDIDATE_EXAMPLE, request={"email": "ada@example.com"}),
    ),
    upsert=extend_schema(
        summary="Create or update a candidate by your id",
        description="201 when created, 200 when updated. Sending the same body again changes nothing. "
        "A token may only use its own source (else 403 source_mismatch). An erased candidate "
        "cannot be written again (409 candidate_erased).",
        parameters=[SOURCE_PARAMETER, EXTERNAL_ID_PARAMETER],
        request=CandidateWriteSerializer,
        responses={200: CandidateSerializer, 201: CandidateSerializer, **errors(400, 404, 409)},
        examples=_example(
            "Candidate", CANDIDATE_EXAMPLE, request={"name": "Ada Lovelace", "email": "ada@example.com"}
        ),
    ),
    erase=extend_schema(
        summary="Erase a candidate's personal data",
        description="Overwrites name, email and notes; keeps applications, scorecards and scores for "
        "statistics, and the external id so your system can match its record. Idempotent; audited.",
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: CandidateSerializer, **errors(404, 422)},
        examples=_example("Erased candidate", ERASED_CANDIDATE_EXAMPLE),
    ),
)
class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    """Candidates: committee members see those who applied to their openings; recruiters and tokens all."""

    required_scopes_by_action = {
        "list": "candidates:read",
        "retrieve": "candidates:read",
        "create": "candidates:write",
        "partial_update": "candidates:write",
        "upsert": "candidates:write",
        "erase": "candidates:erase",
    }
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilter
    visible_model = Candidate

    def visible(self):
        return selectors.candidates_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(CandidateCreateSerializer, request)
        candidate = services.candidate_create(source=source_of(request), **data)
        return self.created(candidate, CandidateSerializer, "candidate-detail")

    def partial_update(self, request, pk=None):
        candidate = self.writable_object()
        data = validated_body(CandidateUpdateSerializer, request)
        candidate = services.candidate_update(candidate=candidate, **data)
        return Response(CandidateSerializer(candidate).data)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = validated_body(CandidateWriteSerializer, request)
        candidate, created = services.candidate_upsert(**ref, **data)
        return Response(
            representations.candidate_resource(candidate),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        candidate = services.candidate_erase(candidate=self.writable_object(), actor=request.user)
        return Response(CandidateSerializer(candidate).data)


@extend_schema_view(
    list=extend_schema(
        summary="List applications",
        responses={200: ApplicationSerializer(many=True), **errors(400)},
        examples=_example("Applications", APPLICATION_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get an application",
        responses={200: ApplicationSerializer, **errors(404)},
        examples=_example("Application", APPLICATION_EXAMPLE),
    ),
    create=extend_schema(
        summary="Apply a candidate to an opening",
        description="409 application_exists when the candidate already applied to the opening.",
        request=ApplicationCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: ApplicationSerializer, **errors(400, 409, 422)},
        examples=_example("Application", APPLICATION_EXAMPLE, request={"candidate": 42, "opening": 7}),
    ),
    partial_update=extend_schema(
        summary="Move an application to another stage",
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationSerializer, **errors(400, 404)},
        examples=_example("Application", APPLICATION_EXAMPLE, request={"stage": "interviewing"}),
    ),
    upsert=extend_schema(
        summary="Create or update an application by your id",
        description="Name the candidate by id or by candidate_external_id (same source). 201 when "
        "created, 200 when updated; the same body again changes nothing. An application keeps its "
        "candidate and opening (409 application_mismatch).",
        parameters=[SOURCE_PARAMETER, EXTERNAL_ID_PARAMETER],
        request=ApplicationUpsertSerializer,
        responses={200: ApplicationSerializer, 201: ApplicationSerializer, **errors(400, 404, 409)},
        examples=_example(
            "Application",
            APPLICATION_EXAMPLE,
            request={"candidate_external_id": "gh-cand-1001", "opening": 7, "stage": "interviewing"},
        ),
    ),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    """Applications: committee members see their openings'; recruiters and tokens all."""

    required_scopes = {
        "GET": "candidates:read",
        "POST": "candidates:write",
        "PATCH": "candidates:write",
        "PUT": "candidates:write",
    }
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    visible_model = Application

    def visible(self):
        return selectors.applications_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(ApplicationCreateSerializer, request)
        for record in (data["candidate"], data["opening"]):
            writable_source_check(request, record.source)
        application = services.application_create(source=source_of(request), **data)
        return self.created(
            self.visible().get(pk=application.pk), ApplicationSerializer, "application-detail"
        )

    def partial_update(self, request, pk=None):
        application = self.writable_object()
        data = validated_body(ApplicationUpdateSerializer, request)
        application = services.application_update(application=application, **data)
        return Response(ApplicationSerializer(application).data)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = validated_body(ApplicationUpsertSerializer, request, source=ref["source"])
        for record in (data["candidate"], data["opening"]):
            writable_source_check(request, record.source)
        application, created = services.application_upsert(**ref, **data)
        return Response(
            ApplicationSerializer(self.visible().get(pk=application.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema_view(
    list=extend_schema(
        summary="List interviews",
        description="Interviewers see the interviews they are assigned to; committee members their "
        "openings'; recruiters and tokens all.",
        responses={200: InterviewSerializer(many=True), **errors(400)},
        examples=_example("Interviews", INTERVIEW_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get an interview",
        responses={200: InterviewSerializer, **errors(404)},
        examples=_example("Interview", INTERVIEW_EXAMPLE),
    ),
    create=extend_schema(
        summary="Schedule an interview with its interviewers",
        description="Focus areas are skill-area keys of the opening's rubric version. Interviewers are "
        "named by email or by your id for them (their interviewer identity for your source).",
        request=InterviewCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: InterviewSerializer, **errors(400, 422)},
        examples=_example(
            "Interview",
            INTERVIEW_EXAMPLE,
            request={
                "application": 301,
                "kind": "technical",
                "scheduled_at": _WHEN,
                "duration_minutes": 60,
                "focus_areas": ["software_engineering", "communication"],
                "interviewers": [{"external_id": "gh-user-77"}, {"email": "olga@example.com"}],
            },
        ),
    ),
    upsert=extend_schema(
        summary="Create or update an interview by your id",
        description="As scheduling one, with the application named by id or application_external_id "
        "(same source). 201 when created, 200 when updated; the same body again changes nothing, so a "
        "retry makes no duplicate. A token may only use its own source (else 403 source_mismatch). An "
        "interview keeps its application (409 interview_mismatch); once it has scorecards its focus "
        "areas stay (409 interview_has_scorecards), and so does each interviewer who has one (409 "
        "interviewer_has_scorecard). Interviewers left out are unassigned; new ones assigned.",
        parameters=[SOURCE_PARAMETER, EXTERNAL_ID_PARAMETER],
        request=InterviewUpsertSerializer,
        responses={200: InterviewSerializer, 201: InterviewSerializer, **errors(400, 404, 409)},
        examples=_example(
            "Interview",
            INTERVIEW_EXAMPLE,
            request={
                "application_external_id": "gh-app-5001",
                "kind": "technical",
                "scheduled_at": _WHEN,
                "duration_minutes": 60,
                "focus_areas": ["software_engineering", "communication"],
                "interviewers": [{"external_id": "gh-user-77"}],
            },
        ),
    ),
)
class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    required_scopes = {"GET": "interviews:read", "POST": "interviews:write", "PUT": "interviews:write"}
    serializer_class = InterviewSerializer
    filterset_class = InterviewFilter
    visible_model = Interview
    since_parameters = ()
    ordering_fields = ["id", "scheduled_at", "created_at"]

    def visible(self):
        return selectors.interviews_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(InterviewCreateSerializer, request, source=source_of(request))
        writable_source_check(request, data["application"].source)
        interview = services.interview_schedule(
            application=data["application"],
            kind=data["kind"],
            scheduled_at=data["scheduled_at"],
            duration_minutes=data["duration_minutes"],
            focus_area_keys=data["focus_areas"],
            interviewers=data["interviewers"],
            source=source_of(request),
        )
        return self.created(self.visible().get(pk=interview.pk), InterviewSerializer, "interview-detail")

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = validated_body(InterviewUpsertSerializer, request, source=ref["source"])
        writable_source_check(request, data["application"].source)
        interview, created = services.interview_upsert(
            **ref,
            application=data["application"],
            kind=data["kind"],
            scheduled_at=data["scheduled_at"],
            duration_minutes=data["duration_minutes"],
            focus_area_keys=data["focus_areas"],
            interviewers=data["interviewers"],
        )
        return Response(
            InterviewSerializer(self.visible().get(pk=interview.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DecidedCursorPage(CursorPage):
    """Oldest decision first: what ``decided_since`` sync walks through (decisions never change)."""

    ordering = ("decided_at", "id")


@extend_schema_view(
    list=extend_schema(
        summary="List decisions",
        description="Every recorded decision, newest first; with decided_since (or updated_since), "
        "oldest first from that time. An application's latest decision is its current one.",
        responses={200: DecisionSerializer(many=True), **errors(400)},
        examples=_example("Decisions", DECISION_EXAMPLE),
    ),
)
class DecisionViewSet(mixins.ListModelMixin, HiringViewSet):
    required_scopes = {"GET": "decisions:read"}
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    visible_model = Decision
    since_page_class = DecidedCursorPage
    since_parameters = ("decided_since", "updated_since")
    ordering_fields = ["id", "decided_at"]

    def visible(self):
        return selectors.decisions_visible_to(actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List an application's decisions",
        description="The decision history, newest first; the first is the current decision.",
        parameters=[APPLICATION_ID_PARAMETER],
        responses={200: DecisionSerializer(many=True), **errors(400, 404)},
        examples=_example("Decisions", DECISION_EXAMPLE),
    ),
    create=extend_schema(
        summary="Record a decision on an application",
        description="advance, hold or reject, with a rationale. Earlier decisions stay as history. "
        "Sends a decision.recorded webhook event.",
        parameters=[APPLICATION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=DecisionCreateSerializer,
        responses={201: DecisionSerializer, **errors(400, 404, 422)},
        examples=_example(
            "Decision",
            DECISION_EXAMPLE,
            request={"outcome": "advance", "rationale": "Strong production ML; system design above the bar."},
        ),
    ),
)
class ApplicationDecisionViewSet(mixins.ListModelMixin, HiringViewSet):
    required_scopes = {"GET": "decisions:read", "POST": "decisions:write"}
    serializer_class = DecisionSerializer
    visible_model = Decision
    since_parameters = ()
    ordering_fields = ["id", "decided_at"]

    def application(self) -> Application:
        if not hasattr(self, "_application"):
            applications = selectors.applications_visible_to(actor=self.request.user)
            self._application = get_object_or_404(applications, pk=self.kwargs["application_id"])
        return self._application

    def visible(self):
        return selectors.decisions_visible_to(actor=self.request.user).filter(application=self.application())

    def create(self, request, application_id: int):
        writable_source_check(request, self.application().source)
        data = validated_body(DecisionCreateSerializer, request)
        decision = services.decision_record(application=self.application(), actor=request.user, **data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# Interviewers and their ATS identities -----------------------------------------------

# People sign in through a password-reset link or single sign-on; the API never takes a password.
PASSWORD_FIELDS = ("password", "password1", "password2", "new_password")


class InterviewerIdentityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterviewerIdentity
        fields = ["id", "source", "external_id"]
        read_only_fields = fields


class InterviewerUserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True, help_text="First and last name.")
    identities = InterviewerIdentityBriefSerializer(
        source="ats_identities",
        many=True,
        read_only=True,
        help_text="Their ids in applicant tracking systems (a token sees its own source's).",
    )
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "name",
            "is_active",
            "identities",
            "created_at",
        ]
        read_only_fields = fields


class _RefusesPasswords:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            given = [name for name in PASSWORD_FIELDS if name in data]
            if given:
                raise serializers.ValidationError(
                    {
                        name: "Passwords are never set through the API: people sign in through a "
                        "password-reset link or single sign-on."
                        for name in given
                    }
                )
        return super().to_internal_value(data)


# The email is also the username, so it takes only what a username may hold (ASCII letters,
# digits and @ . + - _): "o'brien@example.com" is a valid address Django's usernames refuse.
_USERNAME_SAFE = RegexValidator(
    r"^[A-Za-z0-9.@+_-]+$",
    "As it is also the username, use only letters, digits and @ . + - _.",
    code="invalid",
)


class InterviewerUserCreateSerializer(_RefusesPasswords, StrictSerializer):
    email = EmailField(
        max_length=254,
        validators=[_USERNAME_SAFE],
        help_text="Unique without regard to case; also their username (letters, digits and @ . + - _).",
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(default=True, help_text="False: they cannot sign in or be assigned.")


class InterviewerUserUpdateSerializer(_RefusesPasswords, StrictSerializer):
    email = EmailField(required=False, validators=[_USERNAME_SAFE])
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class InterviewerIdentitySerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True, help_text="The interviewer's id.")

    class Meta:
        model = InterviewerIdentity
        fields = ["id", "user", "source", "external_id"]
        read_only_fields = fields


class InterviewerIdentityCreateSerializer(StrictSerializer):
    user = VisiblePrimaryKeyField(
        selector=selectors.interviewers_visible_to,
        queryset=get_user_model().objects.all(),
        help_text="The interviewer's id (a user in the interviewer group).",
    )
    source = serializers.SlugField(
        max_length=64,
        required=False,
        help_text="Your system's name. A token's identities are of its own source (omit it, or give it); "
        "signed-in recruiters name it.",
    )
    external_id = serializers.CharField(max_length=128, help_text="Your system's id for the interviewer.")


class InterviewerIdentityUpdateSerializer(StrictSerializer):
    user = VisiblePrimaryKeyField(
        selector=selectors.interviewers_visible_to,
        queryset=get_user_model().objects.all(),
        required=False,
    )
    external_id = serializers.CharField(max_length=128, required=False)


def write_source(request, given: str | None) -> str:
    """The source a write names: a token's own (another is 403 source_mismatch); a person names one."""
    source = named_source_check(request, given)
    if source is None:
        raise ApplicationError("source_required", "Name the system these ids come from.", field="source")
    return source


_INTERVIEWER_USER_EXAMPLE = {
    "id": 5,
    "username": "ivan@example.com",
    "email": "ivan@example.com",
    "first_name": "Ivan",
    "last_name": "Petrov",
    "name": "Ivan Petrov",
    "is_active": True,
    "identities": [{"id": 3, "source": "greenhouse", "external_id": "gh-user-77"}],
    "created_at": _WHEN,
}
_IDENTITY_EXAMPLE = {"id": 3, "user": 5, "source": "greenhouse", "external_id": "gh-user-77"}


@extend_schema_view(
    list=extend_schema(
        summary="List interviewers",
        description="Users in the interviewer group, with their ATS identities. Recruiters and tokens.",
        responses={200: InterviewerUserSerializer(many=True), **errors(400)},
        examples=_example("Interviewers", _INTERVIEWER_USER_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get an interviewer",
        responses={200: InterviewerUserSerializer, **errors(404)},
        examples=_example("Interviewer", _INTERVIEWER_USER_EXAMPLE),
    ),
    create=extend_schema(
        summary="Create an interviewer",
        description="A user in the interviewer group, without a password: they sign in through a "
        "password-reset link or single sign-on, and a body with a password is refused (400). The email "
        "is unique without regard to case (409 email_taken) and becomes the username. Register your id "
        "for them with an interviewer identity.",
        request=InterviewerUserCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: InterviewerUserSerializer, **errors(400, 409, 422)},
        examples=_example(
            "Interviewer",
            {**_INTERVIEWER_USER_EXAMPLE, "identities": []},
            request={"email": "ivan@example.com", "first_name": "Ivan", "last_name": "Petrov"},
        ),
    ),
    partial_update=extend_schema(
        summary="Update an interviewer",
        description="Email, name or active flag (false: they can no longer sign in or be assigned). "
        "Only people who are nothing but interviewers change here: a recruiter, committee member or "
        "staff user answers 403 interviewer_has_other_roles (their email is where their sign-in link "
        "goes). 409 email_taken.",
        request=InterviewerUserUpdateSerializer,
        responses={200: InterviewerUserSerializer, **errors(400, 404, 409)},
        examples=_example("Interviewer", _INTERVIEWER_USER_EXAMPLE, request={"last_name": "Petrov"}),
    ),
)
class InterviewerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    """Interviewer users: recruiters (signed in) and tokens with the interviewers scopes."""

    required_scopes = {
        "GET": "interviewers:read",
        "POST": "interviewers:write",
        "PATCH": "interviewers:write",
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = InterviewerUserSerializer
    filterset_class = InterviewerFilter
    visible_model = get_user_model()
    since_parameters = ()
    ordering_fields = ["id", "date_joined"]

    def visible(self):
        return selectors.interviewers_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(InterviewerUserCreateSerializer, request)
        user = services.interviewer_create(**data, actor=request.user)
        return self.created(self.visible().get(pk=user.pk), InterviewerUserSerializer, "interviewer-detail")

    def partial_update(self, request, pk=None):
        user = self.get_object()
        data = validated_body(InterviewerUserUpdateSerializer, request)
        services.interviewer_update(user=user, **data, actor=request.user)
        return Response(InterviewerUserSerializer(self.visible().get(pk=user.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List interviewer identities",
        description="Which interviewer each of your ids names. A token sees its own source's.",
        responses={200: InterviewerIdentitySerializer(many=True), **errors(400)},
        examples=_example("Identities", _IDENTITY_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get an interviewer identity",
        responses={200: InterviewerIdentitySerializer, **errors(404)},
        examples=_example("Identity", _IDENTITY_EXAMPLE),
    ),
    create=extend_schema(
        summary="Register your id for an interviewer",
        description="Then interviews and scorecards may name them by `external_id`. One id per source "
        "names one interviewer, and an interviewer has one id per source (409 "
        "interviewer_identity_exists). A token registers ids of its own source (another: 403 "
        "source_mismatch).",
        request=InterviewerIdentityCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: InterviewerIdentitySerializer, **errors(400, 403, 409, 422)},
        examples=_example(
            "Identity",
            _IDENTITY_EXAMPLE,
            request={"user": 5, "source": "greenhouse", "external_id": "gh-user-77"},
        ),
    ),
    partial_update=extend_schema(
        summary="Change an interviewer identity",
        description="Point it at another interviewer or change the id; the source stays. 409 "
        "interviewer_identity_exists.",
        request=InterviewerIdentityUpdateSerializer,
        responses={200: InterviewerIdentitySerializer, **errors(400, 404, 409)},
        examples=_example("Identity", _IDENTITY_EXAMPLE, request={"external_id": "gh-user-77"}),
    ),
    destroy=extend_schema(
        summary="Delete an interviewer identity",
        description="Your system can no longer name the interviewer by that id; the user stays.",
        request=None,
        responses={204: None, **errors(404)},
        examples=[OpenApiExample("Deleted", value=None, response_only=True, status_codes=["204"])],
    ),
)
class InterviewerIdentityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, HiringViewSet
):
    """Interviewer identities: an ATS's id for an interviewer, within its source."""

    required_scopes = {
        "GET": "interviewers:read",
        "POST": "interviewers:write",
        "PATCH": "interviewers:write",
        "DELETE": "interviewers:write",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = InterviewerIdentitySerializer
    filterset_class = InterviewerIdentityFilter
    visible_model = InterviewerIdentity
    since_parameters = ()
    ordering_fields = ["id"]

    def visible(self):
        return selectors.interviewer_identities_visible_to(actor=self.request.user)

    def create(self, request):
        data = validated_body(InterviewerIdentityCreateSerializer, request)
        identity = services.interviewer_identity_create(
            user=data["user"],
            source=write_source(request, data.get("source")),
            external_id=data["external_id"],
            actor=request.user,
        )
        return self.created(identity, InterviewerIdentitySerializer, "interviewer-identity-detail")

    def partial_update(self, request, pk=None):
        identity = self.get_object()
        data = validated_body(InterviewerIdentityUpdateSerializer, request)
        identity = services.interviewer_identity_update(identity=identity, **data, actor=request.user)
        return Response(InterviewerIdentitySerializer(identity).data)

    def destroy(self, request, pk=None):
        services.interviewer_identity_delete(identity=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


_router = SimpleRouter(trailing_slash=True)
_router.register("openings", OpeningViewSet, basename="opening")
_router.register("candidates", CandidateViewSet, basename="candidate")
_router.register("applications", ApplicationViewSet, basename="application")
_router.register("interviews", InterviewViewSet, basename="interview")
_router.register("decisions", DecisionViewSet, basename="decision")
_router.register("interviewers", InterviewerViewSet, basename="interviewer")
_router.register("interviewer-identities", InterviewerIdentityViewSet, basename="interviewer-identity")

api_urlpatterns = [
    path(
        "applications/<int:application_id>/decisions/",
        ApplicationDecisionViewSet.as_view({"get": "list", "post": "create"}),
        name="application-decisions",
    ),
    *_router.urls,
]
