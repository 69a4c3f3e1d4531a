"""Reads of scoring results, shaped for pages and the API, filtered by who asks.

Visibility follows ``hiring.roles.opening_ids_visible_to``: integration tokens
and recruiters see every opening, committee members the openings they sit on.
Whether someone may read scores at all is the API's scope check.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from hiring.models import Application, Opening
from hiring.roles import opening_ids_visible_to
from scoring import engine
from scoring.models import ApplicationScoreState, FitScore, Shortlist, ShortlistEntry
from scoring.representations import application_fit_scores_rows, shortlist_entries_rows
from scoring.services import rubric_matrices


@dataclass(frozen=True)
class AreaContribution:
    """One area's part of a role's fit: its skill posterior, contribution and must-have bar.

    ``estimate`` and ``standard_error`` are the posterior mean and sd of the
    skill. With ``n_ratings`` 0 nobody assessed the area: the estimate is the
    model's prediction (the population moved by the candidate's other areas),
    not a measurement. ``below_bar_probability`` is None where the role sets
    no bar on the area.
    """

    area: str
    weight: float
    expected_level: int
    minimum_level: int | None
    estimate: float | None
    standard_error: float | None
    n_ratings: int
    contribution: float | None
    below_bar: bool
    below_bar_probability: float | None = None

    @property
    def assessed(self) -> bool:
        return self.n_ratings > 0


@dataclass(frozen=True)
class RoleFit:
    role: str
    fit: float | None
    lower: float | None
    upper: float | None
    standard_error: float | None
    coverage: float
    gated: bool
    below_bar: list[str]
    consider_role: str | None
    meets_bars_probability: float | None
    computed_at: object
    breakdown: list[AreaContribution] = field(default_factory=list)
    below_bar_probability: dict[str, float] = field(default_factory=dict)


def _score_state(application: Application) -> ApplicationScoreState | None:
    """The application's score state: the one loaded with it (``select_related``), else read now."""
    if Application.score_state.is_cached(application):
        return getattr(application, "score_state", None)  # None when it has none (no query either way)
    return ApplicationScoreState.objects.filter(application=application).first()


def application_fit_report(*, application: Application) -> list[RoleFit]:
    """Stored fit for every role with the per-area breakdown that explains it.

    The breakdown is derived from the stored estimates and the opening's rubric
    version (immutable once used) by the same engine function that produced the
    stored fit, so contributions add up to the formula's posterior mean before
    the must-have gate. Every area contributes, an unassessed one (no ratings)
    at the model's prediction. The probabilities of being below each bar are the
    stored ones, so the breakdown agrees with the role's ``below_bar_probability``.
    Empty when the application has not been scored yet.
    """
    scores = list(
        FitScore.objects.filter(application=application)
        .select_related("role", "consider_role")
        .order_by("role__order")
    )
    state = _score_state(application)
    if not scores or state is None:
        return []
    matrices = rubric_matrices(application.opening)
    n_areas = len(matrices.area_keys)
    estimates_row = np.full((1, n_areas), np.nan)
    se_row = np.full_like(estimates_row, np.nan)
    counts = np.zeros_like(estimates_row, dtype=np.int64)
    for a, key in enumerate(matrices.area_keys):
        if key in state.estimates:
            estimates_row[0, a], se_row[0, a], counts[0, a] = state.estimates[key]
    known = ~np.isnan(estimates_row)
    # The breakdown needs only each area's posterior marginal, which the state stores.
    value, _, _ = engine.expected_credit(
        np.where(known, estimates_row, 1.0), np.where(known, se_row, 1.0), matrices.profiles
    )
    total = matrices.profiles.weight.sum(axis=1)
    contribution = np.where(
        known[:, None, :], 100.0 * matrices.profiles.weight[None] * value / total[None, :, None], np.nan
    )
    below = engine.below_probability(
        np.where(known, estimates_row, 1.0), np.where(known, se_row, 1.0), matrices.profiles
    )
    below = np.where(known[:, None, :], below, np.nan)
    role_index = {key: r for r, key in enumerate(matrices.role_keys)}
    profiles = matrices.profiles
    report = []
    for score in scores:
        r = role_index[score.role.key]
        # The stored probabilities where there are any (the role-level figures come from them),
        # so the breakdown and the role's own numbers agree to the last digit.
        stored_below = score.below_bar_probability or {}
        breakdown = []
        for a, key in enumerate(matrices.area_keys):
            probability = stored_below.get(key)
            if probability is None and not np.isnan(below[0, r, a]):
                probability = round(float(below[0, r, a]), 4)
            breakdown.append(
                AreaContribution(
                    area=key,
                    weight=float(profiles.weight[r, a]),
                    expected_level=int(profiles.expected[r, a]),
                    minimum_level=None if np.isnan(profiles.minimum[r, a]) else int(profiles.minimum[r, a]),
                    estimate=None if np.isnan(estimates_row[0, a]) else float(estimates_row[0, a]),
                    standard_error=None if np.isnan(se_row[0, a]) else float(se_row[0, a]),
                    n_ratings=int(counts[0, a]),
                    contribution=None
                    if np.isnan(contribution[0, r, a])
                    else round(float(contribution[0, r, a]), 2),
                    below_bar=key in score.below_bar,
                    below_bar_probability=probability,
                )
            )
        report.append(
            RoleFit(
                role=score.role.key,
                fit=score.fit,
                lower=score.lower,
                upper=score.upper,
                standard_error=score.standard_error,
                coverage=score.coverage,
                gated=score.gated,
                below_bar=score.below_bar,
                consider_role=score.consider_role.key if score.consider_role else None,
                meets_bars_probability=score.meets_bars_probability,
                computed_at=score.computed_at,
                breakdown=breakdown,
                below_bar_probability=stored_below,
            )
        )
    return report


