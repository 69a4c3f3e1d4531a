"""The scoring engine: a measurement model for interview ratings, and role fit. Pure NumPy/SciPy, no Django.

Inputs are integer-coded arrays (candidate, skill area, interviewer, level)
of submitted, assessed ratings, and the role profiles as (role x area)
matrices. Everything is vectorised: the work grows with the number of
ratings, and no Python loop runs per candidate (candidates are processed in
chunks of equal design, a handful of loop turns in all). Rows are put in a
canonical order first, so the same ratings in any row order give bit-for-bit
the same results.

1. The model (``calibrate``)
   A crossed random-effects model on the 1-5 scale. Rating i of candidate c
   in area a by interviewer r:

       y_i   = phi[c, a] + delta[r] + e_i,          e_i ~ N(0, sigma^2)
       phi[c, .] ~ N(mu, Psi),  Psi = lambda^2 J + psi^2 I
       delta[r]  ~ N(0, tau^2)

   phi[c, a] is the candidate's skill (its level on the anchored scale),
   drawn from the population of candidates: mu[a] is the area's population
   mean, lambda the spread of a general factor shared by all of a candidate's
   areas (skills correlate), psi each area's own spread. delta[r] is the
   interviewer's leniency (positive: rates high), a random effect, so two
   interviewer groups that never share a candidate are still put on one scale
   through the population prior. Interviewers are people: their leniency is
   estimated from all their ratings, across openings.

   Fitting is EM with the candidates integrated out in closed form. Write
   beta = (mu, delta), the global effects (prior: the areas' common level
   vague, each area within MU_SPREAD_SD of it, see ``area_mean_prior``;
   delta ~ N(0, tau^2)). Given phi's prior, candidate
   c's ratings y_c = X_c beta + A_c theta_c + e (A_c picks the area, X_c the
   area and interviewer of each rating, theta_c = phi_c - mu) have covariance
   V_c = A_c Psi A_c' + sigma^2 I, and by Woodbury

       V_c^-1 = (I - A_c S_c A_c' / sigma^2) / sigma^2,
       S_c    = (Psi^-1 + diag(n_c) / sigma^2)^-1

   with n_c[a] the ratings of c in area a. The E-step solves the sparse-by-
   candidate system for beta's posterior (a dense (A+R) x (A+R) system, A areas
   and R interviewers):

       P = prior precision + sum_c X_c' V_c^-1 X_c,   beta_hat = P^-1 (prior term + sum_c X_c' V_c^-1 y_c),
       Cov(beta) = P^-1

   where X_c' V_c^-1 X_c = (X_c'X_c - M_c' S_c M_c / sigma^2) / sigma^2 with
   M_c = A_c' X_c = [diag(n_c), N_c] (N_c: ratings of c per area and
   interviewer). Given beta_hat, each candidate's skills are Gaussian:

       phi_c | y, beta ~ N(m_c, S_c),   m_c = S_c (Psi^-1 mu + (s_c - N_c delta) / sigma^2)

   (s_c[a]: sum of c's ratings in area a). S_c is diagonal plus rank one
   (Sherman-Morrison), so every product with it costs O(A). The M-step updates
   the variances from the posterior moments (plug-in for beta), each with a weak
   inverse-gamma prior worth PRIOR_WEIGHT observations at its PRIOR_* value;
   each update is that posterior's mean, (sum of squares + w s0^2) / (count + w - 2),
   wider than its mode, which keeps intervals honest when few interviewers
   inform tau (and w >= 3 keeps EM stable with one interviewer):

       sigma^2  ~ sum over ratings of (y - m_c[a] - delta_hat[r])^2 + S_c[a, a]
       tau^2    ~ sum over interviewers of delta_hat[r]^2 + Cov(beta)[r, r]
       Psi_full = mean over candidates of (m_c - mu)(m_c - mu)' + S_c
       lambda^2 = mean off-diagonal of Psi_full,  psi^2 = mean of Psi_full[a, a] - lambda^2

   One sigma and one psi serve every area: per-area values were tried and, on
   200-candidate panels, fell to zero by sampling noise, which made the
   intervals of those areas far too narrow. The last line projects the moment
   matrix on the one-factor structure. Ratings of 1 and 5 are censored (the
   latent rating is below 1.5 or above 4.5) and enter as EP sites (``_Sites``),
   refreshed once per EM iteration; their expected squared noise enters
   sigma^2. EM starts from fixed values derived from the rating variance and
   stops when no variance moves by more than ``tolerance`` (relative), so the
   result depends on the ratings alone.

2. Skill posterior (``skill_posterior``)
   With beta's uncertainty integrated out, phi_c | y ~ N(m_c(beta_hat), Sigma_c):

       Sigma_c = S_c + J_c Cov(beta) J_c',   J_c = d m_c / d beta = S_c [Psi^-1, -N_c / sigma^2]

   so the interval includes the uncertainty of every interviewer's leniency and
   of the panel's average leniency (the shared error across a candidate's areas)
   and of the population means. An area nobody assessed is not missing at no
   cost: its posterior is the population's, moved by the candidate's other
   areas through lambda, and it is as wide as that.

3. Fit (``fit_scores``)
   For role R with weight w[a], expected level e[a] and optional minimum m[a],
   area a earns credit u_a(phi) in [0, 1], piecewise linear in the level:
   0 at level 1, EXPECTED_CREDIT (0.8) at the expected level, rising evenly
   to 1 at level 5 (where e[a] = 5, from 0 at 1 to 1 at 5; where e[a] = 1,
   0.8 at 1). Meeting expectations is worth 80, and each level above them
   earns the rest, so candidates who meet expectations are still told apart.
   The role's formula over ALL its areas (nothing is renormalised away):

       f(phi) = 100 * sum_a w[a] u_a(phi[a]) / sum_a w[a]

   Fit is its posterior mean, E[f | y] = 100 sum_a w[a] E[u_a] / sum w, in
   closed form: u_a is a sum of ramps and for X ~ N(m, s^2)

       E[max(X - k, 0)] = (m - k) Phi((m - k) / s) + s phi((m - k) / s).

   Its variance uses the expected slope g[a] = w[a] E[u_a'(phi[a])] (exact
   for the covariance with each skill, by Stein's lemma): Var f ~= 100^2
   g' Sigma_c g / (sum w)^2, with the full covariance, so errors shared across
   areas are counted once, not averaged away.

   Must-have minimums. P(below a bar) = Phi((m[a] - mean) / sd) from the
   posterior of that area. The gate is part of the formula: F = f when every
   bar is met, f / 2 when any is not. P(meets every bar) and the moments of f
   given "met" come from the joint Gaussian of (f, skills in the bar areas)
   by sequential conditioning (Mendell-Elston: condition on X_1 >= m_1, then
   X_2 >= m_2, ..., each step a truncated normal whose moments move the rest
   by regression; ``_gate_moments``), with Cov(f, X_b) = g' Sigma_c[:, b]
   (exact by Stein's lemma). Those of "missed" follow from the totals. So

       fit = E[F] = P(met) E[f | met] + (1 - P(met)) E[f | missed] / 2

   and its 80% interval is the 10th-90th percentile of the two-part mixture
   P(met) N(E[f | met], Var[f | met]) + (1 - P(met)) N(E[f | missed] / 2,
   Var[f | missed] / 4), within [0, 100]:
   an uncertain gate widens the interval instead of halving it. ``gated``
   marks a candidate CLEARLY below a bar (P(below) >= CLEAR_BELOW, 0.9, for
   some bar); rankings put every such candidate after all others, so a
   candidate clearly below a bar never outranks those who meet it.
   ``below_bar`` marks bars more likely missed than met (P >= 0.5).
   Coverage is the share of the role's weight assessed; fit is NaN when
   coverage is 0 (nothing of the role was seen, and the prior alone is not a
   score). contribution[a] = 100 w[a] E[u_a] / sum w adds up to E[f].

``consider_for`` flags a candidate whose fit for another role is clearly
higher: at least ``CONSIDER_MARGIN`` points above the opening role's fit, that
role's whole interval above the opening role's fit, and coverage >= 0.5.

Known limits: halo (an interviewer's overall impression colouring every area
of one scorecard) is not modelled, so intervals of candidates seen by one
interviewer are somewhat too narrow; interviewers are assumed to use the scale
with the same spread (no slope); ratings are treated as continuous, so
clipping at 1 and 5 pulls extreme skills toward the middle.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg
from scipy.special import ndtr

Z80 = 1.2815515655446004  # two-sided 80% normal quantile
EXPECTED_CREDIT = 0.8  # share of an area's weight earned at its expected level
CLEAR_BELOW = 0.9  # P(below a bar) from which a candidate is "clearly below" it
GATE_FACTOR = 0.5
CONSIDER_MARGIN = 10.0
CONSIDER_MIN_COVERAGE = 0.5

MU_PRIOR_MEAN = 3.0
MU_PRIOR_SD = (
    10.0  # the common level of the area means: vague, so only the data (and leniency's prior) set it
)
MU_SPREAD_SD = 1.0  # the areas' means around their common level: an unrated area sits near the others
PRIOR_WEIGHT = (
    3.0  # pseudo-observations of each variance's weak prior (3 or more keeps EM stable on one interviewer)
)
PRIOR_NOISE_SD = 0.7
PRIOR_SEVERITY_SD = 0.5
KNOWN_SEVERITY_SD = 1e-3  # an automated evaluator's leniency: fixed at 0 (Calibration.with_known_raters)
PRIOR_GENERAL_SD = 0.5
PRIOR_SPECIFIC_SD = 0.5
MIN_SD = 0.02
CHUNK = 4096  # candidates per vectorised chunk
ENGINE_THREADS = 2  # chunks scored at once (the reference machine has 2 cores)
DENSE_PAIRS = 20_000_000  # candidate x interviewer cells up to which slots come from a dense table


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

    def canonical(self) -> Ratings:
        """The same ratings sorted by candidate, area, interviewer and level: order-free results."""
        if len(self.level) < 2:
            return self
        key = (self.cell * self.n_raters + self.rater) * 8 + self.level.astype(np.int64)
        if np.all(key[1:] >= key[:-1]):
            return self
        # Equal keys are equal rows, so an unstable (faster) sort gives the same arrays.
        order = np.argsort(key)
        return Ratings(
            self.candidate[order],
            self.area[order],
            self.rater[order],
            self.level[order],
            self.n_candidates,
            self.n_areas,
            self.n_raters,
        )


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
class Calibration:
    """A fitted measurement model: population parameters and every interviewer's leniency.

    ``covariance`` is the posterior covariance of beta = (area_mean, leniency),
    areas first, then interviewers, in index order.
    """

    area_mean: np.ndarray  # (A,) population mean skill per area (posterior mean)
    general_sd: float  # lambda: spread of the general factor
    specific_sd: np.ndarray  # (A,) psi: each area's own spread
    noise_sd: np.ndarray  # (A,) sigma[a]: rating noise per area
    severity_sd: float  # tau: spread of interviewers' leniency
    leniency: np.ndarray  # (R,) posterior mean leniency (positive: rates high)
    covariance: np.ndarray  # (A+R, A+R)
    n_ratings: np.ndarray  # (R,) ratings per interviewer
    iterations: int = 0
    converged: bool = True

    @property
    def n_areas(self) -> int:
        return len(self.area_mean)

    @property
    def leniency_se(self) -> np.ndarray:
        a = self.n_areas
        return np.sqrt(np.diag(self.covariance)[a:])

    @property
    def skill_covariance(self) -> np.ndarray:
        """Psi, the population covariance of a candidate's skills across areas."""
        return self.general_sd**2 + np.diag(self.specific_sd**2)

    @classmethod
    def prior(cls, n_areas: int, n_raters: int = 0) -> Calibration:
        """The model before any rating: the weak priors' values."""
        return cls(
            area_mean=np.full(n_areas, MU_PRIOR_MEAN),
            general_sd=PRIOR_GENERAL_SD,
            specific_sd=np.full(n_areas, PRIOR_SPECIFIC_SD),
            noise_sd=np.full(n_areas, PRIOR_NOISE_SD),
            severity_sd=PRIOR_SEVERITY_SD,
            leniency=np.zeros(n_raters),
            covariance=linalg.block_diag(
                MU_SPREAD_SD**2 * np.eye(n_areas) + MU_PRIOR_SD**2 * np.ones((n_areas, n_areas)),
                np.eye(n_raters) * PRIOR_SEVERITY_SD**2,
            ),
            n_ratings=np.zeros(n_raters, dtype=np.int64),
            iterations=0,
        )

    def with_known_raters(self, known: np.ndarray) -> Calibration:
        """The calibration with the raters flagged in ``known`` (bool per rater) at a known severity.

        An automated evaluator (the take-home grader) turns measurements into levels by fixed
        thresholds: it has no leniency to learn. Its leniency is 0 with standard deviation
        KNOWN_SEVERITY_SD (near zero, so the covariance stays positive definite), and its
        covariance with everything else is 0: its ratings inform the candidate's skill and
        never a severity estimate.
        """
        known = np.asarray(known, dtype=bool)
        if not known.any():
            return self
        a = self.n_areas
        index = a + np.flatnonzero(known)
        covariance = self.covariance.copy()
        covariance[index, :] = 0.0
        covariance[:, index] = 0.0
        covariance[index, index] = KNOWN_SEVERITY_SD**2
        return replace(self, leniency=np.where(known, 0.0, self.leniency), covariance=covariance)

    def subset(self, areas: np.ndarray, raters: np.ndarray) -> Calibration:
        """The calibration for some areas and interviewers, in that order.

        An index of -1 is an area or interviewer the calibration has not seen:
        its parameters come from the prior (interviewer leniency N(0, tau^2); an
        area's mean near the others', MU_SPREAD_SD wider), independent of the rest.
        """
        areas = np.asarray(areas, dtype=np.int64)
        raters = np.asarray(raters, dtype=np.int64)
        a = self.n_areas
        index = np.concatenate([areas, np.where(raters >= 0, a + raters, -1)])
        known = index >= 0
        covariance = np.zeros((len(index), len(index)))
        covariance[np.ix_(known, known)] = self.covariance[np.ix_(index[known], index[known])]
        unknown = np.flatnonzero(~known)
        known_mu_var = float(np.mean(np.diag(self.covariance)[:a])) if a else MU_PRIOR_SD**2
        covariance[unknown, unknown] = np.where(
            unknown < len(areas), MU_SPREAD_SD**2 + known_mu_var, self.severity_sd**2
        )
        area_known = areas >= 0
        rater_known = raters >= 0
        mean_specific = float(np.mean(self.specific_sd)) if a else PRIOR_SPECIFIC_SD
        return Calibration(
            area_mean=np.where(
                area_known, self.area_mean[np.maximum(areas, 0)], float(np.mean(self.area_mean))
            )
            if a
            else np.full(len(areas), MU_PRIOR_MEAN),
            general_sd=self.general_sd,
            specific_sd=np.where(area_known, self.specific_sd[np.maximum(areas, 0)], mean_specific)
            if a
            else np.full(len(areas), mean_specific),
            noise_sd=np.where(area_known, self.noise_sd[np.maximum(areas, 0)], float(np.mean(self.noise_sd)))
            if a
            else np.full(len(areas), PRIOR_NOISE_SD),
            severity_sd=self.severity_sd,
            leniency=np.where(rater_known, self.leniency[np.maximum(raters, 0)], 0.0)
            if len(self.leniency)
            else np.zeros(len(raters)),
            covariance=covariance,
            n_ratings=np.where(rater_known, self.n_ratings[np.maximum(raters, 0)], 0)
            if len(self.n_ratings)
            else np.zeros(len(raters), dtype=np.int64),
            iterations=self.iterations,
            converged=self.converged,
        )


