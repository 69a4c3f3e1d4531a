"""Inter-rater agreement per skill area, and how far each interviewer leans. Pure NumPy, no Django.

Krippendorff's alpha (``area_agreement``)
    alpha = 1 - D_o / D_e: one minus the disagreement observed between the
    ratings given to the same candidate, over the disagreement expected if the
    same ratings had been handed out at random. 1 is perfect agreement, 0 is
    agreement no better than chance, and below 0 is systematic disagreement.
    Following Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
    the ratings of each unit u (here: a candidate in one skill area) with m_u
    values form the coincidence matrix

        o[c, k] = sum_u (number of ordered pairs of values (c, k) in u) / (m_u - 1)

    with marginals n_c = sum_k o[c, k] and n = sum_c n_c, and

        D_o = sum_{c,k} o[c, k] delta^2(c, k)
        D_e = sum_{c,k} n_c n_k delta^2(c, k) / (n - 1)      (up to the common factor 1/n)

    For the ordinal metric the distance between levels c <= k depends on how
    often the levels in between are used:

        delta^2(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2

    so the 1-5 levels are treated as ordered but not equally spaced. Only units
    with two or more ratings ("pairable" units) enter o; a candidate seen by a
    single interviewer says nothing about agreement. The computation is
    delegated to the ``krippendorff`` package, which takes ``reliability_data``
    shaped raters x units with NaN where a rater did not rate a unit (statsmodels
    uses the transpose), and needs ``value_domain=[1, 2, 3, 4, 5]`` spelled out
    for ordinal data: otherwise the domain is inferred from the levels that
    occur, and an unused level would change the ordinal distances.

    One value per rater and unit: when an interviewer rated the same candidate
    and area more than once (two interviews), their ratings are averaged and the
    mean rounded to the nearest level, halves to even (2.5 -> 2, 3.5 -> 4) so
    ties do not lean systematically up or down. Counting both ratings would
    treat an interviewer agreeing with themselves as two raters agreeing.

Why not the ICC
    The intraclass correlation (Shrout & Fleiss ICC(2,1)) needs a balanced
    design, every interviewer rating every candidate. Interviewers here see only
    some candidates, and pingouin's ``intraclass_corr`` drops every candidate
    not rated by all raters, which for a real opening drops nearly all of them.
    Alpha uses every pairable rating, whatever the design, and has an ordinal
    metric for the anchored 1-5 scale.

Readings (``reading``)
    Krippendorff's own thresholds (Krippendorff 2004, "Content Analysis: An
    Introduction to Its Methodology", 2nd ed., sec. 11.4.4; repeated in
    Krippendorff 2011): alpha >= 0.800 "reliable"; 0.667 <= alpha < 0.800
    "tentative" (good enough only for tentative conclusions); below 0.667
    "unreliable". When there is no alpha the reading says why: "not enough
    overlap" (fewer than ``min_units`` candidates rated by two or more
    interviewers) or "no variation" (every pairable rating is the same level,
    so D_o = D_e = 0 and alpha is 0/0: perfect agreement cannot be told apart
    from a scale nobody used).

Interviewer leniency (``interviewer_leniency``)
    Reads the calibration's leniency of each interviewer (``scoring.engine.calibrate``,
    a random effect with its posterior sd): an 80% interval offset -/+ 1.2816 * se;
    "lenient" when it lies entirely above 0, "severe" when entirely below,
    "no clear lean" otherwise, and "not enough ratings" without any.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import krippendorff
import numpy as np

from scoring.engine import Z80, Ratings

LEVELS = (1, 2, 3, 4, 5)
RELIABLE = 0.800
TENTATIVE = 0.667

NOT_ENOUGH_OVERLAP = "not enough overlap"
NO_VARIATION = "no variation"
NOT_ENOUGH_RATINGS = "not enough ratings"


@dataclass(frozen=True)
class AreaAgreement:
    area: int
    alpha: float | None  # Krippendorff's alpha, ordinal metric; None when it cannot be computed
    n_units: int  # candidates rated in this area by two or more interviewers (pairable units)
    n_ratings: int  # ratings in those units, one per interviewer after merging repeats
    n_raters: int  # distinct interviewers among them
    reading: str


@dataclass(frozen=True)
class InterviewerLeniency:
    rater: int
    offset: float  # shrunk leniency offset in levels (positive: rates high)
    se: float
    lower: float  # 80% interval
    upper: float
    n_ratings: int
    reading: str


def reading(alpha: float | None, *, varied: bool = True) -> str:
    """Krippendorff's reading of ``alpha``; for None, why there is none.

    None reads "no variation" when ``varied`` is False (every pairable rating
    equal) and "not enough overlap" otherwise. NaN is treated like None.
    """
    if alpha is None or np.isnan(alpha):
        return NOT_ENOUGH_OVERLAP if varied else NO_VARIATION
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


def _merge_repeats(ratings: Ratings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One value per (area, candidate, rater): the mean of the ratings, rounded half to even.

    Returns area, candidate, rater and value arrays sorted by area, then
    candidate, then rater.
    """
    n_raters = ratings.n_raters
    if len(ratings.level) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    key = (ratings.area * ratings.n_candidates + ratings.candidate) * n_raters + ratings.rater
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sums = np.add.reduceat(ratings.level[order], starts)
    counts = np.diff(np.r_[starts, len(sorted_key)])
    value = np.rint(sums / counts)
    merged_key = sorted_key[starts]
    rater = merged_key % n_raters
    area_candidate = merged_key // n_raters
    return area_candidate // ratings.n_candidates, area_candidate % ratings.n_candidates, rater, value


