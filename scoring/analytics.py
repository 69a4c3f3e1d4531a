"""Opening analytics: pure computations on plain numbers (NumPy/SciPy, no Django, no ORM).

The loading lives in ``review.selectors``; these functions take
numbers and return frozen dataclasses, so each can be checked by hand.

Turnaround (``turnaround_summary``)
    Hours from an interview's end (scheduled start + duration) to the first
    submission of a scorecard. A scorecard submitted before the scheduled end
    (the interview ended early) counts as 0 hours, not as a negative time.
    Median and 90th percentile use NumPy's default linear interpolation between
    order statistics (Hyndman & Fan type 7): for hours 1, 2, 3, 4, 10 the
    median is 3 and the 90th percentile 4 + 0.6 * (10 - 4) = 7.6.

Adverse impact (``adverse_impact``)
    The four-fifths rule of the US Uniform Guidelines (29 CFR 1607.4(D)): a
    group's selection rate is selected / applicants, its impact ratio is its
    rate over the highest rate among the reported groups, and a ratio below 0.8
    is flagged as evidence of adverse impact. Each reported group is also
    compared with everyone else analysed in the same dimension (the other
    groups, suppressed ones included) by Fisher's exact test, two-sided, on the
    2x2 table [[selected, not selected] of the group, [selected, not selected]
    of the rest]: exact, so valid for the small counts an opening has. The
    four-fifths ratio says how large a difference is, the p-value whether it
    could be chance; with a few dozen applicants a large ratio gap can still
    have a large p-value.

    Groups with fewer than ``min_group`` applicants are suppressed: their
    counts, rate and test are not returned at all (only that they exist), so
    no small group's outcome, and so no individual's, can be read off the page.

Leniency (``leniency_rows``)
    Delegates to ``scoring.reliability.interviewer_leniency``: the calibrated leniency
    with an 80% interval offset -/+ 1.2816 * se, on the 1-5 scale.

Disagreement (``disagreement``, stated for people in ``DISAGREEMENT_RULE``)
    The interviewers of a candidate disagree when the submitted ratings of some
    skill area differ by ``DISAGREEMENT_SPREAD`` levels or more (highest minus
    lowest), or when the submitted recommendations include both a no (no,
    strong no) and a yes (yes, strong yes). A single rating of an area cannot
    disagree with itself; ratings left "not assessed" are not levels.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import fisher_exact

from scoring import reliability

FOUR_FIFTHS = 0.8
INTERVAL = 0.8  # the leniency interval's coverage, matching Z80

DISAGREEMENT_SPREAD = 2
DISAGREEMENT_RULE = (
    f"Disagreement: the submitted ratings of a skill area differ by {DISAGREEMENT_SPREAD} levels or more, "
    "or the submitted recommendations include both a no (no or strong no) and a yes (yes or strong yes)."
)
# The values of ``assessments.models.Recommendation`` (plain strings: this module imports no Django).
NO_RECOMMENDATIONS = frozenset({"strong_no", "no"})
YES_RECOMMENDATIONS = frozenset({"yes", "strong_yes"})


@dataclass(frozen=True)
class Turnaround:
    count: int
    median_hours: float | None
    p90_hours: float | None


def turnaround_summary(hours: Sequence[float]) -> Turnaround:
    """Count, median and 90th percentile of ``hours`` (negatives count as 0); None for no values."""
    values = np.clip(np.asarray(hours, dtype=float), 0.0, None)
    if values.size == 0:
        return Turnaround(0, None, None)
    median, p90 = np.percentile(values, [50, 90])
    return Turnaround(int(values.size), float(median), float(p90))


@dataclass(frozen=True)
class GroupImpact:
    group: str
    suppressed: bool  # fewer than min_group applicants: nothing below is reported
    applicants: int | None
    selected: int | None
    rate: float | None
    impact_ratio: float | None  # rate / highest reported rate; None when that rate is 0
    flagged: bool  # impact ratio below 0.8
    p_value: float | None  # Fisher's exact test, two-sided, this group vs the rest analysed


@dataclass(frozen=True)
class AdverseImpact:
    groups: list[GroupImpact]  # reported groups by rate, highest first, then suppressed ones by name
    reference: str | None  # the reported group with the highest rate
    analysed: int  # applicants in the analysis, suppressed groups included
    min_group: int


def _fisher_p(selected: int, applicants: int, rest_selected: int, rest_applicants: int) -> float | None:
    if rest_applicants == 0:
        return None
    table = [[selected, applicants - selected], [rest_selected, rest_applicants - rest_selected]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


def adverse_impact(
    groups: Mapping[str, tuple[int, int]], *, min_group: int = 5, threshold: float = FOUR_FIFTHS
) -> AdverseImpact:
    """Selection rate, impact ratio, four-fifths flag and Fisher p per group of one dimension.

    ``groups`` maps a group's name to ``(selected, applicants)``; groups with
    no applicants are ignored. Raises ValueError when selected is negative or
    exceeds applicants. See the module docstring for the definitions.
    """
    min_group = max(int(min_group), 1)
    counts = {name: (int(s), int(n)) for name, (s, n) in groups.items() if int(n) > 0}
    for name, (selected, applicants) in counts.items():
        if not 0 <= selected <= applicants:
            raise ValueError(f"group {name!r}: {selected} selected of {applicants}")
    total_selected = sum(selected for selected, _ in counts.values())
    total_applicants = sum(applicants for _, applicants in counts.values())
    reported = {name: value for name, value in counts.items() if value[1] >= min_group}
    rates = {name: selected / applicants for name, (selected, applicants) in reported.items()}
    reference = max(rates, key=lambda name: (rates[name], name)) if rates else None
    highest = rates[reference] if reference is not None else 0.0

    rows = []
    for name in sorted(rates, key=lambda name: (-rates[name], name)):
        selected, applicants = reported[name]
        ratio = rates[name] / highest if highest > 0 else None
        rows.append(
            GroupImpact(
                group=name,
                suppressed=False,
                applicants=applicants,
                selected=selected,
                rate=rates[name],
                impact_ratio=ratio,
                flagged=ratio is not None and ratio < threshold and not math.isclose(ratio, threshold),
                p_value=_fisher_p(
                    selected, applicants, total_selected - selected, total_applicants - applicants
                ),
            )
        )
    rows += [
        GroupImpact(name, True, None, None, None, None, False, None)
        for name in sorted(set(counts) - set(reported))
    ]
    return AdverseImpact(groups=rows, reference=reference, analysed=total_applicants, min_group=min_group)


def leniency_rows(
    *, offset: Sequence[float], se: Sequence[float], n_ratings: Sequence[int]
) -> list[reliability.InterviewerLeniency]:
    """Stored leniencies read as ``scoring.reliability.interviewer_leniency`` does: 80% interval and lean."""
    return reliability.interviewer_leniency(offset=offset, se=se, n_ratings=n_ratings)


def agreement_reading(alpha: float | None, stored_reading: str) -> tuple[float | None, str]:
    """A stored alpha (NaN when there was none) as None-or-number, with its Krippendorff reading.

    The reading of a number is recomputed with ``scoring.reliability.reading``
    (so the thresholds live in one place); for no alpha the stored reason
    ("not enough overlap" / "no variation") is kept.
    """
    if alpha is None or not math.isfinite(alpha):
        return None, stored_reading or reliability.NOT_ENOUGH_OVERLAP
    return alpha, reliability.reading(alpha)


@dataclass(frozen=True)
class Disagreement:
    areas: list[str]  # the areas whose submitted levels differ by DISAGREEMENT_SPREAD or more, in given order
    recommendations_split: bool  # both a no and a yes among the submitted recommendations

    @property
    def found(self) -> bool:
        return bool(self.areas) or self.recommendations_split


def disagreement(
    *, level_ranges: Mapping[str, tuple[int, int]], recommendations: Collection[str]
) -> Disagreement:
    """Whether a candidate's interviewers disagree (the rule in the module docstring).

    ``level_ranges`` maps a skill area to the lowest and highest level of its
    submitted ratings (areas without a rated level left out); ``recommendations``
    holds the submitted recommendations (repeats allowed).
    """
    given = set(recommendations)
    return Disagreement(
        areas=[
            area
            for area, (lowest, highest) in level_ranges.items()
            if highest - lowest >= DISAGREEMENT_SPREAD
        ],
        recommendations_split=bool(given & NO_RECOMMENDATIONS) and bool(given & YES_RECOMMENDATIONS),
    )
