"""Agreement statistics: Krippendorff's alpha per area and interviewer leniency (pure, no database)."""

import krippendorff
import numpy as np
import pytest

from scoring.engine import Ratings
from scoring.reliability import area_agreement, interviewer_leniency, reading

NAN = np.nan


def ratings(rows, *, n_candidates, n_areas=1, n_raters):
    """rows: (candidate, area, rater, level) tuples."""
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    return Ratings.from_arrays(*columns, n_candidates=n_candidates, n_areas=n_areas, n_raters=n_raters)


def package_alpha(reliability_data):
    return krippendorff.alpha(
        reliability_data=np.asarray(reliability_data, dtype=float),
        level_of_measurement="ordinal",
        value_domain=[1, 2, 3, 4, 5],
    )


# An incomplete design: three interviewers, four candidates, one area.
# Rows are interviewers, columns candidates (raters x units), NaN = did not rate.
INCOMPLETE = [
    [1, 2, NAN, 5],
    [1, 3, 4, NAN],
    [NAN, 3, 4, NAN],
]


def incomplete_ratings():
    rows = [
        (candidate, 0, rater, level)
        for rater, row in enumerate(INCOMPLETE)
        for candidate, level in enumerate(row)
        if not np.isnan(level)
    ]
    return ratings(rows, n_candidates=4, n_raters=3)


# Alpha -------------------------------------------------------------------------


def test_perfect_agreement_on_varied_ratings_is_reliable():
    # given two interviewers who give each candidate the same, different-per-candidate level
    given = ratings(
        [(c, 0, r, level) for c, level in enumerate([1, 3, 5, 2]) for r in (0, 1)], n_candidates=4, n_raters=2
    )

    # when
    (agreement,) = area_agreement(given)

    # then
    assert agreement.alpha == pytest.approx(1.0)
    assert agreement.reading == "reliable"


def test_alpha_of_an_incomplete_design_matches_the_hand_computed_coincidence_matrix():
    # Pairable units: candidate 0 {1, 1}, candidate 1 {2, 3, 3}, candidate 2 {4, 4};
    # candidate 3 has a single rating and carries no information.
    # Coincidences o[c, k] = sum over units of ordered pairs / (m_u - 1):
    #   o[1,1] = 2/1 = 2;  o[2,3] = o[3,2] = 2/2 = 1, o[3,3] = 2/2 = 1;  o[4,4] = 2/1 = 2
    # Marginals n_1 = 2, n_2 = 1, n_3 = 2, n_4 = 2, n_5 = 0; n = 7.
    # Ordinal delta^2(c, k) = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2:
    #   (1,2) 1.5^2 = 2.25, (1,3) 3^2 = 9, (1,4) 5^2 = 25,
    #   (2,3) 1.5^2 = 2.25, (2,4) 3.5^2 = 12.25, (3,4) 2^2 = 4
    # Observed: sum o delta^2 = 2 * 1 * 2.25 = 4.5
    # Expected: sum_{c != k} n_c n_k delta^2 = 2 * (4.5 + 36 + 100 + 4.5 + 24.5 + 16) = 371
    # alpha = 1 - (n - 1) * 4.5 / 371 = 1 - 27/371 = 344/371
    (agreement,) = area_agreement(incomplete_ratings())

    assert agreement.alpha == pytest.approx(344 / 371)
    assert agreement.alpha == pytest.approx(package_alpha(INCOMPLETE))
    assert agreement.reading == "reliable"
    assert (agreement.n_units, agreement.n_ratings, agreement.n_raters) == (3, 7, 3)


def test_reliability_data_is_oriented_raters_by_units():
    # The transposed matrix would treat interviewers as the units and give another alpha.
    (agreement,) = area_agreement(incomplete_ratings())

    assert package_alpha(np.asarray(INCOMPLETE).T) != pytest.approx(344 / 371)
    assert agreement.alpha == pytest.approx(344 / 371)


@pytest.mark.parametrize("seed", range(5))
def test_alpha_matches_the_package_on_a_dense_matrix_built_rating_by_rating(seed):
    # given random incomplete ratings over three areas, some candidates unrated in some areas
    rng = np.random.default_rng(seed)
    n_candidates, n_areas, n_raters = 12, 3, 5
    rows = []
    for candidate in range(n_candidates):
        for area in range(n_areas):
            k = rng.integers(0, 4)
            for rater in rng.choice(n_raters, size=k, replace=False):
                rows.append((candidate, area, int(rater), int(rng.integers(1, 6))))
    given = ratings(rows, n_candidates=n_candidates, n_areas=n_areas, n_raters=n_raters)

    # when
    result = area_agreement(given, min_units=1)

    # then each area equals the package on the (raters x candidates) matrix built by hand
    for area in range(n_areas):
        dense = np.full((n_raters, n_candidates), NAN)
        for candidate, row_area, rater, level in rows:
            if row_area == area:
                dense[rater, candidate] = level
        assert result[area].area == area
        assert result[area].alpha == pytest.approx(package_alpha(dense))


def test_repeated_ratings_by_one_interviewer_of_one_cell_are_averaged():
    # given interviewer 0 rated candidate 1 twice, 2 and 4, which averages to 3
    base = [(0, 0, 0, 1), (0, 0, 1, 2), (2, 0, 0, 5), (2, 0, 1, 5), (1, 0, 1, 3)]
    repeated = ratings([*base, (1, 0, 0, 2), (1, 0, 0, 4)], n_candidates=3, n_raters=2)
    single = ratings([*base, (1, 0, 0, 3)], n_candidates=3, n_raters=2)

    # when
    (with_repeat,) = area_agreement(repeated)
    (with_mean,) = area_agreement(single)

    # then the repeat counts once, as its mean
    assert with_repeat == with_mean
    assert with_repeat.n_ratings == 6


