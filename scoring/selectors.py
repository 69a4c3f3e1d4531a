"""Reads of scoring results, shaped for pages and the API."""

from dataclasses import dataclass, field

import numpy as np

from hiring.models import Application
from scoring import engine
from scoring.models import ApplicationScoreState, FitScore
from scoring.services import rubric_matrices


@dataclass(frozen=True)
class AreaContribution:
    area: str
    weight: float
    expected_level: int
    minimum_level: int | None
    estimate: float | None
    standard_error: float | None
    n_ratings: int
    contribution: float | None
    below_bar: bool


@dataclass(frozen=True)
class RoleFit:
    role: str
    fit: float | None
    lower: float | None
    upper: float | None
    coverage: float
    gated: bool
    below_bar: list[str]
    consider_role: str | None
    computed_at: object
    breakdown: list[AreaContribution] = field(default_factory=list)


def application_fit_report(*, application: Application) -> list[RoleFit]:
    """Stored fit for every role with the per-area breakdown that explains it.

    The breakdown is derived from the stored estimates and the opening's rubric
    version (immutable once used) by the same engine function that produced the
    stored fit, so contributions add up to the fit before any must-have gate.
    Empty when the application has not been scored yet.
    """
    scores = list(
        FitScore.objects.filter(application=application)
        .select_related("role", "consider_role")
        .order_by("role__order")
    )
    state = ApplicationScoreState.objects.filter(application=application).first()
    if not scores or state is None:
        return []
    matrices = rubric_matrices(application.opening)
    estimates_row = np.full((1, len(matrices.area_keys)), np.nan)
    se_row = np.full_like(estimates_row, np.nan)
    counts = np.zeros_like(estimates_row, dtype=np.int64)
    for a, key in enumerate(matrices.area_keys):
        if key in state.estimates:
            estimates_row[0, a], se_row[0, a], counts[0, a] = state.estimates[key]
    fit = engine.fit_scores(engine.SkillEstimates(estimates_row, se_row, counts), matrices.profiles)
    role_index = {key: r for r, key in enumerate(matrices.role_keys)}
    profiles = matrices.profiles
    report = []
    for score in scores:
        r = role_index[score.role.key]
        breakdown = [
            AreaContribution(
                area=key,
                weight=float(profiles.weight[r, a]),
                expected_level=int(profiles.expected[r, a]),
                minimum_level=None if np.isnan(profiles.minimum[r, a]) else int(profiles.minimum[r, a]),
                estimate=None if np.isnan(estimates_row[0, a]) else float(estimates_row[0, a]),
                standard_error=None if np.isnan(se_row[0, a]) else float(se_row[0, a]),
                n_ratings=int(counts[0, a]),
                contribution=None
                if np.isnan(fit.contribution[0, r, a])
                else round(float(fit.contribution[0, r, a]), 2),
                below_bar=bool(fit.below_bar[0, r, a]),
            )
            for a, key in enumerate(matrices.area_keys)
        ]
        report.append(
            RoleFit(
                role=score.role.key,
                fit=score.fit,
                lower=score.lower,
                upper=score.upper,
                coverage=score.coverage,
                gated=score.gated,
                below_bar=score.below_bar,
                consider_role=score.consider_role.key if score.consider_role else None,
                computed_at=score.computed_at,
                breakdown=breakdown,
            )
        )
    return report
