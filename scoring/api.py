"""REST endpoints of scoring (mounted under /api/v1/ by config/api.py): fit scores and shortlists.

Reading scores needs ``scores:read``; shortlists ``shortlists:read`` and
``shortlists:write``. Within the scope, integration tokens and recruiters see
every opening and committee members the openings they sit on: anything else
answers 404 and is absent from lists. Interviewers' role holds neither scope.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import _reverse_ordering
from rest_framework.response import Response

from hiring.representations import current_zone
from integrations.api.pagination import CursorPage
from integrations.api.validation import validated_body
from integrations.api.viewsets import (
    IDEMPOTENCY_KEY_PARAMETER,
    ApiMixin,
    ApiView,
    errors,
    writable_source_check,
)
from integrations.filters import utc_or_error
from integrations.identity import is_integration
from integrations.serializers import AwareDateTimeField
from scoring import representations, selectors
from scoring.models import Shortlist
from scoring.representations import shortlist_path
from scoring.serializers import (
    ApplicationFitScoresSerializer,
    FitReportSerializer,
    ShortlistCreatedSerializer,
    ShortlistEntrySerializer,
    ShortlistParametersSerializer,
    ShortlistSerializer,
)
from scoring.shortlists import TIE_BREAK, shortlist_create

# Examples -----------------------------------------------------------------------------

# One candidate throughout: rated in most of the ML engineer's areas, but nobody assessed cloud and
# containers, a must-have predicted from the other areas, hence a 27% chance of missing that bar.
_ROLE_FIT = {
    "role": "ml_engineer",
    "fit": 66.8,
    "lower": 45.1,
    "upper": 80.2,
    "standard_error": 13.9,
    "coverage": 0.82,
    "meets_bars_probability": 0.5833,
    "below_bar_probability": {
        "software_engineering": 0.03,
        "production_deployment": 0.1217,
        "mlops_monitoring": 0.06,
        "cloud_containers": 0.2731,
    },
    "gated": False,
    "below_bar": [],
    "consider_role": None,
    "computed_at": "2025-03-04T10:15:02.120000Z",
}
_DATA_SCIENTIST_FIT = {
    **_ROLE_FIT,
    "role": "data_scientist",
    "fit": 52.6,
    "lower": 33.9,
    "upper": 70.4,
    "standard_error": 14.2,
    "coverage": 0.71,
    "meets_bars_probability": 0.4253,
    "below_bar_probability": {
        "statistics_experimentation": 0.08,
        "exploratory_analysis": 0.21,
        "ml_modelling": 0.05,
        "problem_formulation": 0.3,
        "communication": 0.12,
    },
}
_FULL_STACK_FIT = {
    **_ROLE_FIT,
    "role": "full_stack_data_scientist",
    "fit": 70.2,
    "lower": 58.8,
    "upper": 79.0,
    "standard_error": 7.6,
    "coverage": 0.79,
    "meets_bars_probability": 0.8938,
    "below_bar_probability": {
        "software_engineering": 0.02,
        "ml_modelling": 0.05,
        "production_deployment": 0.04,
    },
}
_FIT_ITEM = {
    "application": 42,
    "opening": 7,
    "computed_at": "2025-03-04T10:15:02.120000Z",
    "roles": [_DATA_SCIENTIST_FIT, _ROLE_FIT, _FULL_STACK_FIT],
}


def _interval(fit: dict) -> dict:
    return {key: fit[key] for key in ("fit", "lower", "upper", "coverage", "meets_bars_probability")}


_SHORTLIST_ENTRY = {
    "rank": 1,
    "application": 42,
    "candidate": {"id": 31, "name": "Ada Lovelace"},
    **{
        key: _ROLE_FIT[key]
        for key in ("fit", "lower", "upper", "coverage", "meets_bars_probability", "below_bar_probability")
    },
    "gated": False,
    "below_bar": [],
    "consider_role": None,
    "fits": {fit["role"]: _interval(fit) for fit in _FIT_ITEM["roles"]},
}
_SHORTLIST = {
    "id": 12,
    "opening": 7,
    "role": "ml_engineer",
    "status": "ready",
    "error": "",
    "parameters": {"order_by": "lower", "min_coverage": 0.5, "min_fit": None, "stages": [], "limit": 20},
    "tie_break": TIE_BREAK[Shortlist.OrderBy.LOWER],
    "entry_count": 20,
    "created_at": "2025-03-04T10:20:00Z",
    "completed_at": "2025-03-04T10:20:03Z",
    "status_url": "/api/v1/shortlists/12/",
    "entries_url": "/api/v1/shortlists/12/entries/",
}


def _page(item: dict) -> dict:
    return {"next": "https://scores.example.com/api/v1/…?cursor=cD0y", "previous": None, "results": [item]}


# Pagination ---------------------------------------------------------------------------


class ComputedCursorPage(CursorPage):
    """Oldest computation first, by (computed_at, application id): what sync with ``updated_since`` walks.

    A batch gives every application of an opening the same ``computed_at``, so
    the cursor holds both values (a keyset): DRF's stock cursor keeps only the
    first and skips ties by offset, which would cost a scan per page in a
    100,000-candidate opening. It pages plain rows (``QuerySet.values``) holding both.
    """

    ordering = ("computed_at", "application_id")

    def _get_position_from_instance(self, instance, ordering):
        return f"{instance['computed_at'].isoformat()}|{instance['application_id']}"

    def _position_parse(self, position: str) -> tuple[datetime, int]:
        try:
            moment, key = position.split("|")
            parsed = datetime.fromisoformat(moment), int(key)
        except ValueError:
            raise self.invalid_cursor() from None
        if parsed[0].tzinfo is None or not 0 < parsed[1] < 2**63:
            raise self.invalid_cursor()
        return parsed

    def position_check(self, position: str) -> None:
        self._position_parse(position)

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's CursorPagination.paginate_queryset with a two-column position.
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, reverse, current_position = self.cursor or (0, False, None)
        queryset = queryset.order_by(*(_reverse_ordering(self.ordering) if reverse else self.ordering))
        if current_position is not None:
            moment, key = self._position_parse(current_position)
            if reverse:
                queryset = queryset.filter(computed_at__lte=moment).exclude(
                    computed_at=moment, application_id__gte=key
                )
            else:
                queryset = queryset.filter(computed_at__gte=moment).exclude(
                    computed_at=moment, application_id__lte=key
                )
        results = list(queryset[offset : offset + self.page_size + 1])
        self.page = results[: self.page_size]
        has_following = len(results) > len(self.page)
        following = self._get_position_from_instance(results[-1], self.ordering) if has_following else None
        if reverse:
            self.page = list(reversed(self.page))
            self.has_next = current_position is not None or offset > 0
            self.has_previous = has_following
            self.next_position = current_position if self.has_next else None
            self.previous_position = following
        else:
            self.has_next = has_following
            self.has_previous = current_position is not None or offset > 0
            self.next_position = following
            self.previous_position = current_position if self.has_previous else None
        return self.page


class RankCursorPage(CursorPage):
    """Best first: a shortlist's entries by rank."""

    ordering = "rank"


