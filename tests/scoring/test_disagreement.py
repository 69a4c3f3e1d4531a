"""The disagreement rule of scoring.analytics, on plain numbers: when a candidate's interviewers disagree."""

import pytest

from assessments.models import Recommendation
from scoring.analytics import (
    DISAGREEMENT_RULE,
    DISAGREEMENT_SPREAD,
    NO_RECOMMENDATIONS,
    YES_RECOMMENDATIONS,
    disagreement,
)


def test_ratings_two_levels_apart_in_an_area_are_a_disagreement_in_that_area():
    found = disagreement(level_ranges={"sql": (2, 4), "python": (3, 4)}, recommendations=["yes"])

    assert found.areas == ["sql"]
    assert found.recommendations_split is False
    assert found.found is True


def test_ratings_one_level_apart_and_a_single_rating_are_no_disagreement():
    found = disagreement(
        level_ranges={"sql": (3, 4), "python": (5, 5)}, recommendations=["yes", "strong_yes"]
    )

    assert found.areas == []
    assert found.found is False


def test_the_areas_keep_the_order_they_are_given_in():
    found = disagreement(level_ranges={"b": (1, 5), "a": (1, 3), "c": (2, 2)}, recommendations=[])

    assert found.areas == ["b", "a"]


@pytest.mark.parametrize(
    ("recommendations", "split"),
    [
        (["no", "yes"], True),
        (["strong_no", "strong_yes"], True),
        (["strong_no", "no", "yes"], True),
        (["no", "strong_no"], False),
        (["yes", "strong_yes", "yes"], False),
        ([], False),
    ],
)
def test_recommendations_disagree_when_they_include_both_a_no_and_a_yes(recommendations, split):
    found = disagreement(level_ranges={}, recommendations=recommendations)

    assert found.recommendations_split is split
    assert found.areas == []
    assert found.found is split


def test_the_rule_names_the_spread_and_every_recommendation_is_a_no_or_a_yes():
    assert f"{DISAGREEMENT_SPREAD} levels or more" in DISAGREEMENT_RULE
    assert NO_RECOMMENDATIONS | YES_RECOMMENDATIONS == set(Recommendation.values)
    assert not NO_RECOMMENDATIONS & YES_RECOMMENDATIONS