def _alpha(reliability_data: np.ndarray) -> float | None:
    """The package's ordinal alpha, or None where it is undefined (raises, or 0/0)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 when nothing varies
            value = float(
                krippendorff.alpha(
                    reliability_data=reliability_data,
                    level_of_measurement="ordinal",
                    value_domain=list(LEVELS),
                )
            )
    except ValueError:  # no pairable unit
        return None
    return value if np.isfinite(value) else None


def area_agreement(ratings: Ratings, *, min_units: int = 2) -> list[AreaAgreement]:
    """Krippendorff's alpha (ordinal) per skill area, one entry per area index 0..n_areas-1.

    Each area's ratings become a (raters x units) matrix, a unit being a
    candidate rated in that area, NaN where an interviewer did not rate the
    candidate; a repeated rating by one interviewer is averaged first (see the
    module docstring). Alpha is None, with the reason as its reading, when fewer
    than ``min_units`` (at least 1) candidates were rated by two or more
    interviewers, or when every pairable rating is the same level. Never
    raises for a valid ``Ratings`` and never returns NaN.
    """
    min_units = max(int(min_units), 1)
    area, candidate, rater, value = _merge_repeats(ratings)
    # Rows are sorted by area: one slice per area.
    bounds = np.searchsorted(area, np.arange(ratings.n_areas + 1))
    results = []
    for index in range(ratings.n_areas):
        rows = slice(bounds[index], bounds[index + 1])
        area_candidate, area_rater, area_value = candidate[rows], rater[rows], value[rows]
        # Candidates are sorted within the area: renumber them 0..n_units-1 in order.
        new_unit = np.empty(len(area_candidate), dtype=bool)
        new_unit[:1] = True
        np.not_equal(area_candidate[1:], area_candidate[:-1], out=new_unit[1:])
        unit = np.cumsum(new_unit) - 1
        n_all_units = int(np.count_nonzero(new_unit))
        raters_per_unit = np.bincount(unit, minlength=n_all_units)
        pairable = raters_per_unit[unit] >= 2
        n_units = int(np.count_nonzero(raters_per_unit >= 2))
        n_ratings = int(np.count_nonzero(pairable))
        n_raters = int(np.count_nonzero(np.bincount(area_rater[pairable], minlength=ratings.n_raters)))

        if n_units < min_units:
            alpha, varied = None, True
        elif np.ptp(area_value[pairable]) == 0:
            alpha, varied = None, False
        else:
            reliability_data = np.full((ratings.n_raters, n_all_units), np.nan)
            reliability_data[area_rater, unit] = area_value
            alpha, varied = _alpha(reliability_data), True
        results.append(
            AreaAgreement(
                area=index,
                alpha=alpha,
                n_units=n_units,
                n_ratings=n_ratings,
                n_raters=n_raters,
                reading=reading(alpha, varied=varied),
            )
        )
    return results


def interviewer_leniency(*, offset, se, n_ratings) -> list[InterviewerLeniency]:
    """Per interviewer: leniency from the calibration, its 80% interval and what it says.

    "lenient" when the interval offset -/+ 1.2816 * se lies entirely above 0,
    "severe" when entirely below, "no clear lean" otherwise, and "not enough
    ratings" for an interviewer with none (the offset is then the prior's 0,
    not a measurement).
    """
    offset = np.asarray(offset, dtype=float)
    se = np.asarray(se, dtype=float)
    n_ratings = np.asarray(n_ratings, dtype=np.int64)
    lower = offset - Z80 * se
    upper = offset + Z80 * se
    results = []
    for index in range(len(offset)):
        if n_ratings[index] == 0:
            lean = NOT_ENOUGH_RATINGS
        elif lower[index] > 0:
            lean = "lenient"
        elif upper[index] < 0:
            lean = "severe"
        else:
            lean = "no clear lean"
        results.append(
            InterviewerLeniency(
                rater=index,
                offset=float(offset[index]),
                se=float(se[index]),
                lower=float(lower[index]),
                upper=float(upper[index]),
                n_ratings=int(n_ratings[index]),
                reading=lean,
            )
        )
    return results
