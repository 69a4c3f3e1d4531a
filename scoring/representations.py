"""The JSON fit scores and shortlists are shown as: API responses and webhook events share it.

Plain Python (no DRF), so services can put a resource into ``event_emit``
inside their transaction; the API's views answer with these functions and
``scoring.serializers`` declares the same shapes for the OpenAPI document.
Each function that reads related rows names the loading it needs
(``*_rows``/``*_queryset``), so lists stay at a fixed number of queries. The
lists' items are read as plain rows (``QuerySet.values``): a page of them
costs no model instances and no prefetch. Who may see a resource is decided
before (selectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from hiring.representations import current_zone, iso_datetime
from scoring.models import ApplicationScoreState, FitScore, Shortlist, ShortlistEntry


def _float(value) -> float | None:
    return None if value is None else float(value)


def _int(value) -> int | None:
    return None if value is None else int(value)


def _probabilities(values: dict | None) -> dict[str, float | None] | None:
    if values is None:
        return None
    return {str(key): _float(value) for key, value in values.items()}


def _strings(values: list | None) -> list[str | None] | None:
    if values is None:
        return None
    return [None if value is None else str(value) for value in values]


def _key(role) -> str | None:
    return None if role is None else str(role.key)


def _str(value) -> str | None:
    return None if value is None else str(value)


def _must_have_fields(row) -> dict:
    """The must-have bars' posterior quantities of a ``scoring.selectors.RoleFit``."""
    return {
        "meets_bars_probability": _float(row.meets_bars_probability),
        "below_bar_probability": _probabilities(row.below_bar_probability),
        "gated": bool(row.gated),
        "below_bar": _strings(row.below_bar),
    }


def _must_have_columns(row: Mapping) -> dict:
    """The must-have bars' posterior quantities of a fit score's or shortlist entry's row."""
    return {
        "meets_bars_probability": _float(row["meets_bars_probability"]),
        "below_bar_probability": _probabilities(row["below_bar_probability"]),
        "gated": bool(row["gated"]),
        "below_bar": _strings(row["below_bar"]),
    }


# Fit scores ---------------------------------------------------------------------------


_FIT_SCORE_COLUMNS = (
    "application_id",
    "meets_bars_probability",
    "below_bar_probability",
    "gated",
    "below_bar",
    "role__key",
    "fit",
    "lower",
    "upper",
    "standard_error",
    "coverage",
    "consider_role__key",
    "computed_at",
)


def fit_score_rows(scores: QuerySet[FitScore]) -> QuerySet:
    """What ``fit_score_resource`` reads: plain rows with the role keys, each application's in role order."""
    return scores.order_by("application_id", "role__order").values(*_FIT_SCORE_COLUMNS)


def fit_score_resource(row: Mapping, zone: tzinfo | None = None) -> dict:
    """One role's fit from a row of ``fit_score_rows``; ``zone`` as for ``iso_datetime``."""
    return {
        **_must_have_columns(row),
        "role": _str(row["role__key"]),
        "fit": _float(row["fit"]),
        "lower": _float(row["lower"]),
        "upper": _float(row["upper"]),
        "standard_error": _float(row["standard_error"]),
        "coverage": _float(row["coverage"]),
        "consider_role": _str(row["consider_role__key"]),
        "computed_at": iso_datetime(row["computed_at"], zone),
    }


def application_fit_scores_rows(states: QuerySet[ApplicationScoreState]) -> QuerySet:
    """What ``application_fit_scores_resources`` reads of each state: a plain row, in the page's query."""
    return states.values("application_id", "application__opening_id", "computed_at")


def application_fit_scores_resources(
    states: Sequence[Mapping], fit_rows: Sequence[Mapping] | None = None
) -> list[dict]:
    """Applications' fit for every role, without the breakdown: items of the sync list.

    ``states`` are rows of ``application_fit_scores_rows``; their fit scores are
    read here, in one query for all of them, unless the caller has them as
    ``fit_score_rows`` would read them (``fit_rows``: the recompute that just
    wrote them). A ``fit_scores.updated`` event of one application carries its
    item too.
    """
    zone = current_zone()
    roles: dict[int, list[dict]] = defaultdict(list)
    if states and fit_rows is None:
        scores = FitScore.objects.filter(application_id__in=[state["application_id"] for state in states])
        fit_rows = fit_score_rows(scores)
    for row in fit_rows or ():
        roles[row["application_id"]].append(fit_score_resource(row, zone))
    return [
        {
            "application": _int(state["application_id"]),
            "opening": _int(state["application__opening_id"]),
            "computed_at": iso_datetime(state["computed_at"], zone),
            "roles": roles.get(state["application_id"], []),
        }
        for state in states
    ]


def opening_fit_scores_event_resource(*, opening_id: int, applications: int, computed_at: datetime) -> dict:
    """A batch's ``fit_scores.updated`` event: the opening, its size and the page of its changes."""
    moment = iso_datetime(computed_at)
    query = urlencode({"opening": opening_id, "updated_since": moment})
    return {
        "opening": opening_id,
        "applications": applications,
        "computed_at": moment,
        "fit_scores_url": f"{reverse('api:fit-score-list')}?{query}",
    }


