"""The arithmetic of ``benchmarks.load``: percentiles, the best one-second window, summaries of counts.

Pure functions on lists of floats, no Django, so they are unit-tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks.

    The same definition as NumPy's default (``method="linear"``): with the
    values sorted as ``v[0..n-1]``, the percentile sits at rank
    ``h = (n - 1) * q / 100`` and is ``v[floor(h)] + (h - floor(h)) *
    (v[floor(h) + 1] - v[floor(h)])``. Raises ``ValueError`` on an empty
    sequence or a ``q`` outside 0-100.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be between 0 and 100; got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def peak_rate(moments: Sequence[float], *, window: float = 1.0) -> int:
    """The most events inside any window of ``window`` seconds: the peak requests per second.

    ``moments`` are completion times in seconds (any origin, any order). A
    window is half-open, ``[t, t + window)``; the busiest one can always be
    slid to start at an event, so only those starts are tried (two pointers
    over the sorted times, O(n log n)). No events: 0.
    """
    ordered = sorted(moments)
    best = 0
    end = 0
    for start, moment in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] < moment + window:
            end += 1
        best = max(best, end - start)
    return best


def count_summary(counts: Sequence[int]) -> dict[str, int] | None:
    """``{"median": m, "max": M}`` of ``counts`` (queries per request), or None when there are none.

    The median is the lower one (of an even number of counts, the smaller of
    the middle two), so it is a count some request really had.
    """
    if not counts:
        return None
    ordered = sorted(counts)
    return {"median": ordered[(len(ordered) - 1) // 2], "max": ordered[-1]}


def ratio(numerator: float, denominator: float, *, places: int) -> float | None:
    """``numerator / denominator`` rounded to ``places``; None when the denominator is 0 (none measured)."""
    return round(numerator / denominator, places) if denominator else None
