"""The scoring engine: calibrated skill estimates and role fit. Pure NumPy, no Django.

Inputs are integer-coded arrays (candidate, skill area, interviewer, level)
of every submitted, assessed rating of an opening, and the role profiles as
(role x area) matrices. Everything is vectorised: the work grows with the
number of ratings, and no Python loop runs per candidate.

1. Interviewer leniency (``estimate_rater_offsets``)
   Additive model: a rating y = theta[c, a] + delta[r] + e, e ~ N(0, sigma^2),
   where theta[c, a] is candidate c's skill in area a and delta[r] interviewer
   r's leniency (positive: rates high). The fixed effects are fitted by
   alternating least squares on the cells rated by two or more different
   interviewers (only they separate skill from leniency), with the weighted
   mean offset held at zero:

       theta[c, a] = mean over the cell of (y - delta[r])
       delta[r]    = mean over r's co-rated ratings of (y - theta[c, a])

   The raw offset's standard error is SE[r] = sigma / sqrt(n_eff[r]), where
   n_eff[r] sums (1 - 1/k) over r's co-rated ratings in cells of k distinct
   interviewers, and sigma^2 is the residual variance of the co-rated cells.
   Offsets are then shrunk toward zero by empirical Bayes:

       tau^2  = max(0, mean(raw^2) - mean(SE^2))      (spread of true offsets)
       B[r]   = SE[r]^2 / (tau^2 + SE[r]^2)
       delta[r] = (1 - B[r]) * raw[r],   posterior variance (1 - B[r]) * SE[r]^2

   An interviewer with few co-rated ratings has a large SE, so B is near 1
   and the offset near zero: we do not correct what we cannot measure.

2. Skill estimates (``estimate_skills``)
   theta_hat[c, a] = mean over the cell's n ratings of (y - delta[r]), with
   Var = sigma_w^2 / n + sum(var(delta[r])) / n^2, where sigma_w^2 is the
   rating noise (the residual variance, or a default when too few ratings
   overlap to measure it). An area nobody assessed is NaN: missing, not zero.

3. Fit (``fit_scores``)
   For role R with weight w[a], expected level e[a] and optional minimum m[a],
   an assessed area scores u[a] = clip((theta[a] - 1) / (e[a] - 1), 0, 1):
   the share of the way from level 1 to the expected level (1 when e[a] = 1).
   Over the assessed areas O:

       fit      = 100 * sum_O w[a] u[a] / sum_O w[a]
       coverage = sum_O w[a] / sum_all w[a]
       SE(fit)  = 100 * sqrt(sum_O w[a]^2 (SE[a] / (e[a] - 1))^2) / sum_O w[a]
       80% interval = fit -/+ 1.2816 * SE(fit), within [0, 100]

   contribution[a] = 100 * w[a] u[a] / sum_O w[a] explains the number (the
   contributions add up to the fit before any gate). A must-have is a gate,
   not a weight: an assessed area below its minimum flags the candidate and
   multiplies fit and interval by ``GATE_FACTOR`` (0.5), so a candidate below
   a bar never scores above 50 yet keeps their order among such candidates.
   Fit is NaN when no area of the role was assessed (coverage 0).

``consider_for`` flags a candidate whose fit for another role is clearly
higher: at least ``CONSIDER_MARGIN`` points above the opening role's fit, that
role's whole interval above the opening role's fit, and coverage >= 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z80 = 1.2815515655446004  # two-sided 80% normal quantile
GATE_FACTOR = 0.5
GATE_CAP = 100.0 * GATE_FACTOR
CONSIDER_MARGIN = 10.0
CONSIDER_MIN_COVERAGE = 0.5
DEFAULT_SIGMA = 0.7  # rating noise on the 1-5 scale when too few ratings overlap to measure it


@dataclass(frozen=True)
class Ratings:
    """Submitted ratings as parallel arrays of indices and levels (one entry per rating)."""

    candidate: np.ndarray
    area: np.ndarray
    rater: np.ndarray
    level: np.ndarray
    n_candidates: int
    n_areas: int
    n_raters: int

    @classmethod
    def from_arrays(cls, candidate, area, rater, level, *, n_candidates, n_areas, n_raters) -> Ratings:
        ratings = cls(
            np.asarray(candidate, dtype=np.int64),
            np.asarray(area, dtype=np.int64),
            np.asarray(rater, dtype=np.int64),
            np.asarray(level, dtype=np.float64),
            int(n_candidates),
            int(n_areas),
            int(n_raters),
        )
        ratings.validate()
        return ratings

    def validate(self) -> None:
        n = len(self.level)
        if not (len(self.candidate) == len(self.area) == len(self.rater) == n):
            raise ValueError("rating arrays differ in length")
        for name, values, bound in (
            ("candidate", self.candidate, self.n_candidates),
            ("area", self.area, self.n_areas),
            ("rater", self.rater, self.n_raters),
        ):
            if n and (values.min() < 0 or values.max() >= bound):
                raise ValueError(f"{name} index out of range")
        if n and (np.isnan(self.level).any() or self.level.min() < 1 or self.level.max() > 5):
            raise ValueError("levels must be within 1-5")

    @property
    def cell(self) -> np.ndarray:
        return self.candidate * self.n_areas + self.area


@dataclass(frozen=True)
class Profiles:
    """Role profiles as (role x area) matrices; ``minimum`` is NaN where there is no bar."""

    roles: tuple[str, ...]
    weight: np.ndarray
    expected: np.ndarray
    minimum: np.ndarray

    @classmethod
    def from_arrays(cls, roles, weight, expected, minimum) -> Profiles:
        weight = np.asarray(weight, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        minimum = np.asarray(minimum, dtype=np.float64)
        if not (weight.shape == expected.shape == minimum.shape) or weight.shape[0] != len(roles):
            raise ValueError("profile matrices must be (roles x areas)")
        if (weight < 0).any() or (expected < 1).any() or (expected > 5).any():
            raise ValueError("weights must be >= 0 and expected levels within 1-5")
        return cls(tuple(roles), weight, expected, minimum)


@dataclass(frozen=True)
class RaterOffsets:
    offset: np.ndarray  # shrunk leniency offsets, used for correction
    se: np.ndarray  # posterior standard error of ``offset``
    raw: np.ndarray  # unshrunk least-squares offsets
    raw_se: np.ndarray
    n_ratings: np.ndarray  # all ratings by the interviewer
    n_corated: np.ndarray  # ratings in cells another interviewer also rated
    sigma: float  # rating noise estimate
    tau: float  # spread of true offsets

    @classmethod
    def zero(cls, n_raters: int, sigma: float = DEFAULT_SIGMA) -> RaterOffsets:
        zeros = np.zeros(n_raters)
        return cls(
            zeros,
            zeros.copy(),
            zeros.copy(),
            np.full(n_raters, np.inf),
            zeros.astype(np.int64),
            zeros.astype(np.int64),
            sigma,
            0.0,
        )


@dataclass(frozen=True)
class SkillEstimates:
    estimate: np.ndarray  # (candidates x areas), NaN where not assessed
    se: np.ndarray
    n_ratings: np.ndarray


@dataclass(frozen=True)
class Fit:
    fit: np.ndarray  # (candidates x roles), NaN where coverage is 0
    lower: np.ndarray
    upper: np.ndarray
    se: np.ndarray
    coverage: np.ndarray
    below_bar: np.ndarray  # (candidates x roles x areas) bool
    gated: np.ndarray  # (candidates x roles) bool
    contribution: np.ndarray  # (candidates x roles x areas), NaN where not assessed


def _group_mean(keys: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(keys, minlength=size)
    sums = np.bincount(keys, weights=values, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts, counts


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for integer keys by sorting (faster than its hashing path on large inputs)."""
    ordered = np.sort(values, kind="stable")
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _compact(keys: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Renumber integer keys in [0, size) to 0..n-1 over the keys that occur."""
    present = np.bincount(keys, minlength=size) > 0
    renumber = np.cumsum(present) - 1
    return renumber[keys], int(present.sum())


def _least_squares_offsets(
    cell: np.ndarray, rater: np.ndarray, y: np.ndarray, n_cells: int, n_raters: int, rater_counts: np.ndarray
) -> np.ndarray:
    """Solve the normal equations for the offsets with the cell effects eliminated.

    Minimising sum (y - theta[cell] - delta[rater])^2 over theta gives
    theta[cell] = mean(y - delta) in the cell, and leaves L delta = b with
    L = diag(n_r) - M^T diag(1 / n_cell) M (M: ratings per cell and rater) and
    b[r] = sum over r's ratings of (y - mean y of the cell). L is a small
    (raters x raters) Laplacian, singular along "add a constant to every
    offset"; the pseudo-inverse picks the solution with zero mean, and a
    disconnected design gets zero mean within each connected group.
    """
    from scipy import sparse

    cell_mean, cell_counts = _group_mean(cell, y, n_cells)
    b = np.bincount(rater, weights=y - cell_mean[cell], minlength=n_raters)
    counts = sparse.coo_matrix((np.ones(len(y)), (cell, rater)), shape=(n_cells, n_raters)).tocsr()
    scaled = sparse.diags(1.0 / cell_counts) @ counts
    laplacian = np.diag(rater_counts) - (counts.T @ scaled).toarray()
    delta = np.linalg.pinv(laplacian, hermitian=True) @ b
    active = rater_counts > 0
    delta[~active] = 0.0
    delta[active] -= np.average(delta[active], weights=rater_counts[active])
    return delta


def estimate_rater_offsets(ratings: Ratings) -> RaterOffsets:
    """Leniency offset per interviewer with its uncertainty (see the module docstring)."""
    n_raters = ratings.n_raters
    n_ratings = np.bincount(ratings.rater, minlength=n_raters)
    if len(ratings.level) == 0:
        return RaterOffsets.zero(n_raters)

    # Cells rated by two or more distinct interviewers carry the information.
    cell = ratings.cell
    n_cells_all = ratings.n_candidates * ratings.n_areas
    distinct_pairs = _sorted_unique(cell * n_raters + ratings.rater)
    distinct_raters = np.bincount(distinct_pairs // n_raters, minlength=n_cells_all)
    k_all = distinct_raters[cell]
    corated = k_all >= 2
    n_corated = np.bincount(ratings.rater[corated], minlength=n_raters)
    if not corated.any():
        return RaterOffsets.zero(n_raters)

    y = ratings.level[corated]
    rater = ratings.rater[corated]
    sub_index, n_cells = _compact(cell[corated], n_cells_all)
    rater_counts = np.bincount(rater, minlength=n_raters).astype(np.float64)
    active = rater_counts > 0

    delta = _least_squares_offsets(sub_index, rater, y, n_cells, n_raters, rater_counts)
    theta, _ = _group_mean(sub_index, y - delta[rater], n_cells)
    residual = y - theta[sub_index] - delta[rater]
    dof = len(y) - n_cells - (int(active.sum()) - 1)
    sigma = float(np.sqrt(np.sum(residual**2) / dof)) if dof > 0 else DEFAULT_SIGMA
    sigma = max(sigma, 0.05)  # perfect agreement still leaves rounding noise

    # Effective information per interviewer: (1 - 1/k) per co-rated rating in a cell of k raters.
    k = k_all[corated].astype(np.float64)
    n_eff = np.bincount(rater, weights=1.0 - 1.0 / k, minlength=n_raters)
    with np.errstate(divide="ignore"):
        raw_se = np.where(n_eff > 0, sigma / np.sqrt(np.maximum(n_eff, 1e-12)), np.inf)

    measured = np.isfinite(raw_se)
    if measured.sum() >= 2:
        tau2 = max(0.0, float(np.mean(delta[measured] ** 2) - np.mean(raw_se[measured] ** 2)))
    else:
        tau2 = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(measured, raw_se**2 / (tau2 + raw_se**2), 1.0)
    offset = (1.0 - shrink) * delta
    finite_se = np.where(measured, raw_se, 0.0)
    posterior_var = (1.0 - shrink) * finite_se**2
    return RaterOffsets(
        offset=offset,
        se=np.sqrt(posterior_var),
        raw=delta,
        raw_se=raw_se,
        n_ratings=n_ratings,
        n_corated=n_corated,
        sigma=sigma,
        tau=float(np.sqrt(tau2)),
    )


def estimate_skills(ratings: Ratings, offsets: RaterOffsets) -> SkillEstimates:
    """Calibrated estimate and standard error per candidate and area; NaN where nobody rated."""
    size = ratings.n_candidates * ratings.n_areas
    shape = (ratings.n_candidates, ratings.n_areas)
    cell = ratings.cell
    corrected = ratings.level - offsets.offset[ratings.rater]
    mean, counts = _group_mean(cell, corrected, size)
    offset_var = np.bincount(cell, weights=offsets.se[ratings.rater] ** 2, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = offsets.sigma**2 / counts + offset_var / counts**2
    estimate = np.where(counts > 0, mean, np.nan)
    se = np.where(counts > 0, np.sqrt(variance), np.nan)
    return SkillEstimates(estimate.reshape(shape), se.reshape(shape), counts.reshape(shape))


def fit_scores(estimates: SkillEstimates, profiles: Profiles) -> Fit:
    """Fit of every candidate to every role, with interval, coverage, bars and breakdown."""
    theta = estimates.estimate[:, None, :]  # (C, 1, A)
    se = estimates.se[:, None, :]
    weight = profiles.weight[None, :, :]  # (1, R, A)
    expected = profiles.expected[None, :, :]
    minimum = profiles.minimum[None, :, :]
    assessed = ~np.isnan(theta) & (weight > 0)  # (C, R, A)

    span = expected - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        attainment = np.where(span > 0, np.clip((theta - 1.0) / span, 0.0, 1.0), 1.0)
        attainment_se = np.where(span > 0, se / span, 0.0)
    observed_weight = np.where(assessed, weight, 0.0).sum(axis=2)  # (C, R)
    total_weight = profiles.weight.sum(axis=1)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        contribution = np.where(assessed, 100.0 * weight * attainment / observed_weight[:, :, None], np.nan)
        fit = np.where(observed_weight > 0, np.clip(np.nansum(contribution, axis=2), 0.0, 100.0), np.nan)
        variance = np.where(assessed, (weight * attainment_se) ** 2, 0.0).sum(axis=2)
        fit_se = np.where(observed_weight > 0, 100.0 * np.sqrt(variance) / observed_weight, np.nan)
        coverage = np.where(total_weight > 0, observed_weight / total_weight, 0.0)

    below_bar = assessed & ~np.isnan(minimum) & (theta < minimum)
    gated = below_bar.any(axis=2)
    lower = np.clip(fit - Z80 * fit_se, 0.0, 100.0)
    upper = np.clip(fit + Z80 * fit_se, 0.0, 100.0)
    fit = np.where(gated, fit * GATE_FACTOR, fit)
    lower = np.where(gated, lower * GATE_FACTOR, lower)
    upper = np.where(gated, upper * GATE_FACTOR, upper)
    fit_se = np.where(gated, fit_se * GATE_FACTOR, fit_se)
    return Fit(fit, lower, upper, fit_se, coverage, below_bar, gated, contribution)


def consider_for(fit: Fit, own_role: int) -> np.ndarray:
    """Per candidate, the index of a role clearly better than ``own_role``, or -1."""
    own = fit.fit[:, own_role][:, None]
    with np.errstate(invalid="ignore"):
        clearly = (
            (fit.fit - own >= CONSIDER_MARGIN) & (fit.lower > own) & (fit.coverage >= CONSIDER_MIN_COVERAGE)
        )
    clearly[:, own_role] = False
    margin = np.where(clearly, fit.fit - own, -np.inf)
    best = np.argmax(margin, axis=1)
    return np.where(clearly.any(axis=1), best, -1)


def rank(
    fit_values: np.ndarray, lower: np.ndarray, coverage: np.ndarray, tie_keys: np.ndarray, *, by: str = "fit"
) -> np.ndarray:
    """Order of candidates, best first: by fit or by the interval's lower bound.

    Ties are broken by the other measure, then by higher coverage, then by
    ``tie_keys`` ascending (the application id: earlier applications first),
    so the order is total and deterministic. Candidates without a fit come last.
    """
    if by not in ("fit", "lower"):
        raise ValueError("rank by 'fit' or 'lower'")
    primary, secondary = (fit_values, lower) if by == "fit" else (lower, fit_values)
    missing = np.isnan(primary)
    # np.lexsort sorts by the last key first; negate for descending order.
    return np.lexsort(
        (
            tie_keys,
            -np.nan_to_num(coverage, nan=0.0),
            -np.nan_to_num(secondary, nan=-1.0),
            -np.nan_to_num(primary, nan=-1.0),
            missing,
        )
    )