def test_a_repeated_rating_whose_mean_is_a_half_rounds_to_even():
    # given interviewer 0 rated candidate 1 twice, 2 and 3: mean 2.5 rounds to 2
    base = [(0, 0, 0, 1), (0, 0, 1, 1), (2, 0, 0, 5), (2, 0, 1, 5), (1, 0, 1, 2)]
    repeated = ratings([*base, (1, 0, 0, 2), (1, 0, 0, 3)], n_candidates=3, n_raters=2)

    (agreement,) = area_agreement(repeated)

    assert agreement.alpha == pytest.approx(1.0)


def test_one_interviewer_rating_a_candidate_twice_is_not_overlap():
    # given a single interviewer who rated both candidates in two interviews each
    given = ratings(
        [(0, 0, 0, 2), (0, 0, 0, 4), (1, 0, 0, 1), (1, 0, 0, 5)],
        n_candidates=2,
        n_raters=2,
    )

    (agreement,) = area_agreement(given)

    assert agreement.alpha is None
    assert agreement.reading == "not enough overlap"
    assert (agreement.n_units, agreement.n_ratings, agreement.n_raters) == (0, 0, 0)


def test_an_area_nobody_rated_has_no_alpha_and_says_not_enough_overlap():
    # given ratings in area 0 only; area 1 was never assessed
    rows = [(c, 0, r, level) for c, level in enumerate([1, 3, 5]) for r in (0, 1)]
    given = ratings(rows, n_candidates=3, n_areas=2, n_raters=2)

    rated, unrated = area_agreement(given)

    assert rated.alpha == pytest.approx(1.0)
    assert unrated.area == 1
    assert unrated.alpha is None
    assert unrated.reading == "not enough overlap"
    assert (unrated.n_units, unrated.n_ratings, unrated.n_raters) == (0, 0, 0)


def test_no_ratings_at_all_give_one_empty_entry_per_area():
    result = area_agreement(ratings([], n_candidates=3, n_areas=2, n_raters=2))

    assert [(a.area, a.alpha, a.reading) for a in result] == [
        (0, None, "not enough overlap"),
        (1, None, "not enough overlap"),
    ]


def test_an_area_only_one_interviewer_rated_has_no_alpha():
    given = ratings([(0, 0, 0, 2), (1, 0, 0, 4), (2, 0, 0, 5)], n_candidates=3, n_raters=3)

    (agreement,) = area_agreement(given)

    assert agreement.alpha is None
    assert agreement.reading == "not enough overlap"


def test_fewer_pairable_candidates_than_min_units_give_no_alpha():
    # given one candidate seen by two interviewers who disagree; the others seen once
    given = ratings([(0, 0, 0, 2), (0, 0, 1, 4), (1, 0, 0, 3), (2, 0, 1, 5)], n_candidates=3, n_raters=2)

    (default,) = area_agreement(given)
    (lenient,) = area_agreement(given, min_units=1)

    assert default.alpha is None
    assert default.reading == "not enough overlap"
    assert default.n_units == 1
    assert lenient.alpha is not None
    assert lenient.alpha < 0.667


def test_identical_ratings_everywhere_give_no_alpha_and_say_no_variation():
    # given every interviewer gave every candidate a 3: the package would return NaN (0/0)
    given = ratings([(c, 0, r, 3) for c in range(4) for r in range(3)], n_candidates=4, n_raters=3)

    (agreement,) = area_agreement(given)

    assert agreement.alpha is None
    assert agreement.reading == "no variation"
    assert (agreement.n_units, agreement.n_ratings, agreement.n_raters) == (4, 12, 3)


def test_systematic_disagreement_reads_unreliable():
    # given two interviewers who rank the candidates in opposite orders
    given = ratings(
        [(c, 0, 0, level) for c, level in enumerate([1, 2, 4, 5])]
        + [(c, 0, 1, level) for c, level in enumerate([5, 4, 2, 1])],
        n_candidates=4,
        n_raters=2,
    )

    (agreement,) = area_agreement(given)

    assert agreement.alpha < 0
    assert agreement.reading == "unreliable"


# Readings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (1.0, "reliable"),
        (0.8, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (0.5, "unreliable"),
        (-0.3, "unreliable"),
    ],
)
def test_alpha_reads_by_krippendorffs_thresholds(alpha, expected):
    assert reading(alpha) == expected


def test_a_missing_alpha_reads_as_the_reason_it_is_missing():
    assert reading(None) == "not enough overlap"
    assert reading(float("nan")) == "not enough overlap"
    assert reading(None, varied=False) == "no variation"


# Interviewer leniency ----------------------------------------------------------


def test_interviewer_leniency_reads_lenient_severe_no_clear_lean_and_not_enough_ratings():
    # given leniencies with 80% intervals above 0, below 0, across 0, and an interviewer with no ratings
    offset, se, n_ratings = [0.5, -0.5, 0.1, 0.0], [0.1, 0.1, 0.2, 0.5], [12, 9, 15, 0]

    # when
    result = interviewer_leniency(offset=offset, se=se, n_ratings=n_ratings)

    # then
    assert [lean.reading for lean in result] == ["lenient", "severe", "no clear lean", "not enough ratings"]
    assert [lean.rater for lean in result] == [0, 1, 2, 3]
    assert result[0].lower == pytest.approx(0.5 - 1.2816 * 0.1, abs=1e-4)
    assert result[0].upper == pytest.approx(0.5 + 1.2816 * 0.1, abs=1e-4)
    assert result[1].n_ratings == 9