@dataclass(frozen=True)
class SkillEstimates:
    """Posterior of every candidate's skill per area (marginals)."""

    estimate: np.ndarray  # (candidates x areas) posterior mean, for every area
    se: np.ndarray  # posterior standard deviation
    n_ratings: np.ndarray  # 0 where nobody assessed the area (the estimate is then the model's prediction)


@dataclass(frozen=True)
class Fit:
    fit: np.ndarray  # (candidates x roles) posterior mean of the gated formula; NaN where coverage is 0
    lower: np.ndarray  # 80% posterior interval
    upper: np.ndarray
    se: np.ndarray  # posterior standard deviation
    coverage: np.ndarray
    below_probability: np.ndarray  # (candidates x roles x areas) P(skill < bar); NaN where no bar
    meets_probability: np.ndarray  # (candidates x roles) P(every bar met); 1 without bars
    below_bar: np.ndarray  # (candidates x roles x areas) bool: P(below) >= 0.5
    gated: np.ndarray  # (candidates x roles) bool: clearly below some bar
    contribution: np.ndarray  # (candidates x roles x areas): 100 w E[u] / sum w
    ungated: np.ndarray  # (candidates x roles) E[f], the formula before the must-have gate
    ungated_se: np.ndarray


# Model fitting -------------------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """Per-candidate summaries of canonical ratings: the only inputs the model needs.

    ``counts``, ``sums`` and ``slot_counts`` are precision-weighted (weight 1 per
    rating, an EP site's weight for a rating at an end of the scale);
    ``n_ratings`` counts ratings. ``slot_rater`` lists each candidate's
    interviewers (its "slots"), padded with -1.
    """

    counts: np.ndarray  # (C, A) weighted ratings per area
    sums: np.ndarray  # (C, A) weighted sum of (pseudo-)ratings per area
    slot_rater: np.ndarray  # (C, K)
    slot_counts: np.ndarray  # (C, A, K) weighted ratings per area and interviewer slot
    n_slots: np.ndarray  # (C,) distinct interviewers per candidate
    n_ratings: np.ndarray  # (C, A) ratings per area
    rating_slot: np.ndarray  # (N,) each rating's slot within its candidate

    def reweighted(self, ratings: Ratings, weight: np.ndarray, value: np.ndarray) -> _Design:
        """The same structure with new rating weights and (pseudo-)values: three bincounts."""
        c, a = self.n_ratings.shape
        width = self.slot_rater.shape[1]
        cell = ratings.cell
        counts = np.bincount(cell, weights=weight, minlength=c * a).reshape(c, a)
        sums = np.bincount(cell, weights=weight * value, minlength=c * a).reshape(c, a)
        flat = cell * max(width, 1) + self.rating_slot
        slot_counts = np.bincount(flat, weights=weight, minlength=c * a * width).reshape(c, a, width)
        return _Design(
            counts, sums, self.slot_rater, slot_counts, self.n_slots, self.n_ratings, self.rating_slot
        )


@dataclass
class _Sites:
    """EP sites for the ratings at the ends of the scale, which are censored observations.

    A 5 says the latent rating (skill + leniency + noise) is at least
    UPPER_EDGE (4.5), a 1 that it is below LOWER_EDGE (1.5); treating them as
    exact 5s and 1s pulls strong and weak candidates toward the middle. Each is
    replaced by a Gaussian pseudo-rating (``value``, precision ``weight`` /
    sigma^2) fitted by expectation propagation: the cavity (the posterior of the
    latent mean without this rating) times the censored likelihood
    Phi(+-(eta - edge) / sigma) is moment-matched by a Gaussian.
    """

    index: np.ndarray  # positions among the canonical ratings
    upper: np.ndarray  # True for a 5, False for a 1
    weight: np.ndarray
    value: np.ndarray


UPPER_EDGE = 4.5
LOWER_EDGE = 1.5
EP_DAMPING = 0.7
EP_SWEEPS = 2  # per chunk when scoring; one per EM iteration when calibrating


def _sites(ratings: Ratings) -> _Sites:
    index = np.flatnonzero((ratings.level <= 1) | (ratings.level >= 5))
    return _Sites(
        index=index,
        upper=ratings.level[index] >= 5,
        weight=np.ones(len(index)),
        value=ratings.level[index].copy(),
    )


def _rating_weights(ratings: Ratings, sites: _Sites) -> tuple[np.ndarray, np.ndarray]:
    weight = np.ones(len(ratings.level))
    value = ratings.level.copy()
    weight[sites.index] = sites.weight
    value[sites.index] = sites.value
    return weight, value


def _design(ratings: Ratings, weight: np.ndarray | None = None, value: np.ndarray | None = None) -> _Design:
    c, a, k = ratings.n_candidates, ratings.n_areas, ratings.n_raters
    weight = np.ones(len(ratings.level)) if weight is None else weight
    value = ratings.level if value is None else value
    cell = ratings.cell
    n_ratings = np.bincount(cell, minlength=c * a).reshape(c, a)
    # Each candidate's interviewers ("slots"), in interviewer order. A dense candidate x
    # interviewer table when it is small enough (no sort); otherwise the distinct pairs by sorting.
    if c * k <= DENSE_PAIRS:
        present = np.zeros((c, k), dtype=bool)
        present[ratings.candidate, ratings.rater] = True
        slot_table = np.cumsum(present, axis=1) - 1
        n_slots = present.sum(axis=1)
        pair_candidate, pair_rater = np.nonzero(present)
        slot_of_pair = slot_table[pair_candidate, pair_rater]
        rating_slot = (
            slot_table[ratings.candidate, ratings.rater] if len(ratings.level) else np.zeros(0, np.int64)
        )
    else:
        pair = ratings.candidate * max(k, 1) + ratings.rater
        pairs, pair_index = np.unique(pair, return_inverse=True)
        pair_candidate, pair_rater = pairs // max(k, 1), pairs % max(k, 1)
        n_slots = np.bincount(pair_candidate, minlength=c)
        first = np.searchsorted(pair_candidate, np.arange(c))
        slot_of_pair = np.arange(len(pairs)) - first[pair_candidate]
        rating_slot = slot_of_pair[pair_index.reshape(-1)] if len(pairs) else np.zeros(0, dtype=np.int64)
    width = int(n_slots.max()) if c and len(pair_candidate) else 0
    slot_rater = np.full((c, width), -1, dtype=np.int64)
    slot_rater[pair_candidate, slot_of_pair] = pair_rater
    empty = np.zeros((c, a))
    structure = _Design(empty, empty, slot_rater, np.zeros((c, a, width)), n_slots, n_ratings, rating_slot)
    return structure.reweighted(ratings, weight, value)


def _ep_update(sites: _Sites, which, eta_mean, eta_var, noise_var) -> np.ndarray:
    """One damped EP update of the sites ``which`` given the posterior of their latent means.

    Returns E[e^2 | censored] for each, the rating noise's second moment the
    M-step of sigma^2 needs: with w = eta + e ~ N(cavity mean, sigma^2 + v)
    truncated at the edge, E[e^2] = sigma^4 / (sigma^2 + v)^2 E[(w - m)^2]
    + sigma^2 v / (sigma^2 + v), and E[(w - m)^2] = (sigma^2 + v)(1 - z ratio)
    for the truncated normal (z, ratio as below).
    """
    from scipy.special import log_ndtr

    weight, value, upper = sites.weight[which], sites.value[which], sites.upper[which]
    site_precision = weight / noise_var
    cavity_precision = 1.0 / eta_var - site_precision
    usable = cavity_precision > 1e-9
    cavity_var = 1.0 / np.where(usable, cavity_precision, 1.0)
    cavity_mean = cavity_var * (eta_mean / eta_var - site_precision * value)
    sign = np.where(upper, 1.0, -1.0)
    edge = np.where(upper, UPPER_EDGE, LOWER_EDGE)
    scale = np.sqrt(noise_var + cavity_var)
    # z: the cavity mean's standardised distance past the edge on the observed side.
    z = sign * (cavity_mean - edge) / scale
    ratio = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - log_ndtr(z))  # phi(z) / Phi(z)
    new_mean = cavity_mean + sign * cavity_var * ratio / scale
    new_var = cavity_var * (1.0 - cavity_var * ratio * (z + ratio) / scale**2)
    new_precision = np.maximum(1.0 / np.maximum(new_var, 1e-12) - cavity_precision, 1e-6 / noise_var)
    new_natural = new_mean / np.maximum(new_var, 1e-12) - cavity_mean * cavity_precision
    old_natural = site_precision * value
    precision = (1 - EP_DAMPING) * site_precision + EP_DAMPING * new_precision
    natural = (1 - EP_DAMPING) * old_natural + EP_DAMPING * new_natural
    precision = np.where(usable, precision, site_precision)
    natural = np.where(usable, natural, old_natural)
    sites.weight[which] = np.clip(precision * noise_var, 1e-6, 1e3)
    sites.value[which] = natural / precision
    spread = scale**2 * np.maximum(1.0 - z * ratio, 0.0)
    return noise_var**2 / scale**4 * spread + noise_var * cavity_var / scale**2


def _chunks(design: _Design):
    """Candidate index groups of equal interviewer count, at most CHUNK each (few loop turns)."""
    order = np.argsort(design.n_slots, kind="stable")
    slots = design.n_slots[order]
    bounds = np.flatnonzero(np.r_[True, slots[1:] != slots[:-1], True])
    for start, stop in itertools.pairwise(bounds):
        width = int(slots[start])
        for begin in range(start, stop, CHUNK):
            yield order[begin : min(stop, begin + CHUNK)], width


@dataclass(frozen=True)
class _Population:
    """Psi = lambda^2 J + diag(psi^2) and its inverse diag(v) - kappa v v' (Sherman-Morrison)."""

    v: np.ndarray  # 1 / psi^2
    kappa: float
    inverse: np.ndarray  # Psi^-1, (A, A)

    @classmethod
    def of(cls, general_sd: float, specific_sd: np.ndarray) -> _Population:
        v = 1.0 / specific_sd**2
        kappa = general_sd**2 / (1.0 + general_sd**2 * v.sum())
        return cls(v, float(kappa), np.diag(v) - kappa * np.outer(v, v))


@dataclass(frozen=True)
class _Conditional:
    """S_c = (Psi^-1 + diag(n_c / sigma^2))^-1 = diag(e) + gamma u u' per candidate (Sherman-Morrison)."""

    e: np.ndarray  # (chunk, A)
    u: np.ndarray  # (chunk, A)
    gamma: np.ndarray  # (chunk,)

    @classmethod
    def of(cls, counts: np.ndarray, population: _Population, noise_var: np.ndarray) -> _Conditional:
        e = 1.0 / (population.v[None, :] + counts / noise_var[None, :])
        u = e * population.v[None, :]
        gamma = population.kappa / (1.0 - population.kappa * (u * population.v[None, :]).sum(axis=1))
        return cls(e, u, gamma)

    def times(self, x: np.ndarray) -> np.ndarray:
        """S_c x for x of shape (chunk, A) or (chunk, A, m)."""
        if x.ndim == 2:
            return self.e * x + self.gamma[:, None] * self.u * (self.u * x).sum(axis=1, keepdims=True)
        projection = np.einsum("ca,cam->cm", self.u, x)
        return self.e[:, :, None] * x + (self.gamma[:, None] * projection)[:, None, :] * self.u[:, :, None]

    def diagonal(self) -> np.ndarray:
        return self.e + self.gamma[:, None] * self.u**2

    def full(self) -> np.ndarray:
        eye = np.eye(self.e.shape[1])
        return (
            self.e[:, :, None] * eye[None]
            + self.gamma[:, None, None] * self.u[:, :, None] * self.u[:, None, :]
        )


def _global_system(
    ratings: Ratings, design: _Design, rating_weight, general_sd, specific_sd, noise_var, severity_var
):
    """beta_hat and Cov(beta) of the global effects (see the module docstring), sigma^2 per area."""
    a, r = ratings.n_areas, ratings.n_raters
    size = a + r
    population = _Population.of(general_sd, specific_sd)
    weight, value = rating_weight
    precision_per_rating = weight / noise_var[ratings.area]
    # X' D^-1 X and X' D^-1 y over all ratings (D: the noise variance of each rating), block by block.
    weighted = value * precision_per_rating
    rhs = np.concatenate(
        [
            np.bincount(ratings.area, weights=weighted, minlength=a),
            np.bincount(ratings.rater, weights=weighted, minlength=r),
        ]
    )
    precision = np.zeros((size, size))
    precision[np.arange(a), np.arange(a)] = np.bincount(
        ratings.area, weights=precision_per_rating, minlength=a
    )
    both = np.bincount(ratings.area * r + ratings.rater, weights=precision_per_rating, minlength=a * r)
    precision[:a, a:] = both.reshape(a, r)
    precision[a:, :a] = both.reshape(a, r).T
    precision[a + np.arange(r), a + np.arange(r)] = np.bincount(
        ratings.rater, weights=precision_per_rating, minlength=r
    )
    areas_block = np.zeros((a, a))
    rhs_areas = np.zeros(a)
    cross_flat, cross_weight, rater_flat, rater_weight, rhs_rater, rhs_weight = [], [], [], [], [], []
    for members, width in _chunks(design):
        counts = design.counts[members]
        conditional = _Conditional.of(counts, population, noise_var)
        # M_c = A' D^-1 X = [diag(n_c / sigma^2), N_c / sigma^2]; the corrections are M' S M and
        # M' S s / sigma^2.
        area_part = counts / noise_var[None, :]  # diagonal of the area block of M
        rater_part = design.slot_counts[members][:, :, :width] / noise_var[None, :, None]  # (chunk, A, K)
        m = np.concatenate([np.einsum("ca,ab->cab", area_part, np.eye(a)), rater_part], axis=2)
        sm = conditional.times(m)  # S M: (chunk, A, A + K)
        block = m.transpose(0, 2, 1) @ sm  # (chunk, A + K, A + K)
        vector = np.einsum("cai,ca->ci", sm, design.sums[members] / noise_var[None, :])
        areas_block += block[:, :a, :a].sum(axis=0)
        rhs_areas += vector[:, :a].sum(axis=0)
        raters = a + design.slot_rater[members][:, :width]  # (chunk, K)
        cross_flat.append((np.arange(a)[None, :, None] * size + raters[:, None, :]).reshape(-1))
        cross_weight.append(block[:, :a, a:].reshape(-1))
        rater_flat.append((raters[:, :, None] * size + raters[:, None, :]).reshape(-1))
        rater_weight.append(block[:, a:, a:].reshape(-1))
        rhs_rater.append(raters.reshape(-1))
        rhs_weight.append(vector[:, a:].reshape(-1))
    correction = np.zeros((size, size))
    correction[:a, :a] = areas_block
    if cross_flat:
        flat = np.concatenate(cross_flat)
        cross = np.bincount(flat, weights=np.concatenate(cross_weight), minlength=size * size).reshape(
            size, size
        )
        correction += cross + cross.T
        flat = np.concatenate(rater_flat)
        correction += np.bincount(flat, weights=np.concatenate(rater_weight), minlength=size * size).reshape(
            size, size
        )
    rhs_correction = np.zeros(size)
    rhs_correction[:a] = rhs_areas
    if rhs_rater:
        rhs_correction += np.bincount(
            np.concatenate(rhs_rater), weights=np.concatenate(rhs_weight), minlength=size
        )
    precision = precision - correction
    rhs = rhs - rhs_correction
    mu_precision, mu_rhs = area_mean_prior(a)
    precision[:a, :a] += mu_precision
    rhs[:a] += mu_rhs
    precision[a + np.arange(r), a + np.arange(r)] += 1.0 / severity_var
    precision = (precision + precision.T) / 2
    factor = linalg.cho_factor(precision, lower=True)
    beta = linalg.cho_solve(factor, rhs)
    covariance = linalg.cho_solve(factor, np.eye(size))
    return beta, (covariance + covariance.T) / 2


def area_mean_prior(n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """Prior precision and precision-times-mean of the area means mu.

    mu[a] = m + d[a]: a common level m ~ N(MU_PRIOR_MEAN, MU_PRIOR_SD^2), vague,
    so the data alone (with leniency's prior) place the scale; and each area's
    departure d[a] ~ N(0, MU_SPREAD_SD^2), so an area nobody has rated yet sits
    near the others instead of anywhere. Covariance MU_SPREAD_SD^2 I + MU_PRIOR_SD^2 J.
    """
    covariance = MU_SPREAD_SD**2 * np.eye(n_areas) + MU_PRIOR_SD**2 * np.ones((n_areas, n_areas))
    precision = linalg.inv(covariance) if n_areas else np.zeros((0, 0))
    return precision, precision @ np.full(n_areas, MU_PRIOR_MEAN)


def _conditional_mean(conditional: _Conditional, sums, slot_counts, slots, population, mu, delta, noise_var):
    """m_c = S_c (Psi^-1 mu + (s_c - N_c delta) / sigma^2) for a chunk."""
    delta_padded = np.append(delta, 0.0)
    shifted = sums - np.einsum("cak,ck->ca", slot_counts, delta_padded[slots])
    right = (population.inverse @ mu)[None, :] + shifted / noise_var[None, :]
    return conditional.times(right)


def _conditional_moments(ratings: Ratings, design: _Design, beta, general_sd, specific_sd, noise_var):
    """Per candidate m_c and diag(S_c) given beta, and sum_c (m_c - mu)(m_c - mu)' + S_c."""
    a = ratings.n_areas
    population = _Population.of(general_sd, specific_sd)
    mu, delta = beta[:a], beta[a:]
    moment = np.zeros((a, a))
    mean_skill = np.zeros((ratings.n_candidates, a))
    cond_var = np.zeros((ratings.n_candidates, a))
    for members, width in _chunks(design):
        conditional = _Conditional.of(design.counts[members], population, noise_var)
        m = _conditional_mean(
            conditional,
            design.sums[members],
            design.slot_counts[members][:, :, :width],
            design.slot_rater[members][:, :width],
            population,
            mu,
            delta,
            noise_var,
        )
        deviation = m - mu
        scaled = conditional.u * np.sqrt(conditional.gamma)[:, None]
        moment += deviation.T @ deviation + np.diag(conditional.e.sum(axis=0)) + scaled.T @ scaled
        mean_skill[members] = m
        cond_var[members] = conditional.diagonal()
    return mean_skill, cond_var, moment


def _initial_values(ratings: Ratings) -> tuple[np.ndarray, float, float, np.ndarray]:
    variance = float(np.var(ratings.level)) if len(ratings.level) > 1 else PRIOR_NOISE_SD**2
    variance = max(variance, 0.1)
    return (
        np.full(ratings.n_areas, 0.5 * variance),
        0.2 * variance,
        0.15 * variance,
        np.full(ratings.n_areas, 0.15 * variance),
    )


def _map_variance(total: float, count: float, prior_sd: float) -> float:
    """The posterior mean of a variance under its weak inverse-gamma prior (not its mode).

    With sum of squares ``total`` over ``count`` effects and a prior worth
    PRIOR_WEIGHT observations at prior_sd^2, the posterior is inverse-gamma and
    its mean (total + w s0^2) / (count + w - 2) is wider than the mode: with few
    interviewers, the variance itself is uncertain, and using the mean keeps
    intervals from being too narrow for that reason (measured: README).
    """
    return max((total + PRIOR_WEIGHT * prior_sd**2) / max(count + PRIOR_WEIGHT - 2.0, 1.0), MIN_SD**2)


def calibrate(ratings: Ratings, *, max_iterations: int = 200, tolerance: float = 1e-5) -> Calibration:
    """Fit the measurement model to ratings by MAP-EM (see the module docstring).

    Ratings at the ends of the scale enter as EP sites, updated once per EM
    iteration; the noise variance is estimated from the other ratings.
    """
    a, r, n = ratings.n_areas, ratings.n_raters, len(ratings.level)
    if n == 0:
        return Calibration.prior(a, r)
    ratings = ratings.canonical()
    sites = _sites(ratings)
    interior = np.ones(n, dtype=bool)
    interior[sites.index] = False
    noise_var, severity_var, general_var, specific_var = _initial_values(ratings)
    cell = ratings.cell
    design = _design(ratings)
    iterations, converged = 0, False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (the count is reported)
        rating_weight = _rating_weights(ratings, sites)
        design = design.reweighted(ratings, *rating_weight)
        general_sd, specific_sd = np.sqrt(general_var), np.sqrt(specific_var)
        beta, covariance = _global_system(
            ratings, design, rating_weight, general_sd, specific_sd, noise_var, severity_var
        )
        mean_skill, cond_var, moment = _conditional_moments(
            ratings, design, beta, general_sd, specific_sd, noise_var
        )
        eta = mean_skill.reshape(-1)[cell] + beta[a + ratings.rater]
        eta_var = cond_var.reshape(-1)[cell] + np.diag(covariance)[a + ratings.rater]
        censored_moment = 0.0
        if len(sites.index):
            censored_moment = float(
                np.sum(
                    _ep_update(
                        sites,
                        slice(None),
                        eta[sites.index],
                        eta_var[sites.index],
                        noise_var[ratings.area[sites.index]],
                    )
                )
            )
        residual = (ratings.level - eta)[interior]
        # One noise variance and one specific variance for all areas: per-area values were
        # tried and, on 200-candidate panels, fell to zero by sampling noise (see README).
        interior_moment = float(np.sum(residual**2 + cond_var.reshape(-1)[cell][interior]))
        new_noise = np.full(a, _map_variance(interior_moment + censored_moment, n, PRIOR_NOISE_SD))
        delta = beta[a:]
        new_severity = _map_variance(
            float(np.sum(delta**2) + np.trace(covariance[a:, a:])), r, PRIOR_SEVERITY_SD
        )
        psi_full = moment / max(ratings.n_candidates, 1)
        weight = max(ratings.n_candidates, 1)
        off_diagonal = (psi_full.sum() - np.trace(psi_full)) / (a * (a - 1)) if a > 1 else 0.0
        new_general = max(
            (max(off_diagonal, 0.0) * weight + PRIOR_WEIGHT * PRIOR_GENERAL_SD**2) / (weight + PRIOR_WEIGHT),
            MIN_SD**2,
        )
        specific_total = float(np.maximum(np.diag(psi_full) - new_general, 0.0).mean()) * weight * a
        new_specific = np.full(a, _map_variance(specific_total, weight * a, PRIOR_SPECIFIC_SD))
        old = np.concatenate([noise_var, [severity_var, general_var], specific_var])
        new = np.concatenate([new_noise, [new_severity, new_general], new_specific])
        noise_var, severity_var, general_var, specific_var = (
            new_noise,
            new_severity,
            new_general,
            new_specific,
        )
        if np.max(np.abs(new - old) / old) < tolerance:
            converged = True
            break
    rating_weight = _rating_weights(ratings, sites)
    design = design.reweighted(ratings, *rating_weight)
    beta, covariance = _global_system(
        ratings, design, rating_weight, np.sqrt(general_var), np.sqrt(specific_var), noise_var, severity_var
    )
    return Calibration(
        area_mean=beta[:a],
        general_sd=float(np.sqrt(general_var)),
        specific_sd=np.sqrt(specific_var),
        noise_sd=np.sqrt(noise_var),
        severity_sd=float(np.sqrt(severity_var)),
        leniency=beta[a:],
        covariance=covariance,
        n_ratings=np.bincount(ratings.rater, minlength=r),
        iterations=iterations,
        converged=converged,
    )


# Skill posterior and fit -----------------------------------------------------------------------


def _posterior_chunk(conditional: _Conditional, counts, sums, slot_counts, slots, calibration, population):
    """Posterior of a chunk's skills with beta integrated out: means (chunk, A), covariances (chunk, A, A)."""
    a = calibration.n_areas
    noise_var = calibration.noise_sd**2
    mean = _conditional_mean(
        conditional,
        sums,
        slot_counts,
        slots,
        population,
        calibration.area_mean,
        calibration.leniency,
        noise_var,
    )
    # J_c = S_c [Psi^-1, -diag(1 / sigma^2) N_c]; Cov(beta) gathered over (areas, c's interviewers).
    size = a + len(calibration.leniency)
    padded = np.zeros((size + 1, size + 1))
    padded[:size, :size] = calibration.covariance
    index = np.concatenate(
        [np.broadcast_to(np.arange(a), (len(counts), a)), np.where(slots >= 0, a + slots, size)], axis=1
    )
    local = padded[index[:, :, None], index[:, None, :]]
    jacobian_right = np.concatenate(
        [np.broadcast_to(population.inverse, (len(counts), a, a)), -slot_counts / noise_var[None, :, None]],
        axis=2,
    )
    jacobian = conditional.times(jacobian_right)
    covariance = conditional.full() + (jacobian @ local) @ jacobian.transpose(0, 2, 1)
    return mean, covariance


def _posterior_jobs(ratings: Ratings, calibration: Calibration) -> list:
    """One callable per chunk of candidates, returning (members, rating counts, means, covariances).

    Ratings at the ends of the scale are EP sites, refined EP_SWEEPS times per
    chunk given the calibration's global effects (the cavity of a site is
    taken conditional on them, plus its interviewer's leniency variance); the
    final posterior integrates the global effects out. Chunks share nothing
    they write (each updates only its own sites), so they may run on threads.
    """
    if calibration.n_areas != ratings.n_areas or len(calibration.leniency) != ratings.n_raters:
        raise ValueError("calibration does not match the ratings' areas and interviewers")
    ratings = ratings.canonical()
    a = ratings.n_areas
    sites = _sites(ratings)
    base_weight = np.ones(len(ratings.level))
    base_weight[sites.index] = 0.0
    design = _design(ratings, base_weight)
    population = _Population.of(calibration.general_sd, calibration.specific_sd)
    noise_var = calibration.noise_sd**2
    leniency_var = np.diag(calibration.covariance)[a:]
    site_candidate = ratings.candidate[sites.index]
    site_area = ratings.area[sites.index]
    site_slot = design.rating_slot[sites.index]
    site_rater = ratings.rater[sites.index]
    chunks = list(_chunks(design))
    position = np.zeros(ratings.n_candidates, dtype=np.int64)
    chunk_of = np.zeros(ratings.n_candidates, dtype=np.int64)
    for index, (members, _) in enumerate(chunks):
        position[members] = np.arange(len(members))
        chunk_of[members] = index
    site_order = np.argsort(chunk_of[site_candidate], kind="stable")
    site_bounds = np.searchsorted(chunk_of[site_candidate][site_order], np.arange(len(chunks) + 1))

    def job(index: int):
        members, width = chunks[index]
        counts, sums = design.counts[members], design.sums[members]
        slot_counts = design.slot_counts[members][:, :, :width]
        slots = design.slot_rater[members][:, :width]
        which = site_order[site_bounds[index] : site_bounds[index + 1]]
        local_candidate = position[site_candidate[which]]
        cell = local_candidate * a + site_area[which]
        flat = cell * max(width, 1) + site_slot[which]
        area_noise = noise_var[site_area[which]]
        size = len(members) * a
        sweeps = EP_SWEEPS if len(which) else 0
        for sweep in range(sweeps + 1):
            weight, value = sites.weight[which], sites.value[which]
            chunk_counts = counts + np.bincount(cell, weights=weight, minlength=size).reshape(-1, a)
            chunk_sums = sums + np.bincount(cell, weights=weight * value, minlength=size).reshape(-1, a)
            chunk_slots = slot_counts
            if width:
                chunk_slots = slot_counts + np.bincount(flat, weights=weight, minlength=size * width).reshape(
                    -1, a, width
                )
            conditional = _Conditional.of(chunk_counts, population, noise_var)
            if sweep == sweeps:
                break
            mean = _conditional_mean(
                conditional,
                chunk_sums,
                chunk_slots,
                slots,
                population,
                calibration.area_mean,
                calibration.leniency,
                noise_var,
            )
            areas = site_area[which]
            eta = mean[local_candidate, areas] + calibration.leniency[site_rater[which]]
            eta_var = conditional.diagonal()[local_candidate, areas] + leniency_var[site_rater[which]]
            _ep_update(sites, which, eta, eta_var, area_noise)
        mean, covariance = _posterior_chunk(
            conditional, chunk_counts, chunk_sums, chunk_slots, slots, calibration, population
        )
        return members, design.n_ratings[members], mean, covariance

    return [functools.partial(job, index) for index in range(len(chunks))]


def _each_chunk(jobs: list, work) -> None:
    """``work(*job())`` for every chunk, on ENGINE_THREADS threads when there are several.

    NumPy and SciPy release the GIL in their loops, so two chunks really run
    at once; each writes only its own candidates' rows, so the results do not
    depend on the threads' timing.
    """
    if len(jobs) <= 1 or ENGINE_THREADS <= 1:
        for job in jobs:
            work(*job())
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=ENGINE_THREADS) as pool:
        for _ in pool.map(lambda job: work(*job()), jobs):
            pass


def skill_posterior(ratings: Ratings, calibration: Calibration) -> SkillEstimates:
    """Posterior mean and sd of every candidate's skill in every area, given a calibration."""
    shape = (ratings.n_candidates, ratings.n_areas)
    estimate, se, counts = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64)

    def work(members, n, mean, covariance):
        estimate[members] = mean
        se[members] = np.sqrt(np.diagonal(covariance, axis1=1, axis2=2))
        counts[members] = n

    _each_chunk(_posterior_jobs(ratings, calibration), work)
    return SkillEstimates(estimate, se, counts)