@dataclass(frozen=True)
class SkillEstimate:
    area: str
    estimate: float
    standard_error: float
    n_ratings: int


@dataclass(frozen=True)
class FitReport:
    application: int
    opening: int
    scored: bool
    computed_at: datetime | None
    interval: float
    roles: list[RoleFit]
    estimates: list[SkillEstimate]


def application_fit_detail(*, application: Application) -> FitReport:
    """The fit report with the calibrated estimates of the assessed areas, in the rubric's area order.

    Areas nobody rated stay out of ``estimates`` (their posterior is a
    prediction, shown in each role's breakdown with ``n_ratings`` 0).
    """
    roles = application_fit_report(application=application)
    areas = roles[0].breakdown if roles else []
    return FitReport(
        application=application.pk,
        opening=application.opening_id,
        scored=bool(roles),
        computed_at=roles[0].computed_at if roles else None,
        interval=0.8,
        roles=roles,
        estimates=[
            SkillEstimate(area.area, area.estimate, area.standard_error, area.n_ratings)
            for area in areas
            if area.estimate is not None and area.assessed
        ],
    )


def application_scored() -> Exists:
    """Whether an application (the outer query's row) is scored: every page's one meaning of the word.

    Scored means it has a fit for its opening's role, so at least one of the
    role's areas has a submitted rating. An application whose scores were
    computed before anyone rated it holds an empty fit with 0% coverage: it is
    not scored. Use as ``Application.objects.filter(application_scored())``
    or ``.annotate(scored=application_scored())``.
    """
    return Exists(
        FitScore.objects.filter(application=OuterRef("pk"), role=OuterRef("opening__role"), fit__isnull=False)
    )


def shortlists_numbered(shortlists: QuerySet[Shortlist]) -> QuerySet[Shortlist]:
    """``shortlists`` annotated with ``number``: the snapshot's place among its opening's snapshots
    by creation (1 for the opening's first), the number every page shows. In the same query."""
    earlier = (
        Shortlist.objects.filter(opening=OuterRef("opening"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("opening")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return shortlists.annotate(number=Subquery(earlier, output_field=IntegerField()))


def _visible(queryset: QuerySet, actor, opening_path: str) -> QuerySet:
    opening_ids = opening_ids_visible_to(actor)
    return queryset if opening_ids is None else queryset.filter(**{f"{opening_path}__in": opening_ids})


def openings_visible_to(actor) -> QuerySet[Opening]:
    return _visible(Opening.objects.all(), actor, "pk")


def applications_visible_to(actor) -> QuerySet[Application]:
    """Applications with what their fit report reads besides the fit rows (opening, score state)."""
    return _visible(Application.objects.select_related("opening", "score_state"), actor, "opening_id")


def fit_scores_visible_to(
    actor, *, opening_id: int | None = None, updated_since: datetime | None = None
) -> QuerySet[ApplicationScoreState]:
    """One row per scored application the actor may see, as the sync list reads it: plain rows of
    ``representations.application_fit_scores_rows``, rendered with ``application_fit_scores_resources``."""
    states = _visible(
        ApplicationScoreState.objects.filter(computed_at__isnull=False), actor, "application__opening_id"
    )
    if opening_id is not None:
        states = states.filter(application__opening_id=opening_id)
    if updated_since is not None:
        states = states.filter(computed_at__gte=updated_since)
    return application_fit_scores_rows(states)


def shortlists_visible_to(actor, *, opening_id: int | None = None) -> QuerySet[Shortlist]:
    shortlists = _visible(Shortlist.objects.select_related("role"), actor, "opening_id")
    return shortlists if opening_id is None else shortlists.filter(opening_id=opening_id)


def opening_shortlists(*, opening: Opening) -> QuerySet[Shortlist]:
    """An opening's shortlists with their roles (the caller has seen the opening, so may see them)."""
    return Shortlist.objects.select_related("role").filter(opening=opening)


def shortlist_entries(*, shortlist: Shortlist) -> QuerySet:
    """A snapshot's entries as the API shows them, plain rows of ``representations.shortlist_entries_rows``
    (the caller has already seen the shortlist)."""
    return shortlist_entries_rows(ShortlistEntry.objects.filter(shortlist=shortlist))


def openings_for_review(user) -> QuerySet[Opening]:
    """Openings ``user`` may review: recruiters all, committee members theirs, anyone else none."""
    visible = opening_ids_visible_to(user)
    openings = Opening.objects.select_related("role", "rubric_version")
    return openings if visible is None else openings.filter(pk__in=visible)


def opening_for_review(user, pk: int) -> Opening:
    """The opening, or Http404 when it does not exist or ``user`` may not review it."""
    return get_object_or_404(openings_for_review(user), pk=pk)


def application_for_review(user, pk: int) -> Application:
    """The application (with candidate and opening), or Http404 unless ``user`` may review its opening."""
    return get_object_or_404(
        Application.objects.select_related("candidate", "opening__role", "opening__rubric_version").filter(
            opening__in=openings_for_review(user)
        ),
        pk=pk,
    )
