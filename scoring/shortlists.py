"""Shortlists: ranked snapshots of an opening's candidates for its committee.

A shortlist is created pending with its parameters (role, order, filters),
then built by a task: stale scores of the opening are recomputed first, the
candidates are ranked by the engine and the entries saved. The order is by fit
(the posterior mean), by the lower bound of its 80% interval, or by the
probability of meeting every must-have bar; in every order, candidates clearly
below a bar come after all others (``engine.rank``). Once ready, a
shortlist never changes, so a committee reviews a list that does not move.
Completion is announced with a ``shortlist.ready`` event (the shortlist as the
API shows it), recorded in the transaction that saves the entries.
"""

import numpy as np
from django.db import transaction
from django.utils import timezone

from config.celery import enqueue_on_commit
from config.errors import ApplicationError
from hiring.models import Application, Opening
from integrations.events import event_emit
from scoring import engine, representations, services
from scoring.models import FitScore, Shortlist, ShortlistEntry

# engine.rank's rule, stated in every order's tie-break text.
_CLEARLY_BELOW = (
    f"Candidates clearly below a must-have bar (a probability of {engine.CLEAR_BELOW:.0%} or more of being "
    "below it) come after all others; candidates without a fit come last."
)
TIE_BREAK = {
    Shortlist.OrderBy.FIT: "Ranked by fit (the posterior mean). "
    f"{_CLEARLY_BELOW} Ties on fit are broken by the lower bound of the 80% interval, then by coverage, "
    "then by the earlier application.",
    Shortlist.OrderBy.LOWER: "Ranked by the lower bound of the 80% posterior interval. "
    f"{_CLEARLY_BELOW} Ties on the lower bound are broken by fit, then by coverage, "
    "then by the earlier application.",
    Shortlist.OrderBy.MEETS_BARS: "Ranked by the probability of meeting every must-have bar. "
    f"{_CLEARLY_BELOW} Ties on that probability are broken by fit, then by coverage, "
    "then by the earlier application.",
}
ORDERS_IN_WORDS = "'fit', 'lower' or 'meets_bars'"
# Shortlist.limit is a PostgreSQL integer: a larger number would be a database error, not a refusal.
MAX_SHORTLIST_LIMIT = 2**31 - 1


def _values(numbers) -> np.ndarray:
    """Floats for the engine, NaN where a stored value is empty."""
    return np.array([np.nan if value is None else value for value in numbers], dtype=float)


def shortlist_create(
    *,
    opening: Opening,
    user=None,
    order_by: str = Shortlist.OrderBy.FIT,
    min_coverage: float = 0.0,
    min_fit: float | None = None,
    stages: list[str] | None = None,
    limit: int | None = None,
) -> Shortlist:
    """Record a pending shortlist for the opening's role and enqueue its build (on commit).

    ``limit`` keeps the top N after ranking (all when empty). Bad parameters
    raise ApplicationError at their field and record nothing.
    """
    if order_by not in Shortlist.OrderBy.values:
        raise ApplicationError("invalid_order", f"Order by {ORDERS_IN_WORDS}.", field="order_by")
    if not 0 <= min_coverage <= 1:
        raise ApplicationError("invalid_filter", "Minimum coverage is between 0 and 1.", field="min_coverage")
    if min_fit is not None and not 0 <= min_fit <= 100:
        raise ApplicationError("invalid_filter", "Minimum fit is between 0 and 100.", field="min_fit")
    unknown = sorted(set(stages or []) - set(Application.Stage.values))
    if unknown:
        raise ApplicationError("invalid_filter", f"Unknown stage(s): {', '.join(unknown)}.", field="stages")
    if limit is not None and not 1 <= limit <= MAX_SHORTLIST_LIMIT:
        raise ApplicationError(
            "invalid_limit", f"Limit is a whole number from 1 to {MAX_SHORTLIST_LIMIT}.", field="limit"
        )
    with transaction.atomic():
        shortlist = Shortlist.objects.create(
            opening=opening,
            role_id=opening.role_id,
            order_by=order_by,
            min_coverage=min_coverage,
            min_fit=min_fit,
            stages=sorted(set(stages or [])),
            limit=limit,
            tie_break=TIE_BREAK[order_by],
            created_by=user,
        )
        enqueue_on_commit("scoring.shortlist_build", shortlist.pk)
    return shortlist


