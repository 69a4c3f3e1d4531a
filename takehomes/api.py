"""REST endpoints of take-homes (mounted under /api/v1/ by config/api.py): exercises and take-homes.

Reading needs ``take_homes:read``, sending ``take_homes:write``. What a caller sees comes
from ``takehomes.selectors``: a take-home of an application they may not see is a 404 and
absent from lists, and a grading report they may not read yet (an interviewer before
submitting their own scorecard) is ``null``. Sending writes to an application, so it
follows the application write endpoints' rules: the caller must see the application, and a
token must write its source (else 403 ``source_mismatch``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path, reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from hiring.filters import ScopedFilterSet
from hiring.models import Application
from hiring.selectors import applications_visible_to
from integrations.api.pagination import CursorPage
from integrations.api.validation import validated_body
from integrations.api.viewsets import (
    IDEMPOTENCY_KEY_PARAMETER,
    ApiGenericViewSet,
    errors,
    writable_source_check,
)
from integrations.filters import IdFilter
from integrations.identity import is_integration
from integrations.scopes import Scope
from integrations.serializers import StrictSerializer
from takehomes import selectors, services
from takehomes.models import Exercise, TakeHome
from takehomes.representations import exercise_resource, take_home_resources_for

TAKE_HOMES_READ = Scope.TAKE_HOMES_READ.value
TAKE_HOMES_WRITE = Scope.TAKE_HOMES_WRITE.value
MANUAL_SOURCE = "manual"


def source_of(request) -> str:
    """Who sends: the token's ATS, or 'manual' for people signed in."""
    return request.auth.source if is_integration(request.user) else MANUAL_SOURCE


# Serializers: the schema of what ``takehomes.representations`` renders ---------------------


class ExerciseSerializer(serializers.Serializer):
    """A published exercise version; rendered by ``takehomes.representations.exercise_resource``."""

    id = serializers.IntegerField()
    key = serializers.CharField(help_text="Names the exercise across its versions.")
    version = serializers.IntegerField()
    title = serializers.CharField()
    role = serializers.CharField(help_text="The role key it assesses, e.g. data_scientist.")
    task_type = serializers.ChoiceField(choices=Exercise.TaskType.choices)
    primary_metric = serializers.ChoiceField(choices=Exercise.Metric.choices)
    requires_model = serializers.BooleanField(help_text="The candidate also hands over an ONNX model.")
    budgets = serializers.DictField(
        help_text="The handover contract's budgets: a minimum for metrics, a maximum for the rest."
    )
    time_limit_hours = serializers.IntegerField(
        help_text="Hours the candidate has from first opening the link."
    )
    expiry_days = serializers.IntegerField(help_text="Days the link stays valid once sent.")
    published_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return exercise_resource(instance)


class CopyFlagSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="identical_predictions, identical_model or near_identical_predictions."
    )
    take_home = serializers.IntegerField(
        required=False, allow_null=True, help_text="The other take-home; null when it is not one you may see."
    )
    candidate = serializers.CharField(
        required=False, allow_null=True, help_text="Its candidate's name now; null with the take-home."
    )
    agreement = serializers.FloatField(required=False, help_text="Share of identical predictions.")


class GradingReportSerializer(serializers.Serializer):
    graded_at = serializers.DateTimeField()
    metrics = serializers.DictField(help_text="Measured on the hidden labels, with bootstrap intervals.")
    model_run = serializers.DictField(help_text="The model runner's measurements (empty without a model).")
    contract = serializers.DictField(help_text="Per contract item: claimed, measured and the verdict.")
    levels = serializers.DictField(help_text="Skill-area levels the grade evidences, with reasons.")
    flags = CopyFlagSerializer(many=True, help_text="Possible copies, for a person to look at.")
    scorecard = serializers.IntegerField(
        allow_null=True, help_text="The automated grader's submitted scorecard (id), if any area was mapped."
    )
    automated = serializers.BooleanField(help_text="Always true: measured by the grader, not a person.")


