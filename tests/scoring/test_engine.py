"""The scoring engine: the measurement model, posterior fit, gates and ranking (pure NumPy, no database)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.engine import (
    EXPECTED_CREDIT,
    Calibration,
    Profiles,
    Ratings,
    _gate_moments,
    area_mean_prior,
    calibrate,
    consider_for,
    credit,
    expected_credit,
    fit_scores,
    formula,
    rank,
    skill_posterior,
)

NAN = np.nan


def ratings(rows, *, n_candidates, n_areas, n_raters):
    """rows: (candidate, area, rater, level) tuples."""
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    return Ratings.from_arrays(*columns, n_candidates=n_candidates, n_areas=n_areas, n_raters=n_raters)


def profile(weight, expected, minimum=None, roles=("role",)):
    weight = np.atleast_2d(weight)
    minimum = np.full(weight.shape, NAN) if minimum is None else np.atleast_2d(minimum)
    return Profiles.from_arrays(roles, weight, np.atleast_2d(expected), minimum)


def panel(seed=1, *, n_candidates=60, n_areas=4, leniency=(0.9, 0.0, -0.9), areas_seen=None):
    """Candidates with known skills, every one rated by every interviewer in ``areas_seen`` (default all)."""
    rng = np.random.default_rng(seed)
    truth = np.clip(
        3.0 + rng.normal(0, 0.5, (n_candidates, 1)) + rng.normal(0, 0.4, (n_candidates, n_areas)), 1, 5
    )
    rows = []
    for candidate in range(n_candidates):
        for rater, lean in enumerate(leniency):
            for area in areas_seen if areas_seen is not None else range(n_areas):
                level = np.clip(np.rint(truth[candidate, area] + lean + rng.normal(0, 0.5)), 1, 5)
                rows.append((candidate, area, rater, level))
    return truth, ratings(rows, n_candidates=n_candidates, n_areas=n_areas, n_raters=len(leniency))


# The model ------------------------------------------------------------------------


def test_a_lenient_and_a_severe_interviewer_get_leniency_of_the_right_sign():
    _, data = panel()

    calibration = calibrate(data)

    assert calibration.leniency[0] == pytest.approx(0.9, abs=0.25)
    assert calibration.leniency[2] == pytest.approx(-0.9, abs=0.25)
    assert calibration.converged
    assert np.all(calibration.leniency_se > 0)


def test_an_interviewer_with_one_rating_is_shrunk_toward_zero_and_stays_uncertain():
    _, data = panel()
    before = skill_posterior(data, calibrate(data)).estimate[0, 0]
    rows = [*zip(data.candidate, data.area, data.rater, data.level, strict=True), (0, 0, 3, 4.0)]
    calibration = calibrate(ratings(rows, n_candidates=60, n_areas=4, n_raters=4))

    raw_difference = 4.0 - before
    assert 0 < calibration.leniency[3] < raw_difference
    # Every leniency shares the panel's own uncertainty (3 interviewers); the newcomer's is larger.
    assert calibration.leniency_se[3] > 1.2 * calibration.leniency_se[0]


def test_no_ratings_give_the_prior():
    calibration = calibrate(ratings([], n_candidates=0, n_areas=2, n_raters=3))

    assert np.all(calibration.leniency == 0)
    assert calibration.iterations == 0


def test_groups_that_never_share_a_candidate_are_still_put_on_one_scale():
    # Interviewers 0-1 see candidates 0-39, interviewers 2-3 candidates 40-79; 1 and 3 are lenient.
    rng = np.random.default_rng(4)
    truth = 3 + rng.normal(0, 0.6, (80, 3))
    lean = [0.0, 0.8, 0.0, 0.8]
    rows = [
        (c, a, r, np.clip(np.rint(truth[c, a] + lean[r] + rng.normal(0, 0.4)), 1, 5))
        for c in range(80)
        for r in ((0, 1) if c < 40 else (2, 3))
        for a in range(3)
    ]
    calibration = calibrate(ratings(rows, n_candidates=80, n_areas=3, n_raters=4))

    assert calibration.leniency[1] - calibration.leniency[0] == pytest.approx(0.8, abs=0.2)
    assert calibration.leniency[3] - calibration.leniency[2] == pytest.approx(0.8, abs=0.2)


def test_the_posterior_matches_the_joint_gaussian_solved_directly():
    # Interior ratings only (no EP sites), so the posterior is exactly Gaussian: compare with
    # the dense joint system over (area means, leniencies, every candidate's skills).
    rng = np.random.default_rng(3)
    c, a, r = 12, 3, 4
    rows = [
        (cand, area, rater, float(rng.integers(2, 5)))
        for cand in range(c)
        for rater in rng.choice(r, 2, replace=False)
        for area in range(a)
        if rng.random() < 0.8
    ]
    data = ratings(rows, n_candidates=c, n_areas=a, n_raters=r)
    calibration = calibrate(data, max_iterations=2)
    psi = calibration.skill_covariance
    size = a + r + c * a
    design = np.zeros((len(rows), size))
    for i, (cand, area, rater, _) in enumerate(rows):
        design[i, [area, a + rater, a + r + cand * a + area]] = 1
    precision = design.T @ np.diag(1 / calibration.noise_sd[data.area] ** 2) @ design
    prior_mean = np.zeros(size)
    mu_precision, prior_mean[:a] = area_mean_prior(a)
    precision[:a, :a] += mu_precision
    precision[a : a + r, a : a + r] += np.eye(r) / calibration.severity_sd**2
    for cand in range(c):
        start = a + r + cand * a
        precision[start : start + a, start : start + a] += np.linalg.inv(psi)
    levels = np.array([row[3] for row in rows])
    covariance = np.linalg.inv(precision)
    mean = covariance @ (design.T @ (levels / calibration.noise_sd[data.area] ** 2) + prior_mean)

    estimates = skill_posterior(data, calibration)

    for cand in range(c):
        pick = np.zeros((a, size))
        pick[:, :a] = np.eye(a)
        pick[:, a + r + cand * a : a + r + cand * a + a] = np.eye(a)
        np.testing.assert_allclose(estimates.estimate[cand], pick @ mean, atol=1e-9)
        np.testing.assert_allclose(
            estimates.se[cand], np.sqrt(np.diag(pick @ covariance @ pick.T)), atol=1e-9
        )
    np.testing.assert_allclose(calibration.covariance, covariance[: a + r, : a + r], atol=1e-9)


def test_ratings_at_the_ends_of_the_scale_are_read_as_beyond_them():
    # A candidate rated 5 by everyone is estimated above 5 - 0.5, not pulled to a plain 5 average.
    _, data = panel(n_candidates=40)
    rows = list(zip(data.candidate, data.area, data.rater, data.level, strict=True))
    rows += [(40, area, rater, 5.0) for area in range(4) for rater in range(3)]
    data = ratings(rows, n_candidates=41, n_areas=4, n_raters=3)

    estimates = skill_posterior(data, calibrate(data))

    assert np.all(estimates.estimate[40] > 4.5)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="within 1-5"):
        ratings([(0, 0, 0, 6)], n_candidates=1, n_areas=1, n_raters=1)
    with pytest.raises(ValueError, match="out of range"):
        ratings([(1, 0, 0, 3)], n_candidates=1, n_areas=1, n_raters=1)


# Fit --------------------------------------------------------------------------------


def test_credit_is_eighty_percent_at_the_expected_level_and_full_at_five():
    profiles = profile([1, 1, 1], [3, 5, 1])

    values = credit(np.array([[3.0, 5.0, 1.0], [5.0, 3.0, 5.0], [1.0, 1.0, 3.0]]), profiles)[:, 0, :]

    assert values[0].tolist() == pytest.approx([EXPECTED_CREDIT, 1.0, EXPECTED_CREDIT])
    assert values[1].tolist() == pytest.approx([1.0, 0.5, 1.0])
    assert values[2].tolist() == pytest.approx([0.0, 0.0, EXPECTED_CREDIT + 0.1])


def test_expected_credit_matches_monte_carlo():
    profiles = profile([[1] * 5, [2] * 5], [[2, 3, 4, 5, 3], [5, 4, 3, 2, 1]], roles=("a", "b"))
    mean = np.array([[0.8, 2.5, 3.7, 4.9, 3.0], [3.0, 3.0, 3.0, 3.0, 6.0]])
    sd = np.array([[0.3, 0.6, 1.0, 0.2, 0.05], [2.0, 1.0, 0.5, 0.1, 0.4]])
    draws = mean[:, None, :] + sd[:, None, :] * np.random.default_rng(0).standard_normal((2, 400_000, 5))
    sampled = credit(draws.reshape(-1, 5), profiles).reshape(2, 400_000, 2, 5)

    value, variance, _ = expected_credit(mean, sd, profiles)

    np.testing.assert_allclose(value, sampled.mean(axis=1), atol=3e-3)
    np.testing.assert_allclose(variance, sampled.var(axis=1), atol=3e-3)


def test_the_chance_of_meeting_every_bar_follows_correlated_skills():
    # Two bars on strongly correlated skills: P(both met) is far above the product of the two.
    covariance = np.array([[1.0, 0.9], [0.9, 1.0]])
    draws = np.random.default_rng(1).multivariate_normal([0.2, 0.0], covariance, 400_000)

    meets, *_ = _gate_moments(
        np.array([50.0]),
        np.array([25.0]),
        np.array([[0.0, 0.0]]),
        np.array([[0.2, 0.0]]),
        covariance[None],
        np.zeros((1, 2)),
    )

    assert meets[0] == pytest.approx(np.mean((draws >= 0).all(axis=1)), abs=0.02)
    assert meets[0] > 0.45


def test_thin_evidence_cannot_score_100_and_gets_a_wide_interval():
    # Candidate 0 is rated 5 everywhere; candidate 1 is rated 5 on one of four areas, unseen elsewhere.
    _, data = panel(n_candidates=30)
    rows = list(zip(data.candidate, data.area, data.rater, data.level, strict=True))
    rows += [(30, area, rater, 5.0) for area in range(4) for rater in range(3)]
    rows += [(31, 0, rater, 5.0) for rater in range(3)]
    data = ratings(rows, n_candidates=32, n_areas=4, n_raters=3)
    profiles = profile([1, 1, 1, 1], [3, 3, 3, 3])

    _, fit = fit_scores(data, calibrate(data), profiles)

    full, thin = fit.fit[30, 0], fit.fit[31, 0]
    assert thin < full < 100
    assert fit.coverage[31, 0] == pytest.approx(0.25)
    assert fit.upper[31, 0] - fit.lower[31, 0] > 2 * (fit.upper[30, 0] - fit.lower[30, 0])


def test_candidates_who_meet_expectations_are_still_told_apart():
    # Everyone at or above the expected level 3: the fits spread out instead of piling up at 100.
    rows = [(c, a, r, 3 + c % 3) for c in range(30) for a in range(4) for r in range(2)]
    data = ratings(rows, n_candidates=30, n_areas=4, n_raters=2)

    _, fit = fit_scores(data, calibrate(data), profile([1, 1, 1, 1], [3, 3, 3, 3]))

    by_level = [np.mean(fit.fit[np.arange(30) % 3 == k, 0]) for k in range(3)]
    assert by_level[0] < by_level[1] < by_level[2] < 100
    assert np.sum(fit.fit[:, 0] >= 99.5) == 0


def test_a_candidate_clearly_below_a_bar_is_gated_and_ranked_after_those_who_meet_it():
    # Candidate 0 is excellent except area 1, which is 1 against a bar of 3; candidate 1 is plain.
    _, data = panel(n_candidates=30)
    rows = list(zip(data.candidate, data.area, data.rater, data.level, strict=True))
    rows += [(30, a, r, 1.0 if a == 1 else 5.0) for a in range(4) for r in range(3)]
    rows += [(31, a, r, 3.0) for a in range(4) for r in range(3)]
    data = ratings(rows, n_candidates=32, n_areas=4, n_raters=3)
    profiles = profile([1, 1, 1, 1], [3, 3, 3, 3], minimum=[NAN, 3, NAN, NAN])

    _, fit = fit_scores(data, calibrate(data), profiles)

    assert fit.below_probability[30, 0, 1] > 0.9
    assert np.isnan(fit.below_probability[30, 0, 0])
    assert fit.gated[30, 0]
    assert not fit.gated[31, 0]
    assert fit.below_bar[30, 0].tolist() == [False, True, False, False]
    assert fit.meets_probability[30, 0] < 0.1
    assert fit.fit[30, 0] < fit.ungated[30, 0] * 0.6
    order = rank(
        fit.fit[30:, 0],
        fit.lower[30:, 0],
        fit.coverage[30:, 0],
        np.array([1, 2]),
        meets=fit.meets_probability[30:, 0],
        gated=fit.gated[30:, 0],
    )
    assert order.tolist() == [1, 0]


def test_a_candidate_without_ratings_has_coverage_zero_and_no_fit():
    _, data = panel(n_candidates=10)
    data = Ratings(data.candidate, data.area, data.rater, data.level, 11, data.n_areas, data.n_raters)

    _, fit = fit_scores(data, calibrate(data), profile([1, 1, 1, 1], [3, 3, 3, 3]))

    assert fit.coverage[10, 0] == 0
    assert np.isnan(fit.fit[10, 0])


def test_consider_for_another_role_only_when_clearly_better():
    _, data = panel(n_candidates=40)
    profiles = profile([[1, 1, 1, 1], [1, 1, 1, 1]], [[5, 5, 5, 5], [2, 2, 2, 2]], roles=("hard", "easy"))

    _, fit = fit_scores(data, calibrate(data), profiles)

    flags = consider_for(fit, own_role=0)
    assert set(flags.tolist()) <= {-1, 1}
    assert (flags == 1).sum() > 0
    assert np.all(fit.fit[flags == 1, 1] - fit.fit[flags == 1, 0] >= 10)


def test_rank_orders_by_fit_lower_bound_or_chance_of_meeting_the_bars():
    fit_values = np.array([80.0, 90.0, 80.0, NAN, 95.0])
    lower = np.array([70.0, 60.0, 75.0, NAN, 90.0])
    meets = np.array([0.9, 0.5, 0.99, 1.0, 0.05])
    gated = np.array([False, False, False, False, True])
    coverage = np.array([1.0, 1.0, 1.0, 0.0, 1.0])
    ids = np.array([10, 11, 12, 13, 14])

    def order(by):
        return rank(fit_values, lower, coverage, ids, by=by, meets=meets, gated=gated).tolist()

    assert order("fit") == [1, 2, 0, 4, 3]
    assert order("lower") == [2, 0, 1, 4, 3]
    assert order("meets_bars") == [2, 0, 1, 4, 3]
    with pytest.raises(ValueError, match="rank by"):
        rank(fit_values, lower, coverage, ids, by="name")


# Properties ---------------------------------------------------------------------------

N_AREAS = 4
PROFILES = profile(
    [[3, 1, 2, 1], [1, 3, 1, 2]],
    [[5, 3, 4, 2], [2, 5, 3, 4]],
    [[3, NAN, NAN, NAN], [NAN, 4, NAN, NAN]],
    roles=("a", "b"),
)

rating_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, N_AREAS - 1), st.integers(0, 3), st.integers(1, 5)),
    min_size=1,
    max_size=60,
)


def compute(rows, calibration=None):
    data = ratings(rows, n_candidates=6, n_areas=N_AREAS, n_raters=4)
    calibration = calibration or calibrate(data)
    return fit_scores(data, calibration, PROFILES)[1], calibration


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rating_rows)
def test_fit_stays_within_0_to_100_inside_its_interval(rows):
    fit, _ = compute(rows)

    assessed = ~np.isnan(fit.fit)
    assert np.all((fit.fit[assessed] >= 0) & (fit.fit[assessed] <= 100))
    assert np.all(fit.lower[assessed] <= fit.fit[assessed] + 1e-9)
    assert np.all(fit.fit[assessed] <= fit.upper[assessed] + 1e-9)
    assert np.all((fit.coverage >= 0) & (fit.coverage <= 1))
    assert np.all((fit.meets_probability >= 0) & (fit.meets_probability <= 1 + 1e-12))


@settings(max_examples=50, deadline=None)
@given(rating_rows, st.randoms(use_true_random=False))
def test_the_same_ratings_in_any_row_order_give_identical_results(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    fit, calibration = compute(rows)
    again, calibration_again = compute(shuffled)

    np.testing.assert_allclose(calibration_again.leniency, calibration.leniency, rtol=0, atol=1e-9)
    for name in ("fit", "lower", "upper", "se", "meets_probability", "coverage"):
        np.testing.assert_allclose(
            getattr(again, name), getattr(fit, name), rtol=0, atol=1e-9, equal_nan=True
        )
    assert (again.gated == fit.gated).all()


@settings(max_examples=40, deadline=None)
@given(rating_rows, st.data())
def test_raising_one_rating_never_lowers_that_candidates_fit(rows, data):
    # Calibration held fixed, as between recalibrations; refitting may rightly read a raised
    # rating as a more lenient interviewer.
    index = data.draw(st.integers(0, len(rows) - 1))
    candidate, area, rater, level = rows[index]
    raised = list(rows)
    raised[index] = (candidate, area, rater, min(5, level + data.draw(st.integers(1, 4))))
    before, calibration = compute(rows)
    after, _ = compute(raised, calibration=calibration)

    assert np.all(np.nan_to_num(after.ungated[candidate]) >= np.nan_to_num(before.ungated[candidate]) - 1e-6)


@settings(max_examples=30, deadline=None)
@given(rating_rows, st.permutations(range(6)))
def test_permuting_candidates_permutes_the_results(rows, permutation):
    permuted_rows = [(permutation[c], a, r, y) for c, a, r, y in rows]
    fit, _ = compute(rows)
    permuted, _ = compute(permuted_rows)

    np.testing.assert_allclose(permuted.fit[list(permutation)], fit.fit, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(permuted.lower[list(permutation)], fit.lower, atol=1e-9, equal_nan=True)


def test_the_calibration_subset_gives_unseen_interviewers_the_prior():
    _, data = panel()
    calibration = calibrate(data)

    subset = calibration.subset(np.array([1, 0]), np.array([2, -1]))

    assert subset.area_mean.tolist() == pytest.approx([calibration.area_mean[1], calibration.area_mean[0]])
    assert subset.leniency.tolist() == pytest.approx([calibration.leniency[2], 0.0])
    assert subset.covariance[3, 3] == pytest.approx(calibration.severity_sd**2)
    assert subset.covariance[3, :3].tolist() == [0.0, 0.0, 0.0]
    assert isinstance(Calibration.prior(3, 2).covariance, np.ndarray)


def test_the_formula_halves_below_a_bar():
    profiles = profile([1, 1], [3, 3], minimum=[3, NAN])

    assert formula(np.array([[3.0, 3.0], [2.9, 3.0]]), profiles)[:, 0].tolist() == pytest.approx(
        [80.0, 0.5 * (100 * (0.8 * 1.9 / 2 + 0.8) / 2)]
    )


def test_the_sorted_and_the_dense_interviewer_slots_give_the_same_fit(monkeypatch):
    # Large panels find each candidate's interviewers by sorting, small ones in a dense table.
    _, data = panel(n_candidates=25)
    calibration = calibrate(data)
    _, dense = fit_scores(data, calibration, PROFILES_4)
    monkeypatch.setattr("scoring.engine.DENSE_PAIRS", 0)

    _, sorted_slots = fit_scores(data, calibration, PROFILES_4)

    np.testing.assert_allclose(sorted_slots.fit, dense.fit, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sorted_slots.upper, dense.upper, rtol=0, atol=1e-12)


PROFILES_4 = profile([[1, 2, 1, 1]], [[3, 4, 3, 2]], [[3, NAN, NAN, NAN]])


def test_scoring_on_two_threads_gives_what_one_thread_gives(monkeypatch):
    _, data = panel(n_candidates=40)
    calibration = calibrate(data)
    monkeypatch.setattr("scoring.engine.CHUNK", 7)  # several chunks, so the threads share the work
    _, threaded = fit_scores(data, calibration, PROFILES_4)
    monkeypatch.setattr("scoring.engine.ENGINE_THREADS", 1)

    _, single = fit_scores(data, calibration, PROFILES_4)

    for name in ("fit", "lower", "upper", "meets_probability"):
        np.testing.assert_array_equal(getattr(threaded, name), getattr(single, name))


def test_an_automated_evaluator_has_a_known_severity_that_its_ratings_cannot_move():
    # Rater 3 is the take-home grader: it rates only a new candidate, so calibration could learn
    # nothing about it and would give it the prior's spread; known, it adds no severity doubt.
    _, data = panel(n_candidates=30)
    rows = list(zip(data.candidate, data.area, data.rater, data.level, strict=True))
    rows += [(30, 0, 3, 5.0), (30, 1, 3, 4.0)]
    data = ratings(rows, n_candidates=31, n_areas=4, n_raters=4)
    calibration = calibrate(data)
    profiles = profile([1, 1, 1, 1], [3, 3, 3, 3])
    known = calibration.with_known_raters(np.array([False, False, False, True]))

    _, estimated_fit = fit_scores(data, calibration, profiles)
    _, known_fit = fit_scores(data, known, profiles)

    assert known.leniency[3] == 0.0
    assert known.leniency_se[3] < 0.01
    np.testing.assert_array_equal(known.leniency[:3], calibration.leniency[:3])
    assert calibration.leniency_se[3] > 0.3
    width = known_fit.upper[30, 0] - known_fit.lower[30, 0]
    assert width < estimated_fit.upper[30, 0] - estimated_fit.lower[30, 0]
    np.testing.assert_allclose(known_fit.fit[:30], estimated_fit.fit[:30], atol=1e-6)


def test_no_automated_evaluator_leaves_the_calibration_as_it_is():
    _, data = panel(n_candidates=10)
    calibration = calibrate(data)

    assert calibration.with_known_raters(np.zeros(3, dtype=bool)) is calibration