def _area_contribution_resource(area) -> dict:
    return {
        "area": str(area.area),
        "weight": _float(area.weight),
        "expected_level": _int(area.expected_level),
        "minimum_level": _int(area.minimum_level),
        "assessed": bool(area.assessed),
        "estimate": _float(area.estimate),
        "standard_error": _float(area.standard_error),
        "n_ratings": _int(area.n_ratings),
        "contribution": _float(area.contribution),
        "below_bar_probability": _float(area.below_bar_probability),
        "below_bar": bool(area.below_bar),
    }


def role_fit_report_resource(role, zone: tzinfo | None = None) -> dict:
    """One role's fit with the per-area breakdown: a ``scoring.selectors.RoleFit``; ``zone`` as for
    ``iso_datetime``."""
    return {
        **_must_have_fields(role),
        "role": str(role.role),
        "fit": _float(role.fit),
        "lower": _float(role.lower),
        "upper": _float(role.upper),
        "standard_error": _float(role.standard_error),
        "coverage": _float(role.coverage),
        "consider_role": None if role.consider_role is None else str(role.consider_role),
        "computed_at": iso_datetime(role.computed_at, zone),
        "breakdown": [_area_contribution_resource(area) for area in role.breakdown],
    }


def fit_report_resource(report) -> dict:
    """GET /applications/{id}/fit-scores/: a ``scoring.selectors.FitReport`` (fit, breakdown, estimates)."""
    zone = current_zone()
    return {
        "application": _int(report.application),
        "opening": _int(report.opening),
        "scored": bool(report.scored),
        "computed_at": iso_datetime(report.computed_at, zone),
        "interval": _float(report.interval),
        "roles": [role_fit_report_resource(role, zone) for role in report.roles],
        "estimates": [
            {
                "area": str(estimate.area),
                "estimate": _float(estimate.estimate),
                "standard_error": _float(estimate.standard_error),
                "n_ratings": _int(estimate.n_ratings),
            }
            for estimate in report.estimates
        ],
    }


# Shortlists ---------------------------------------------------------------------------


def shortlist_path(shortlist_id: int) -> str:
    """Where the API shows a shortlist (its status)."""
    return reverse("api:shortlist-detail", kwargs={"pk": shortlist_id})


def shortlist_created_resource(shortlist: Shortlist) -> dict:
    """The 202 answer to a new shortlist: poll ``status_url`` until it is ready (or failed)."""
    return {
        "id": _int(shortlist.pk),
        "status": str(shortlist.status),
        "status_url": shortlist_path(shortlist.pk),
    }


def shortlist_resource(shortlist: Shortlist, zone: tzinfo | None = None) -> dict:
    """A shortlist snapshot as the API shows it and ``shortlist.ready`` carries it (``role`` loaded).

    ``zone`` as for ``iso_datetime``: a list looks it up once for all its items.
    """
    if zone is None:
        zone = current_zone()
    return {
        "id": _int(shortlist.pk),
        "opening": _int(shortlist.opening_id),
        "role": _key(shortlist.role),
        "status": str(shortlist.status),
        "error": str(shortlist.error),
        "parameters": {
            "order_by": str(shortlist.order_by),
            "min_coverage": _float(shortlist.min_coverage),
            "min_fit": _float(shortlist.min_fit),
            "stages": _strings(shortlist.stages),
            "limit": _int(shortlist.limit),
        },
        "tie_break": str(shortlist.tie_break),
        "entry_count": shortlist.entry_count if shortlist.status == Shortlist.Status.READY else None,
        "created_at": iso_datetime(shortlist.created_at, zone),
        "completed_at": iso_datetime(shortlist.completed_at, zone),
        "status_url": shortlist_path(shortlist.pk),
        "entries_url": reverse("api:shortlist-entries", kwargs={"pk": shortlist.pk}),
    }


def shortlist_entries_rows(entries: QuerySet[ShortlistEntry]) -> QuerySet:
    """What ``shortlist_entry_resource`` reads: plain rows with the candidate's name, in the page's query."""
    return entries.values(
        "rank",
        "application_id",
        "application__candidate_id",
        "application__candidate__name",
        "fit",
        "lower",
        "upper",
        "coverage",
        "gated",
        "below_bar",
        "below_bar_probability",
        "meets_bars_probability",
        "consider_role__key",
        "fits",
    )


def _interval(fit: dict | None) -> dict | None:
    if fit is None:
        return None
    return {
        key: _float(fit.get(key)) for key in ("fit", "lower", "upper", "coverage", "meets_bars_probability")
    }


def shortlist_entry_resource(entry: Mapping) -> dict:
    """A ranked candidate as the snapshot recorded them: a row of ``shortlist_entries_rows``."""
    fits = entry["fits"]
    return {
        **_must_have_columns(entry),
        "rank": _int(entry["rank"]),
        "application": _int(entry["application_id"]),
        "candidate": {
            "id": _int(entry["application__candidate_id"]),
            "name": str(entry["application__candidate__name"]),
        },
        "fit": _float(entry["fit"]),
        "lower": _float(entry["lower"]),
        "upper": _float(entry["upper"]),
        "coverage": _float(entry["coverage"]),
        "consider_role": _str(entry["consider_role__key"]),
        "fits": None if fits is None else {str(key): _interval(fit) for key, fit in fits.items()},
    }