class TakeHomeSerializer(serializers.Serializer):
    """A take-home; rendered by ``takehomes.representations``, as in ``take_home.graded`` events."""

    id = serializers.IntegerField()
    url = serializers.CharField(help_text="This take-home's path in the API.")
    application = serializers.IntegerField()
    exercise = serializers.IntegerField(help_text="The exercise version (id) sent.")
    status = serializers.ChoiceField(choices=TakeHome.Status.choices)
    source = serializers.CharField(help_text="Who sent it: 'manual' or the ATS's name.")
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="The link is refused after this, opened or not.")
    opened_at = serializers.DateTimeField(allow_null=True)
    deadline_at = serializers.DateTimeField(allow_null=True, help_text="Opening plus the time limit.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    graded_at = serializers.DateTimeField(allow_null=True)
    report = GradingReportSerializer(
        allow_null=True,
        help_text="The grade, once graded and when you may read it: null before, and for an interviewer "
        "until they have submitted their own scorecard for the application.",
    )


class TakeHomeSendSerializer(StrictSerializer):
    exercise = serializers.PrimaryKeyRelatedField(
        queryset=Exercise.objects.filter(published_at__isnull=False),
        help_text="A published exercise version's id (GET /api/v1/exercises/).",
    )


class ExerciseFilter(ScopedFilterSet):
    role = filters.CharFilter(field_name="role__key", help_text="Role key, e.g. data_scientist.")

    class Meta:
        model = Exercise
        fields = ["role"]


class TakeHomeFilter(ScopedFilterSet):
    application = IdFilter(field_name="application_id", help_text="Application id.")
    status = filters.ChoiceFilter(choices=TakeHome.Status.choices)

    class Meta:
        model = TakeHome
        fields = ["application", "status"]


# Examples -----------------------------------------------------------------------------

_WHEN = "2026-03-02T09:30:00Z"
EXERCISE_EXAMPLE = {
    "id": 3,
    "key": "breast-cancer-ds",
    "version": 1,
    "title": "Flag malignant biopsies",
    "role": "data_scientist",
    "task_type": "binary",
    "primary_metric": "f1",
    "requires_model": False,
    "budgets": {"f1": 0.9},
    "time_limit_hours": 72,
    "expiry_days": 14,
    "published_at": _WHEN,
}
TAKE_HOME_EXAMPLE = {
    "id": 17,
    "url": "/api/v1/take-homes/17/",
    "application": 301,
    "exercise": 3,
    "status": "sent",
    "source": "greenhouse",
    "sent_at": _WHEN,
    "expires_at": "2026-03-16T09:30:00Z",
    "opened_at": None,
    "deadline_at": None,
    "submitted_at": None,
    "graded_at": None,
    "report": None,
}
GRADED_EXAMPLE = {
    **TAKE_HOME_EXAMPLE,
    "status": "graded",
    "opened_at": "2026-03-02T18:00:00Z",
    "deadline_at": "2026-03-05T18:00:00Z",
    "submitted_at": "2026-03-04T11:20:00Z",
    "graded_at": "2026-03-04T11:21:05Z",
    "report": {
        "graded_at": "2026-03-04T11:21:05Z",
        "metrics": {"f1": {"value": 0.947, "lower": 0.91, "upper": 0.975}},
        "model_run": {},
        "contract": {"f1": {"claimed": 0.95, "measured": 0.947, "verdict": "honest"}},
        "levels": {"ml_modelling": {"level": 4, "reason": "f1 0.947 (at least 0.94)"}},
        "flags": [],
        "scorecard": 912,
        "automated": True,
    },
}
APPLICATION_ID_PARAMETER = OpenApiParameter("application_id", int, OpenApiParameter.PATH)


def _example(name: str, value: dict, *, request: dict | None = None) -> list[OpenApiExample]:
    examples = [OpenApiExample(name, value=value, response_only=True)]
    if request is not None:
        examples.append(OpenApiExample(f"{name} (request)", value=request, request_only=True))
    return examples


# Views ------------------------------------------------------------------------------


class TakeHomeViewSetBase(mixins.ListModelMixin, ApiGenericViewSet):
    """Take-home lists, rendered for the caller (``take_home_resources_for``: reports they may read)."""

    pagination_class = CursorPage
    filter_backends = [filters.DjangoFilterBackend]
    serializer_class = TakeHomeSerializer
    lookup_value_regex = r"\d+"

    def visible(self):
        return selectors.take_homes_visible_to(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return TakeHome.objects.none()
        return self.visible()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(take_home_resources_for(request.user, page))


@extend_schema_view(
    list=extend_schema(
        summary="List exercises",
        description="The published exercise versions a take-home can send, filtered by role if asked.",
        responses={200: ExerciseSerializer(many=True), **errors(400)},
        examples=_example("Exercises", EXERCISE_EXAMPLE),
    ),
)
class ExerciseViewSet(mixins.ListModelMixin, ApiGenericViewSet):
    required_scopes = {"GET": TAKE_HOMES_READ}
    serializer_class = ExerciseSerializer
    pagination_class = CursorPage
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ExerciseFilter

    def get_queryset(self):
        return services.exercises_published()


@extend_schema_view(
    list=extend_schema(
        summary="List take-homes",
        description="The take-homes of applications you may see, newest first; each with its report once "
        "graded (null for an interviewer until they have submitted their own scorecard).",
        responses={200: TakeHomeSerializer(many=True), **errors(400)},
        examples=_example("Take-homes", GRADED_EXAMPLE),
    ),
    retrieve=extend_schema(
        summary="Get a take-home",
        description="Where it stands and, once graded, its grading report. 404 for a take-home of an "
        "application you may not see, as for one that does not exist.",
        responses={200: TakeHomeSerializer, **errors(404)},
        examples=_example("Graded take-home", GRADED_EXAMPLE),
    ),
)
class TakeHomeViewSet(mixins.RetrieveModelMixin, TakeHomeViewSetBase):
    required_scopes = {"GET": TAKE_HOMES_READ}
    filterset_class = TakeHomeFilter

    def retrieve(self, request, pk=None):
        return Response(take_home_resources_for(request.user, [self.get_object()])[0])


@extend_schema_view(
    list=extend_schema(
        summary="List an application's take-homes",
        description="The exercises sent to the application, newest first, each with its status and (once "
        "graded, if you may read it) its report.",
        parameters=[APPLICATION_ID_PARAMETER],
        responses={200: TakeHomeSerializer(many=True), **errors(400, 404)},
        examples=_example("Take-homes", TAKE_HOME_EXAMPLE),
    ),
    create=extend_schema(
        summary="Send a take-home exercise to an application",
        description="E-mails the candidate a single-use link to the exercise (201). Idempotent per "
        "application and exercise: sending the same exercise again answers 200 with the take-home already "
        "sent, and no second e-mail. An unknown or unpublished exercise is a 400 at `exercise`; an erased "
        "candidate 409 `candidate_erased`, one without an e-mail 400 `candidate_without_email`. A token "
        "sends only to applications of its own source (or those it shares): else 403 `source_mismatch`.",
        parameters=[APPLICATION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=TakeHomeSendSerializer,
        responses={201: TakeHomeSerializer, 200: TakeHomeSerializer, **errors(400, 404, 409, 422)},
        examples=_example("Take-home", TAKE_HOME_EXAMPLE, request={"exercise": 3}),
    ),
)
class ApplicationTakeHomeViewSet(TakeHomeViewSetBase):
    required_scopes = {"GET": TAKE_HOMES_READ, "POST": TAKE_HOMES_WRITE}

    def application(self, applications: QuerySet[Application]) -> Application:
        return get_object_or_404(applications, pk=self.kwargs["application_id"])

    def visible(self):
        # Reading follows the take-homes' visibility (interviewers read those they interview).
        application = self.application(selectors.take_home_applications_visible_to(self.request.user))
        return super().visible().filter(application=application)

    def create(self, request, application_id: int):
        # Sending writes to the application: the application write endpoints' rules.
        application = self.application(applications_visible_to(actor=request.user))
        writable_source_check(request, application.source)
        data = validated_body(TakeHomeSendSerializer, request)
        take_home, created = services.take_home_send(
            application=application, exercise=data["exercise"], actor=request.user, source=source_of(request)
        )
        take_home = self.visible().get(pk=take_home.pk)
        body = take_home_resources_for(request.user, [take_home])[0]
        if not created:
            return Response(body, status=status.HTTP_200_OK)
        location = reverse("api:take-home-detail", args=[take_home.pk])
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


_router = SimpleRouter(trailing_slash=True)
_router.register("exercises", ExerciseViewSet, basename="exercise")
_router.register("take-homes", TakeHomeViewSet, basename="take-home")

api_urlpatterns = [
    path(
        "applications/<int:application_id>/take-homes/",
        ApplicationTakeHomeViewSet.as_view({"get": "list", "post": "create"}),
        name="application-take-homes",
    ),
    *_router.urls,
]
