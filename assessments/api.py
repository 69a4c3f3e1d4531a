"""Read-only REST endpoints for roles, rubric versions and the hiring-need advisor."""

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from assessments import selectors
from assessments.advisor import advise, advisor_answers_clean
from config.errors import ApplicationError
from integrations.drf import ApiMixin, ApiReadOnlyViewSet, ApiView, errors


class SourceSerializer(serializers.Serializer):
    document = serializers.CharField(source="source_document")
    file = serializers.CharField(source="source_file")
    statement = serializers.CharField(source="source_statement")
    reasoning = serializers.CharField(source="source_reasoning")


class ProfileEntrySerializer(serializers.Serializer):
    area = serializers.CharField(source="area.key")
    area_name = serializers.CharField(source="area.name")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
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


@extend_schema_view(
    list=extend_schema(
        summary="List the roles",
        description="The three data roles with their profile (weights, expected levels, must-have "
        "minimums, each with its source) from the newest rubric version.",
        responses={200: RoleProfileSerializer(many=True), **errors()},
    ),
    retrieve=extend_schema(
        summary="Get a role",
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=None, description="e.g. ml_engineer")
        ],
        responses={200: RoleProfileSerializer, **errors(404)},
    ),
)
class RoleViewSet(ApiMixin, viewsets.ViewSet):
    """Roles with their profile and facts from the newest rubric version."""

    lookup_field = "key"
    required_scopes = {"GET": "roles:read"}

    def _profiles(self):
        version = selectors.rubric_version_current()
        return list(version.profiles.all()) if version else []

    def list(self, request):
        return Response(RoleProfileSerializer(self._profiles(), many=True).data)

    def retrieve(self, request, key=None):
        for profile in self._profiles():
            if profile.role.key == key:
                return Response(RoleProfileSerializer(profile).data)
        raise Http404


@extend_schema_view(
    list=extend_schema(
        summary="List rubric versions", responses={200: RubricVersionSerializer(many=True), **errors()}
    ),
    retrieve=extend_schema(
        summary="Get a rubric version with its areas, anchors and profiles",
        responses={200: RubricVersionDetailSerializer, **errors(404)},
    ),
)
class RubricVersionViewSet(ApiReadOnlyViewSet):
    """Rubric versions, newest first; a version's detail holds its areas, anchors and profiles."""

    required_scopes = {"GET": "roles:read"}
    pagination_class = None  # a handful of versions

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
    also_consider = serializers.ListField(child=serializers.CharField())
    reasons = ReasonSerializer(many=True)


class AdvisorView(ApiView):
    """Which role to hire first for a team's situation, with the quoted reasons.

    Answers come as query parameters named after the advisor's questions
    (``team_type``, ``primary_need``, ``has_data_science_team``, ``first_ml_product``).
    """

    required_scopes = {"GET": "roles:read"}

    @extend_schema(
        summary="Which role to hire first",
        parameters=[
            OpenApiParameter("team_type", str, description="e.g. startup, enterprise"),
            OpenApiParameter("primary_need", str, description="e.g. explore, production, both"),
            OpenApiParameter("has_data_science_team", OpenApiTypes.BOOL),
            OpenApiParameter("first_ml_product", OpenApiTypes.BOOL),
        ],
        responses={200: AdviceSerializer, **errors(400, 422, 503)},
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


_router = SimpleRouter(trailing_slash=True)
_router.register("roles", RoleViewSet, basename="role")
_router.register("rubric-versions", RubricVersionViewSet, basename="rubric-version")

api_urlpatterns = [
    path("advisor/", AdvisorView.as_view(), name="advisor"),
    *_router.urls,
]
