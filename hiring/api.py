"""REST endpoints of hiring (mounted under /api/v1/ by config/api.py).

Openings, candidates, applications, interviews and decisions. Views stay thin:
they validate input with a serializer, call one service or selector from
``hiring.services`` / ``hiring.selectors``, and serialise the answer. What a
caller sees comes from the selectors (``*_visible_to``); an object outside it
is a 404 and absent from lists.
"""

from __future__ import annotations

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
from hiring import selectors, services
from hiring.filters import ApplicationFilter, CandidateFilter, DecisionFilter, InterviewFilter, OpeningFilter
from hiring.models import Application, Candidate, Decision, Interview, Opening
from hiring.roles import is_integration
from integrations.drf import IDEMPOTENCY_KEY_PARAMETER, ApiGenericViewSet, errors
from integrations.pagination import CursorPage, UpdatedCursorPage
from integrations.serializers import AwareDateTimeField, StrictSerializer

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
        fields = ["id", "title", "role", "rubric_version", "status", "created_at", "updated_at"]
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

    def get_erased(self, candidate: Candidate) -> bool:
        return candidate.erased_at is not None


class CandidateWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    notes = serializers.CharField(required=False, allow_blank=True)


class CandidateCreateSerializer(CandidateWriteSerializer):
    external_id = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="Your id for the candidate, if any."
    )


class CandidateUpdateSerializer(CandidateWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(max_length=254, required=False)


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
    email = serializers.EmailField(required=False)
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

    def external_ref(self, request, source: str, external_id: str) -> dict:
        """The upsert's path, checked: a token writes only its own source (else 403 source_mismatch)."""
        if is_integration(request.user) and request.auth.source != source:
            raise ApplicationError(
                "source_mismatch",
                f"This token writes records of '{request.auth.source}', not '{source}'.",
                field="source",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        return _valid(ExternalRefSerializer, request, data={"source": source, "external_id": external_id})


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
)
class OpeningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    """Openings: committee members see those they sit on; recruiters and tokens all."""

    required_scopes = {"GET": "openings:read", "POST": "openings:write", "PATCH": "openings:write"}
    serializer_class = OpeningSerializer
    filterset_class = OpeningFilter
    visible_model = Opening

    def visible(self):
        return selectors.openings_visible_to(actor=self.request.user)

    def create(self, request):
        data = _valid(OpeningCreateSerializer, request)
        opening = services.opening_create_for_role(
            title=data["title"], role_key=data["role"], status=data["status"]
        )
        return self.created(self.visible().get(pk=opening.pk), OpeningSerializer, "opening-detail")

    def partial_update(self, request, pk=None):
        opening = services.opening_update(
            opening=self.get_object(), **_valid(OpeningUpdateSerializer, request)
        )
        return Response(OpeningSerializer(opening).data)


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
        data = _valid(CandidateCreateSerializer, request)
        candidate = services.candidate_create(source=source_of(request), **data)
        return self.created(candidate, CandidateSerializer, "candidate-detail")

    def partial_update(self, request, pk=None):
        data = _valid(CandidateUpdateSerializer, request)
        candidate = services.candidate_update(candidate=self.get_object(), **data)
        return Response(CandidateSerializer(candidate).data)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = _valid(CandidateWriteSerializer, request)
        candidate, created = services.candidate_upsert(**ref, **data)
        return Response(
            CandidateSerializer(candidate).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        candidate = services.candidate_erase(candidate=self.get_object(), actor=request.user)
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
        data = _valid(ApplicationCreateSerializer, request)
        application = services.application_create(source=source_of(request), **data)
        return self.created(
            self.visible().get(pk=application.pk), ApplicationSerializer, "application-detail"
        )

    def partial_update(self, request, pk=None):
        data = _valid(ApplicationUpdateSerializer, request)
        application = services.application_update(application=self.get_object(), **data)
        return Response(ApplicationSerializer(application).data)

    @action(detail=False, methods=["put"], url_path=r"external/(?P<source>[^/]+)/(?P<external_id>[^/]+)")
    def upsert(self, request, source: str, external_id: str):
        ref = self.external_ref(request, source, external_id)
        data = _valid(ApplicationUpsertSerializer, request, source=ref["source"])
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
)
class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, HiringViewSet):
    required_scopes = {"GET": "interviews:read", "POST": "interviews:write"}
    serializer_class = InterviewSerializer
    filterset_class = InterviewFilter
    visible_model = Interview
    since_parameters = ()
    ordering_fields = ["id", "scheduled_at", "created_at"]

    def visible(self):
        return selectors.interviews_visible_to(actor=self.request.user)

    def create(self, request):
        data = _valid(InterviewCreateSerializer, request, source=source_of(request))
        interview = services.interview_schedule(
            application=data["application"],
            kind=data["kind"],
            scheduled_at=data["scheduled_at"],
            duration_minutes=data["duration_minutes"],
            focus_area_keys=data["focus_areas"],
            interviewers=data["interviewers"],
        )
        return self.created(self.visible().get(pk=interview.pk), InterviewSerializer, "interview-detail")


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
        data = _valid(DecisionCreateSerializer, request)
        decision = services.decision_record(application=self.application(), actor=request.user, **data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class, request, *, data=None, **context) -> dict:
    """The validated body (or ``data``), or 400 with a message per field."""
    serializer = serializer_class(
        data=request.data if data is None else data, context={"request": request, **context}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


_router = SimpleRouter(trailing_slash=True)
_router.register("openings", OpeningViewSet, basename="opening")
_router.register("candidates", CandidateViewSet, basename="candidate")
_router.register("applications", ApplicationViewSet, basename="application")
_router.register("interviews", InterviewViewSet, basename="interview")
_router.register("decisions", DecisionViewSet, basename="decision")

api_urlpatterns = [
    path(
        "applications/<int:application_id>/decisions/",
        ApplicationDecisionViewSet.as_view({"get": "list", "post": "create"}),
        name="application-decisions",
    ),
    *_router.urls,
]