def shortlist_build(*, shortlist_id: int) -> int:
    """Build a pending shortlist's entries; returns their number. Idempotent: a ready one is left alone."""
    shortlist = Shortlist.objects.filter(pk=shortlist_id).select_related("opening").first()
    if shortlist is None or shortlist.status == Shortlist.Status.READY:
        return shortlist.entry_count if shortlist else 0
    # Rank on fresh scores: bring the opening's stale applications up to date first.
    stale = services.applications_stale(limit=1_000_000, opening_id=shortlist.opening_id)
    if len(stale) > 50:
        services.opening_recompute(opening_id=shortlist.opening_id)
    else:
        for application_id in stale:
            services.application_recompute(application_id=application_id)
    with transaction.atomic():
        shortlist = Shortlist.objects.select_for_update().get(pk=shortlist_id)
        if shortlist.status == Shortlist.Status.READY:
            return shortlist.entry_count
        applications = Application.objects.filter(opening_id=shortlist.opening_id)
        if shortlist.stages:
            applications = applications.filter(stage__in=shortlist.stages)
        scores = list(
            FitScore.objects.filter(application__in=applications)
            .select_related("role")
            .order_by("application_id")
        )
        by_application: dict[int, dict] = {}
        for score in scores:
            by_application.setdefault(score.application_id, {})[score.role.key] = score
        own_key = shortlist.role.key
        candidates = [
            (application_id, fits)
            for application_id, fits in by_application.items()
            if own_key in fits
            and fits[own_key].coverage >= shortlist.min_coverage
            and (
                shortlist.min_fit is None
                or (fits[own_key].fit is not None and fits[own_key].fit >= shortlist.min_fit)
            )
        ]
        own = [fits[own_key] for _, fits in candidates]
        order = engine.rank(
            _values(s.fit for s in own),
            _values(s.lower for s in own),
            np.array([s.coverage for s in own], dtype=float),
            np.array([application_id for application_id, _ in candidates], dtype=np.int64),
            by=shortlist.order_by,
            meets=_values(s.meets_bars_probability for s in own),
            gated=np.array([s.gated for s in own], dtype=bool),
        )
        if shortlist.limit is not None:
            order = order[: shortlist.limit]
        ShortlistEntry.objects.filter(shortlist=shortlist).delete()
        ShortlistEntry.objects.bulk_create(
            ShortlistEntry(
                shortlist=shortlist,
                rank=rank,
                application_id=candidates[index][0],
                fit=own[index].fit,
                lower=own[index].lower,
                upper=own[index].upper,
                coverage=own[index].coverage,
                gated=own[index].gated,
                below_bar=own[index].below_bar,
                below_bar_probability=own[index].below_bar_probability,
                meets_bars_probability=own[index].meets_bars_probability,
                consider_role_id=own[index].consider_role_id,
                fits={
                    key: {
                        "fit": s.fit,
                        "lower": s.lower,
                        "upper": s.upper,
                        "coverage": s.coverage,
                        "meets_bars_probability": s.meets_bars_probability,
                    }
                    for key, s in candidates[index][1].items()
                },
            )
            for rank, index in enumerate(order.tolist(), start=1)
        )
        shortlist.status = Shortlist.Status.READY
        shortlist.entry_count = len(order)
        shortlist.error = ""
        shortlist.completed_at = timezone.now()
        shortlist.save(update_fields=["status", "entry_count", "error", "completed_at"])
        event_emit(type="shortlist.ready", resource=representations.shortlist_resource(shortlist))
    return shortlist.entry_count


def shortlist_fail(*, shortlist_id: int, error: str) -> bool:
    """Mark a pending shortlist failed (its build gave up); returns False when it is gone or not pending.

    A ready shortlist is never marked failed, so a late failure of a redelivered
    build cannot spoil a snapshot another run completed.
    """
    with transaction.atomic():
        updated = Shortlist.objects.filter(pk=shortlist_id, status=Shortlist.Status.PENDING).update(
            status=Shortlist.Status.FAILED, error=error[:2000], completed_at=timezone.now()
        )
    return bool(updated)