def _credit_shape(profiles: Profiles):
    """Intercept and slopes of u_a as c0 + s1 (r(x-1) - r(x-e)) + s2 (r(x-e) - r(x-5))."""
    e = profiles.expected
    top = np.where(e < 5, EXPECTED_CREDIT, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.where(e > 1, top / (e - 1.0), 0.0)
        s2 = np.where(e < 5, (1.0 - EXPECTED_CREDIT) / (5.0 - e), 0.0)
    c0 = np.where(e <= 1, EXPECTED_CREDIT, 0.0)
    return c0, s1, s2


def credit(levels: np.ndarray, profiles: Profiles) -> np.ndarray:
    """u_a at given skill levels: (C, A) -> (C, R, A). For true skills in simulations and tests."""
    c0, s1, s2 = _credit_shape(profiles)
    x = np.asarray(levels, dtype=np.float64)[:, None, :]
    e = profiles.expected[None]

    def ramp(k):
        return np.maximum(x - k, 0.0)

    return c0 + s1 * (ramp(1.0) - ramp(e)) + s2 * (ramp(e) - ramp(5.0))


def formula(levels: np.ndarray, profiles: Profiles) -> np.ndarray:
    """The gated role formula F at given skill levels (C, A) -> (C, R); the truth in simulations."""
    total = profiles.weight.sum(axis=1)
    f = 100.0 * (credit(levels, profiles) * profiles.weight[None]).sum(axis=2) / total[None]
    below = (np.asarray(levels)[:, None, :] < profiles.minimum[None]).any(axis=2)
    return np.where(below, f * GATE_FACTOR, f)


def _credit_pieces(profiles: Profiles):
    """u_a as four linear pieces alpha + beta x between the knots -inf, 1, e, 5, +inf: (R, A, 4) arrays."""
    c0, s1, s2 = _credit_shape(profiles)
    e = profiles.expected
    at_expected = c0 + s1 * (e - 1.0)
    top = at_expected + s2 * (5.0 - e)
    alpha = np.stack([c0, c0 - s1, at_expected - s2 * e, top], axis=-1)
    beta = np.stack([np.zeros_like(e), s1, s2, np.zeros_like(e)], axis=-1)
    return alpha, beta


def expected_credit(mean: np.ndarray, sd: np.ndarray, profiles: Profiles):
    """E[u_a], Var[u_a] and E[u_a'] for skills ~ N(mean, sd^2): (C, A) -> three (C, R, A) arrays.

    Piece by piece, with t = (x - m) / s and A + B t = alpha + beta x:
    int (A + B t) phi(t) dt = A Phi - B phi and
    int (A + B t)^2 phi(t) dt = A^2 Phi - 2 A B phi + B^2 (Phi - t phi), between the piece's ends.
    The normal's Phi and phi are evaluated once per candidate and area at each
    distinct knot (1, 5 and the expected levels), then gathered per role.
    """
    alpha, beta = _credit_pieces(profiles)
    levels, expected_index = np.unique(
        np.concatenate([[1.0, 5.0], profiles.expected.ravel()]), return_inverse=True
    )
    expected_index = expected_index[2:].reshape(profiles.expected.shape)  # (R, A) into ``levels``
    one, five = expected_index.min(), int(np.searchsorted(levels, 5.0))
    s = np.maximum(sd, 1e-9)
    t = (levels[:, None, None] - mean[None]) / s[None]  # (L, C, A)
    cdf = ndtr(t)
    density = np.exp(-0.5 * t * t) * (1.0 / np.sqrt(2 * np.pi))
    t_density = t * density
    areas = np.arange(mean.shape[1])[None, :]

    def at(values, knot):  # (L, C, A) at a knot index per (R, A) -> (C, R, A)
        if np.ndim(knot) == 0:
            return np.broadcast_to(values[int(knot)][:, None, :], (mean.shape[0], *profiles.expected.shape))
        return values[knot, :, areas].transpose(2, 0, 1)

    knots_cdf = [0.0, at(cdf, 0), at(cdf, expected_index), at(cdf, five), 1.0]
    knots_density = [0.0, at(density, 0), at(density, expected_index), at(density, five), 0.0]
    knots_t_density = [0.0, at(t_density, 0), at(t_density, expected_index), at(t_density, five), 0.0]
    del one
    m = mean[:, None, :]
    sr = s[:, None, :]
    first = np.zeros((mean.shape[0], *profiles.expected.shape))
    second = np.zeros_like(first)
    slope = np.zeros_like(first)
    for piece in range(4):
        d_cdf = knots_cdf[piece + 1] - knots_cdf[piece]
        d_density = knots_density[piece + 1] - knots_density[piece]
        d_t_density = knots_t_density[piece + 1] - knots_t_density[piece]
        big_a = alpha[None, :, :, piece] + beta[None, :, :, piece] * m
        big_b = beta[None, :, :, piece] * sr
        first += big_a * d_cdf - big_b * d_density
        second += big_a**2 * d_cdf - 2 * big_a * big_b * d_density + big_b**2 * (d_cdf - d_t_density)
        slope += beta[None, :, :, piece] * d_cdf
    return first, np.maximum(second - first**2, 0.0), slope


def below_probability(mean: np.ndarray, sd: np.ndarray, profiles: Profiles) -> np.ndarray:
    """P(skill < bar) per candidate, role and area; NaN where the role has no bar."""
    with np.errstate(invalid="ignore"):
        return ndtr((profiles.minimum[None] - mean[:, None, :]) / np.maximum(sd, 1e-9)[:, None, :])


def _bar_layout(profiles: Profiles) -> tuple[np.ndarray, np.ndarray]:
    """Per role, its bar areas padded to the widest role: (R, k) area indices and (R, k) minimums.

    Padding has minimum -BIG (always met), so it changes nothing.
    """
    bars = [np.flatnonzero(~np.isnan(profiles.minimum[r])) for r in range(len(profiles.roles))]
    width = max((len(b) for b in bars), default=0)
    areas = np.zeros((len(bars), width), dtype=np.int64)
    minimum = np.full((len(bars), width), -BIG)
    for r, b in enumerate(bars):
        areas[r, : len(b)] = b
        minimum[r, : len(b)] = profiles.minimum[r, b]
    return areas, minimum


BIG = 1e6


def _gate_moments(f_mean, f_var, f_bar_cov, bar_mean, bar_cov, bar_min):
    """P(every bar met) and the moments of f given met and given missed.

    Sequential conditioning (Mendell-Elston): the joint Gaussian of (f, X_1..X_k),
    the formula and the skills in the bar areas, is conditioned on X_j >= m_j one
    bar at a time; each step multiplies P(met) by P(X_j >= m_j | earlier bars met)
    and replaces X_j by its truncated-normal moments, moving the others by
    regression. What is left is (f | every bar met). The missed part follows
    from the totals: E[f] = P E[f | met] + (1 - P) E[f | missed], and likewise
    for E[f^2]. Shapes: (..., k) for bars, (..., k, k) for their covariance.
    """
    k = bar_mean.shape[-1]
    mean = np.concatenate([f_mean[..., None], bar_mean], axis=-1)
    cov = np.zeros((*f_mean.shape, k + 1, k + 1))
    cov[..., 0, 0] = f_var
    cov[..., 0, 1:] = cov[..., 1:, 0] = f_bar_cov
    cov[..., 1:, 1:] = bar_cov
    meets = np.ones(f_mean.shape)
    for j in range(1, k + 1):
        var_j = np.maximum(cov[..., j, j], 1e-12)
        sd_j = np.sqrt(var_j)
        z = (bar_min[..., j - 1] - mean[..., j]) / sd_j
        p = ndtr(-z)
        meets = meets * p
        ratio = np.where(p > 1e-300, np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / np.maximum(p, 1e-300), 0.0)
        ratio = np.where(z < -BIG / 10, 0.0, ratio)
        shift = sd_j * ratio  # E[X_j | X_j >= m_j] - mean_j
        shrink = 1.0 - np.maximum(1.0 + z * ratio - ratio**2, 0.0)  # 1 - Var(truncated) / var_j
        column = cov[..., :, j] / var_j[..., None]
        mean = mean + column * shift[..., None]
        cov = cov - (column[..., :, None] * cov[..., j, None, :]) * shrink[..., None, None]
    met_mean, met_var = mean[..., 0], np.maximum(cov[..., 0, 0], 0.0)
    missed = np.maximum(1.0 - meets, 1e-12)
    miss_mean = (f_mean - meets * met_mean) / missed
    second = f_var + f_mean**2 - meets * (met_var + met_mean**2)
    miss_var = np.maximum(second / missed - miss_mean**2, 0.0)
    # Nearly certain outcomes: the other part is undetermined, so give it the whole.
    sure = meets > 1 - 1e-9
    miss_mean, miss_var = np.where(sure, f_mean, miss_mean), np.where(sure, f_var, miss_var)
    never = meets < 1e-9
    met_mean, met_var = np.where(never, f_mean, met_mean), np.where(never, f_var, met_var)
    miss_mean, miss_var = np.where(never, f_mean, miss_mean), np.where(never, f_var, miss_var)
    return meets, met_mean, met_var, miss_mean / 2, miss_var / 4


def _mixture_quantile(p, mean_a, sd_a, mean_b, sd_b, q):
    """q-quantile of p N(mean_a, sd_a^2) + (1 - p) N(mean_b, sd_b^2), vectorised.

    The quantile lies between the components' own q-quantiles. Safeguarded
    Newton from the moment-matched normal's quantile: a step that leaves the
    bracket is replaced by bisection, and the bracket shrinks each step, so it
    converges whatever the shape; it stops at |F(x) - q| < 1e-10 (most within a few steps).
    """
    from scipy.special import ndtri

    sd_a, sd_b = np.maximum(sd_a, 1e-9), np.maximum(sd_b, 1e-9)
    z = ndtri(q)
    quantile_a, quantile_b = mean_a + z * sd_a, mean_b + z * sd_b
    low, high = np.minimum(quantile_a, quantile_b), np.maximum(quantile_a, quantile_b)
    mixed = (p > 1e-12) & (p < 1 - 1e-12) & (high - low > 1e-9)
    result = np.where(p >= 0.5, quantile_a, quantile_b)
    if mixed.any():
        p_m, a_m, sa_m, b_m, sb_m = p[mixed], mean_a[mixed], sd_a[mixed], mean_b[mixed], sd_b[mixed]
        lo, hi = low[mixed], high[mixed]
        mean = p_m * a_m + (1 - p_m) * b_m
        spread = np.sqrt(p_m * (sa_m**2 + a_m**2) + (1 - p_m) * (sb_m**2 + b_m**2) - mean**2)
        x = np.clip(mean + z * spread, lo, hi)
        norm = 1.0 / np.sqrt(2 * np.pi)
        active = np.arange(len(x))
        for _ in range(60):
            xa = x[active]
            ta, tb = (xa - a_m[active]) / sa_m[active], (xa - b_m[active]) / sb_m[active]
            pa = p_m[active]
            excess = pa * ndtr(ta) + (1 - pa) * ndtr(tb) - q
            done = (np.abs(excess) < 1e-10) | (hi[active] - lo[active] < 1e-9)
            if done.all():
                break
            active, xa, excess, ta, tb, pa = (v[~done] for v in (active, xa, excess, ta, tb, pa))
            density = norm * (
                pa * np.exp(-0.5 * ta * ta) / sa_m[active] + (1 - pa) * np.exp(-0.5 * tb * tb) / sb_m[active]
            )
            below = excess < 0
            lo[active] = np.where(below, xa, lo[active])
            hi[active] = np.where(below, hi[active], xa)
            step = xa - excess / np.maximum(density, 1e-300)
            inside = (step > lo[active]) & (step < hi[active])
            x[active] = np.where(inside, step, (lo[active] + hi[active]) / 2)
        result[mixed] = x
    return result


def fit_scores(ratings: Ratings, calibration: Calibration, profiles: Profiles) -> tuple[SkillEstimates, Fit]:
    """Skill posteriors and the fit of every candidate to every role (see the module docstring)."""
    c, a = ratings.n_candidates, ratings.n_areas
    n_roles = len(profiles.roles)
    estimate, se = np.zeros((c, a)), np.zeros((c, a))
    counts = np.zeros((c, a), dtype=np.int64)
    shape = (c, n_roles)
    f_mean, f_sd = np.zeros(shape), np.zeros(shape)
    met_mean, met_var, miss_mean, miss_var = (
        np.zeros(shape),
        np.zeros(shape),
        np.zeros(shape),
        np.zeros(shape),
    )
    below = np.full((c, n_roles, a), np.nan)
    contribution = np.zeros((c, n_roles, a))
    weight = profiles.weight
    total = weight.sum(axis=1)
    scale = 100.0 / total[None]
    bar_areas, bar_minimum = _bar_layout(profiles)
    meets = np.ones(shape)
    roles = np.arange(n_roles)

    def work(members, n, mean, covariance):
        sd = np.sqrt(np.diagonal(covariance, axis1=1, axis2=2))
        value, exact_variance, slope = expected_credit(mean, sd, profiles)
        gradient = weight[None] * slope  # (chunk, R, A)
        # Linearised covariances between areas; each area's own variance exact (the
        # linearisation is its lower bound).
        spread = gradient @ covariance  # Cov(f, skill[a]) up to the scale, exact by Stein's lemma
        variance = np.einsum("cra,cra->cr", spread, gradient)
        variance += (weight[None] ** 2 * exact_variance - gradient**2 * (sd**2)[:, None, :]).sum(axis=2)
        chunk_mean = scale * (weight[None] * value).sum(axis=2)
        chunk_var = scale**2 * np.maximum(variance, 0.0)
        chunk_below = below_probability(mean, sd, profiles)
        rows = np.arange(len(members))[:, None, None]
        chunk_meets, *parts = _gate_moments(
            chunk_mean,
            chunk_var,
            scale[:, :, None] * spread[rows, roles[None, :, None], bar_areas[None]],
            mean[rows, bar_areas[None]],
            covariance[rows[..., None], bar_areas[None, :, :, None], bar_areas[None, :, None, :]],
            bar_minimum[None],
        )
        f_mean[members], f_sd[members] = chunk_mean, np.sqrt(chunk_var)
        met_mean[members], met_var[members], miss_mean[members], miss_var[members] = parts
        meets[members] = chunk_meets
        below[members] = chunk_below
        contribution[members] = scale[:, :, None] * weight[None] * value
        estimate[members], se[members], counts[members] = mean, sd, n

    _each_chunk(_posterior_jobs(ratings, calibration), work)
    estimates = SkillEstimates(estimate, se, counts)
    assessed = (counts > 0)[:, None, :] & (weight[None] > 0)
    coverage = np.where(assessed, weight[None], 0.0).sum(axis=2) / np.where(total > 0, total, 1.0)[None]
    fit = meets * met_mean + (1 - meets) * miss_mean
    second = meets * (met_var + met_mean**2) + (1 - meets) * (miss_var + miss_mean**2)
    fit_se = np.sqrt(np.maximum(second - fit**2, 0.0))
    bounds = (meets, met_mean, np.sqrt(met_var), miss_mean, np.sqrt(miss_var))
    lower = np.clip(_mixture_quantile(*bounds, 0.1), 0.0, 100.0)
    upper = np.clip(_mixture_quantile(*bounds, 0.9), 0.0, 100.0)
    fit = np.clip(fit, 0.0, 100.0)
    missing = coverage <= 0
    fit, lower, upper, fit_se = (np.where(missing, np.nan, x) for x in (fit, lower, upper, fit_se))
    with np.errstate(invalid="ignore"):
        gated = np.nan_to_num(below, nan=0.0).max(axis=2) >= CLEAR_BELOW
        below_bar = np.nan_to_num(below, nan=0.0) >= 0.5
    return estimates, Fit(
        fit=fit,
        lower=np.minimum(lower, fit),
        upper=np.maximum(upper, fit),
        se=fit_se,
        coverage=coverage,
        below_probability=below,
        meets_probability=meets,
        below_bar=below_bar,
        gated=gated,
        contribution=contribution,
        ungated=f_mean,
        ungated_se=f_sd,
    )


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


ORDERS = ("fit", "lower", "meets_bars")


def rank(
    fit_values: np.ndarray,
    lower: np.ndarray,
    coverage: np.ndarray,
    tie_keys: np.ndarray,
    *,
    by: str = "fit",
    meets: np.ndarray | None = None,
    gated: np.ndarray | None = None,
) -> np.ndarray:
    """Order of candidates, best first: by fit (posterior mean), the interval's lower bound, or P(meets bars).

    Candidates clearly below a must-have bar (``gated``) come after every
    other candidate whatever the order; candidates without a fit come last.
    Ties are broken by fit (or, ordering by fit, by the lower bound), then by
    higher coverage, then by ``tie_keys`` ascending (the application id:
    earlier applications first), so the order is total and deterministic.
    """
    if by not in ORDERS:
        raise ValueError("rank by 'fit', 'lower' or 'meets_bars'")
    n = len(fit_values)
    meets = np.ones(n) if meets is None else np.asarray(meets, dtype=np.float64)
    gated = np.zeros(n, dtype=bool) if gated is None else np.asarray(gated, dtype=bool)
    primary, secondary = {
        "fit": (fit_values, lower),
        "lower": (lower, fit_values),
        "meets_bars": (meets, fit_values),
    }[by]
    missing = np.isnan(fit_values)
    # np.lexsort sorts by the last key first; negate for descending order.
    return np.lexsort(
        (
            tie_keys,
            -np.nan_to_num(coverage, nan=0.0),
            -np.nan_to_num(secondary, nan=-1.0),
            -np.nan_to_num(primary, nan=-1.0),
            gated,
            missing,
        )
    )
