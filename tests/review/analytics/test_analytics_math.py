"""The pure computations of scoring.analytics, against numbers worked out by hand."""

import math

import pytest

from scoring.analytics import Turnaround, adverse_impact, agreement_reading, leniency_rows, turnaround_summary


def test_turnaround_median_and_90th_percentile_match_hand_computed_values():
    # sorted 1, 2, 3, 4, 10: median is the middle value 3; the 90th percentile sits at
    # rank 0.9 * (5 - 1) = 3.6, so 4 + 0.6 * (10 - 4) = 7.6.
    summary = turnaround_summary([10, 1, 3, 2, 4])

    assert summary.count == 5
    assert summary.median_hours == pytest.approx(3.0)
    assert summary.p90_hours == pytest.approx(7.6)


def test_turnaround_counts_a_scorecard_submitted_before_the_interview_ended_as_zero_hours():
    # -0.5 -> 0, so 0, 0.5, 2: median 0.5; rank 0.9 * 2 = 1.8 -> 0.5 + 0.8 * (2 - 0.5) = 1.7.
    summary = turnaround_summary([-0.5, 0.5, 2])

    assert (summary.median_hours, summary.p90_hours) == (pytest.approx(0.5), pytest.approx(1.7))


def test_turnaround_of_nothing_has_no_median():
    assert turnaround_summary([]) == Turnaround(count=0, median_hours=None, p90_hours=None)


def test_adverse_impact_flags_a_group_below_four_fifths_of_the_highest_rate():
    # A: 8/10 = .8, B: 3/10 = .3; impact ratio of B = .3 / .8 = .375 < .8, flagged.
    # Fisher's exact, two-sided, on [[8, 2], [3, 7]]: hypergeometric with margins 10/10 and 11/9,
    # P(a) = C(10, a) C(10, 11 - a) / C(20, 11) with C(20, 11) = 167960; P(8) = 45 * 120 / 167960;
    # tables as or less likely: a = 1, 2, 3, 8, 9, 10 -> 2 * (10 + 450 + 5400) / 167960 = 0.0697785...
    # (scipy.stats.fisher_exact([[8, 2], [3, 7]]).pvalue == 0.06977851869492736). B vs rest is the same table.
    result = adverse_impact({"A": (8, 10), "B": (3, 10)})

    a, b = result.groups
    assert result.reference == "A"
    assert result.analysed == 20
    assert (a.group, a.rate, a.impact_ratio, a.flagged) == (
        "A",
        pytest.approx(0.8),
        pytest.approx(1.0),
        False,
    )
    assert (b.group, b.rate, b.impact_ratio, b.flagged) == (
        "B",
        pytest.approx(0.3),
        pytest.approx(0.375),
        True,
    )
    assert a.p_value == pytest.approx(0.06977851869492736)
    assert b.p_value == pytest.approx(0.06977851869492736)


def test_adverse_impact_suppresses_groups_smaller_than_the_minimum_but_keeps_them_in_the_rest():
    # C has 4 applicants (< 5): suppressed, nothing about it is returned but its name.
    # A vs rest (B + C = 5 of 14): [[8, 2], [5, 9]] -> p = 0.04717997038632386 (scipy, checked);
    # B vs rest (A + C = 10 of 14): [[3, 7], [10, 4]] -> p = 0.0953021941041863.
    result = adverse_impact({"A": (8, 10), "B": (3, 10), "C": (2, 4)}, min_group=5)

    a, b, c = result.groups
    assert (c.group, c.suppressed) == ("C", True)
    assert (c.applicants, c.selected, c.rate, c.impact_ratio, c.p_value, c.flagged) == (
        None,
        None,
        None,
        None,
        None,
        False,
    )
    assert result.analysed == 24
    assert a.p_value == pytest.approx(0.04717997038632386)
    assert b.p_value == pytest.approx(0.0953021941041863)
    assert b.impact_ratio == pytest.approx(0.375)


def test_adverse_impact_compares_with_the_highest_reported_group_not_a_suppressed_one():
    # The suppressed group's 4/4 = 1.0 would otherwise be the reference; A (.6) is.
    result = adverse_impact({"A": (3, 5), "B": (3, 6), "C": (4, 4)}, min_group=5)

    assert result.reference == "A"
    # B: .5 / .6 = .8333 -> meets the rule.
    assert result.groups[1].impact_ratio == pytest.approx(0.5 / 0.6)
    assert result.groups[1].flagged is False


def test_adverse_impact_exactly_four_fifths_is_not_flagged():
    # 4/10 vs 5/10: .4 / .5 = .8, not below .8.
    result = adverse_impact({"A": (5, 10), "B": (4, 10)})

    assert result.groups[1].impact_ratio == pytest.approx(0.8)
    assert result.groups[1].flagged is False


def test_adverse_impact_when_nobody_was_selected_has_no_ratio_and_no_flag():
    result = adverse_impact({"A": (0, 6), "B": (0, 7)})

    assert [(g.impact_ratio, g.flagged) for g in result.groups] == [(None, False), (None, False)]
    assert result.groups[0].p_value == pytest.approx(1.0)


def test_adverse_impact_of_a_single_group_has_no_test():
    result = adverse_impact({"A": (3, 6)})

    assert result.groups[0].impact_ratio == pytest.approx(1.0)
    assert result.groups[0].p_value is None


def test_adverse_impact_refuses_more_selected_than_applicants():
    with pytest.raises(ValueError, match="7 selected of 6"):
        adverse_impact({"A": (7, 6)})


def test_leniency_rows_give_an_80_percent_interval_in_points():
    # 0.5 -/+ 1.2816 * 0.2 = 0.2437 .. 0.7563, wholly above 0: lenient.
    # -0.1 -/+ 1.2816 * 0.3 = -0.4845 .. 0.2845, straddles 0: no clear lean.
    # -0.6 -/+ 1.2816 * 0.25 = -0.9204 .. -0.2796: severe. No ratings at all: not enough ratings.
    rows = leniency_rows(
        offset=[0.5, -0.1, -0.6, 0.0],
        se=[0.2, 0.3, 0.25, 0.5],
        n_ratings=[12, 8, 9, 0],
    )

    assert [(round(r.lower, 4), round(r.upper, 4)) for r in rows[:3]] == [
        (0.2437, 0.7563),
        (-0.4845, 0.2845),
        (-0.9204, -0.2796),
    ]
    assert [r.reading for r in rows] == ["lenient", "no clear lean", "severe", "not enough ratings"]
    assert [r.n_ratings for r in rows] == [12, 8, 9, 0]


@pytest.mark.parametrize(
    ("alpha", "stored", "expected"),
    [
        (0.85, "", (0.85, "reliable")),
        (0.800, "", (0.8, "reliable")),
        (0.70, "", (0.7, "tentative")),
        (0.667, "", (0.667, "tentative")),
        (0.5, "", (0.5, "unreliable")),
        (-0.2, "", (-0.2, "unreliable")),
        (math.nan, "no variation", (None, "no variation")),
        (None, "not enough overlap", (None, "not enough overlap")),
    ],
)
def test_agreement_reading_follows_krippendorffs_thresholds(alpha, stored, expected):
    assert agreement_reading(alpha, stored) == expected
