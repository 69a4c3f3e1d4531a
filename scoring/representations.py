"""The JSON fit scores and shortlists are shown as: API responses and webhook events share it.

Plain Python (no DRF), so services can put a resource into ``event_emit``
inside their transaction; ``scoring.serializers`` declares the same shapes for
the OpenAPI document and renders with these functions. Each function that
reads related rows names the loading it needs (``*_queryset``/``*_prefetch``),
so lists stay at a fixed number of queries. Who may see a resource is decided
before (selectors).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from scoring.models import ApplicationScoreState, FitScore, Shortlist, ShortlistEntry


def _iso(value: datetime | None) -> str | None:
    # As DRF's DateTimeField renders it: in the current time zone, UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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


def _must_have_fields(row) -> dict:
    """The must-have bars' posterior quantities of a fit score or shortlist entry."""
    return {
        "meets_bars_probability": _float(row.meets_bars_probability),
        "below_bar_probability": _probabilities(row.below_bar_probability),
        "gated": bool(row.gated),
        "below_bar": _strings(row.below_bar),
    }


# Fit scores ---------------------------------------------------------------------------


def fit_score_resource(score: FitScore) -> dict:
    """One role's fit from a stored FitScore row (``role`` and ``consider_role`` loaded)."""
    return {
        **_must_have_fields(score),
        "role": _key(score.role),
        "fit": _float(score.fit),
        "lower": _float(score.lower),
        "upper": _float(score.upper),
        "standard_error": _float(score.standard_error),
        "coverage": _float(score.coverage),
        "consider_role": _key(score.consider_role),
        "computed_at": _iso(score.computed_at),
    }


def application_fit_scores_prefetch(states: QuerySet[ApplicationScoreState]) -> QuerySet:
    """What ``application_fit_scores_resource`` reads: two queries for any number of items."""
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


def application_fit_scores_resource(state: ApplicationScoreState) -> dict:
    """An application's fit for every role, without the breakdown: one item of the sync list.

    Load it with ``application_fit_scores_prefetch``; a ``fit_scores.updated``
    event of one application carries this too.
    """
    return {
        "application": _int(state.application_id),
        "opening": _int(state.application.opening_id),
        "computed_at": _iso(state.computed_at),
        "roles": [fit_score_resource(score) for score in state.application.fit_scores.all()],
    }


def opening_fit_scores_event_resource(*, opening_id: int, applications: int, computed_at: datetime) -> dict:
    """A batch's ``fit_scores.updated`` event: the opening, its size and the page of its changes."""
    moment = _iso(computed_at)
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


def role_fit_report_resource(role) -> dict:
    """One role's fit with the per-area breakdown: a ``scoring.selectors.RoleFit``."""
    return {
        **_must_have_fields(role),
        "role": str(role.role),
        "fit": _float(role.fit),
        "lower": _float(role.lower),
        "upper": _float(role.upper),
        "standard_error": _float(role.standard_error),
        "coverage": _float(role.coverage),
        "consider_role": None if role.consider_role is None else str(role.consider_role),
        "computed_at": _iso(role.computed_at),
        "breakdown": [_area_contribution_resource(area) for area in role.breakdown],
    }


def fit_report_resource(report) -> dict:
    """GET /applications/{id}/fit-scores/: a ``scoring.selectors.FitReport`` (fit, breakdown, estimates)."""
    return {
        "application": _int(report.application),
        "opening": _int(report.opening),
        "scored": bool(report.scored),
        "computed_at": _iso(report.computed_at),
        "interval": _float(report.interval),
        "roles": [role_fit_report_resource(role) for role in report.roles],
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


def shortlist_resource(shortlist: Shortlist) -> dict:
    """A shortlist snapshot as the API shows it and ``shortlist.ready`` carries it (``role`` loaded)."""
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
        "created_at": _iso(shortlist.created_at),
        "completed_at": _iso(shortlist.completed_at),
        "status_url": shortlist_path(shortlist.pk),
        "entries_url": reverse("api:shortlist-entries", kwargs={"pk": shortlist.pk}),
    }


def shortlist_entries_prefetch(entries: QuerySet[ShortlistEntry]) -> QuerySet:
    """What ``shortlist_entry_resource`` reads, in the page's one query."""
    return entries.select_related("application__candidate", "consider_role")


def _interval(fit: dict | None) -> dict | None:
    if fit is None:
        return None
    return {
        key: _float(fit.get(key)) for key in ("fit", "lower", "upper", "coverage", "meets_bars_probability")
    }


def shortlist_entry_resource(entry: ShortlistEntry) -> dict:
    """A ranked candidate as the snapshot recorded them; load with ``shortlist_entries_prefetch``."""
    candidate = entry.application.candidate
    return {
        **_must_have_fields(entry),
        "rank": _int(entry.rank),
        "application": _int(entry.application_id),
        "candidate": {"id": _int(candidate.pk), "name": str(candidate.name)},
        "fit": _float(entry.fit),
        "lower": _float(entry.lower),
        "upper": _float(entry.upper),
        "coverage": _float(entry.coverage),
        "consider_role": _key(entry.consider_role),
        "fits": None if entry.fits is None else {str(key): _interval(fit) for key, fit in entry.fits.items()},
    }