# Fit scores ---------------------------------------------------------------------------


class ApplicationFitScoresView(ApiView):
    required_scopes = {"GET": "scores:read"}

    @extend_schema(
        operation_id="application_fit_scores",
        summary="Get an application's fit for every role, with its breakdown",
        description="Fit to each of the three roles: the posterior mean (0-100) of the role's formula "
        "with its 80% posterior interval and posterior standard deviation, the coverage, the probability "
        "of meeting every must-have bar and, per must-have area, of being below it, and the 'consider "
        "for' role. Per area, the breakdown gives the weight, the skill's posterior mean and standard "
        "deviation, whether it was assessed (an area nobody rated counts at the model's prediction) and "
        "its contribution; plus the calibrated skill estimates of the assessed areas. Before the first "
        "computation `scored` is false and `roles` empty.",
        responses={200: FitReportSerializer, **errors(404)},
        examples=[
            OpenApiExample(
                "A scored application",
                value={
                    "application": 42,
                    "opening": 7,
                    "scored": True,
                    "computed_at": "2025-03-04T10:15:02.120000Z",
                    "interval": 0.8,
                    "roles": [
                        {
                            **_ROLE_FIT,
                            "breakdown": [
                                {
                                    "area": "production_deployment",
                                    "weight": 9.0,
                                    "expected_level": 5,
                                    "minimum_level": 4,
                                    "assessed": True,
                                    "estimate": 4.42,
                                    "standard_error": 0.36,
                                    "n_ratings": 2,
                                    "contribution": 9.14,
                                    "below_bar_probability": 0.1217,
                                    "below_bar": False,
                                },
                                {
                                    "area": "cloud_containers",
                                    "weight": 8.0,
                                    "expected_level": 4,
                                    "minimum_level": 3,
                                    "assessed": False,
                                    "estimate": 3.35,
                                    "standard_error": 0.58,
                                    "n_ratings": 0,
                                    "contribution": 5.94,
                                    "below_bar_probability": 0.2731,
                                    "below_bar": False,
                                },
                            ],
                        }
                    ],
                    "estimates": [
                        {
                            "area": "production_deployment",
                            "estimate": 4.42,
                            "standard_error": 0.36,
                            "n_ratings": 2,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
        report = selectors.application_fit_detail(application=application)
        return Response(representations.fit_report_resource(report))


class FitScoreQuerySerializer(serializers.Serializer):
    opening = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this opening's applications (recommended for sync)."
    )
    updated_since = AwareDateTimeField(
        required=False,
        help_text="Only fits computed at or after this moment (ISO 8601). Pass the `computed_at` of a "
        "`fit_scores.updated` event, or the newest `computed_at` you stored.",
    )

    def validate_updated_since(self, value):
        try:
            return utc_or_error(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class FitScoreListView(ApiMixin, generics.ListAPIView):
    required_scopes = {"GET": "scores:read"}
    serializer_class = ApplicationFitScoresSerializer
    pagination_class = ComputedCursorPage
    filter_backends: list = []

    def get_queryset(self):
        query = validated_body(FitScoreQuerySerializer, self.request, data=self.request.query_params)
        return selectors.fit_scores_visible_to(
            self.request.user, opening_id=query.get("opening"), updated_since=query.get("updated_since")
        )

    @extend_schema(
        operation_id="fit_scores_list",
        summary="List fit scores for incremental sync",
        description="One item per scored application (its fit for all three roles, no breakdown), oldest "
        "computation first, by `computed_at` then application id, in cursor pages. Sync an opening by "
        "paging `?opening=<id>&updated_since=<computed_at>` after a `fit_scores.updated` event: a batch "
        "recompute sends ONE event per opening, not one per application. Recomputations of one opening "
        "never overlap, so within an opening `computed_at` follows commit order; across openings keep a "
        "few minutes of overlap in `updated_since`, since a long batch commits after its `computed_at`. "
        "Items are re-sent whole, so applying one twice is harmless.",
        parameters=[FitScoreQuerySerializer],
        responses={200: ApplicationFitScoresSerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A page", value=_page(_FIT_ITEM), response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(representations.application_fit_scores_resources(page))


# Shortlists ---------------------------------------------------------------------------


class OpeningShortlistsView(ApiMixin, generics.GenericAPIView):
    required_scopes = {"GET": "shortlists:read", "POST": "shortlists:write"}
    serializer_class = ShortlistSerializer
    pagination_class = CursorPage  # newest first (-id)
    filter_backends: list = []

    def _opening(self, pk: int):
        return get_object_or_404(selectors.openings_visible_to(self.request.user), pk=pk)

    @extend_schema(
        operation_id="opening_shortlists_list",
        summary="List an opening's shortlists, newest first",
        responses={200: ShortlistSerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A page", value=_page(_SHORTLIST), response_only=True)],
    )
    def get(self, request, pk: int):
        opening = self._opening(pk)
        page = self.paginate_queryset(selectors.opening_shortlists(opening=opening))
        zone = current_zone()
        return self.get_paginated_response(
            [representations.shortlist_resource(shortlist, zone) for shortlist in page]
        )

    @extend_schema(
        operation_id="opening_shortlists_create",
        summary="Create a shortlist snapshot of the opening",
        description="Ranks the opening's candidates for its role in the background (stale scores are "
        "recomputed first) and answers 202 at once. Poll `status_url` (also in `Location`) until "
        "`status` is `ready` (or `failed`), or wait for the `shortlist.ready` webhook. Once ready a "
        "snapshot never changes. `order_by` is `fit` (the posterior mean), `lower` (the 80% posterior "
        "interval's lower bound) or `meets_bars` (the probability of meeting every must-have bar); in "
        "every order, candidates clearly below a must-have bar come after all others. Ties are broken "
        "deterministically; the rule is stated in `tie_break`.",
        parameters=[
            IDEMPOTENCY_KEY_PARAMETER,
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[202],
                description="Where to poll the shortlist's status, e.g. /api/v1/shortlists/12/.",
            ),
        ],
        request=ShortlistParametersSerializer,
        responses={202: ShortlistCreatedSerializer, **errors(400, 404, 413, 422)},
        examples=[
            OpenApiExample(
                "Top 20 by lower bound, well covered",
                value={"order_by": "lower", "min_coverage": 0.5, "stages": ["interviewing"], "limit": 20},
                request_only=True,
            ),
            OpenApiExample(
                "Most likely to meet every must-have",
                value={"order_by": "meets_bars", "min_coverage": 0.5, "limit": 10},
                request_only=True,
            ),
            OpenApiExample(
                "Accepted",
                value={"id": 12, "status": "pending", "status_url": "/api/v1/shortlists/12/"},
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request, pk: int):
        opening = self._opening(pk)
        writable_source_check(request, opening.source)
        shortlist = shortlist_create(
            opening=opening,
            user=None if is_integration(request.user) else request.user,
            **validated_body(ShortlistParametersSerializer, request),
        )
        return Response(
            representations.shortlist_created_resource(shortlist),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": shortlist_path(shortlist.pk)},
        )


class ShortlistDetailView(ApiView):
    required_scopes = {"GET": "shortlists:read"}

    @extend_schema(
        operation_id="shortlist_retrieve",
        summary="Get a shortlist's status and parameters",
        description="`status` is pending while the snapshot builds, then ready (entries at "
        "`entries_url`) or failed (`error` says so; create a new one).",
        responses={200: ShortlistSerializer, **errors(404)},
        examples=[OpenApiExample("A ready shortlist", value=_SHORTLIST, response_only=True)],
    )
    def get(self, request, pk: int):
        shortlist = get_object_or_404(selectors.shortlists_visible_to(request.user), pk=pk)
        return Response(representations.shortlist_resource(shortlist))


class ShortlistEntryListView(ApiMixin, generics.ListAPIView):
    required_scopes = {"GET": "shortlists:read"}
    serializer_class = ShortlistEntrySerializer
    pagination_class = RankCursorPage
    filter_backends: list = []

    def get_queryset(self):
        shortlists = selectors.shortlists_visible_to(self.request.user)
        shortlist = get_object_or_404(shortlists, pk=self.kwargs["pk"])
        return selectors.shortlist_entries(shortlist=shortlist)

    @extend_schema(
        operation_id="shortlist_entries_list",
        summary="List a shortlist's ranked entries, best first",
        description="Empty until the shortlist is ready. Each entry holds the candidate's fit to the "
        "shortlist's role (posterior mean) with its 80% posterior interval, coverage, the probability of "
        "meeting every must-have bar and of being below each, and flags, and the fit to every role, as "
        "the snapshot recorded them.",
        responses={200: ShortlistEntrySerializer(many=True), **errors(400, 404)},
        examples=[
            OpenApiExample(
                "A page",
                value=_page(_SHORTLIST_ENTRY),
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            [representations.shortlist_entry_resource(entry) for entry in page]
        )


api_urlpatterns = [
    path(
        "applications/<int:pk>/fit-scores/", ApplicationFitScoresView.as_view(), name="application-fit-scores"
    ),
    path("fit-scores/", FitScoreListView.as_view(), name="fit-score-list"),
    path("openings/<int:pk>/shortlists/", OpeningShortlistsView.as_view(), name="opening-shortlists"),
    path("shortlists/<int:pk>/", ShortlistDetailView.as_view(), name="shortlist-detail"),
    path("shortlists/<int:pk>/entries/", ShortlistEntryListView.as_view(), name="shortlist-entries"),
]
