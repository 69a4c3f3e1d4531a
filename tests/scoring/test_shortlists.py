import pytest

from config.errors import ApplicationError
from scoring.models import FitScore, Shortlist
from scoring.services import opening_recompute
from scoring.shortlists import MAX_SHORTLIST_LIMIT, TIE_BREAK, shortlist_build, shortlist_create
from tests.scoring.conftest import AREAS, submit

pytestmark = pytest.mark.django_db


def made(opening, **params):
    shortlist = shortlist_create(opening=opening, **params)
    shortlist_build(shortlist_id=shortlist.pk)
    shortlist.refresh_from_db()
    return shortlist


def test_a_shortlist_ranks_by_fit_to_the_openings_role_and_states_its_tie_break(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    opening_recompute(opening_id=opening.pk)

    shortlist = made(opening)

    entries = list(shortlist.entries.order_by("rank"))
    assert shortlist.status == "ready"
    assert [e.application_id for e in entries] == [a.pk for a in reversed(applications)]
    assert [e.rank for e in entries] == [1, 2, 3, 4]
    assert all(entries[i].fit >= entries[i + 1].fit for i in range(3))
    assert "earlier application" in shortlist.tie_break
    assert set(entries[0].fits) == {"data_scientist", "ml_engineer", "full_stack_data_scientist"}


def test_ranking_by_lower_bound_is_selectable(scored_opening):
    opening, _, _, _ = scored_opening(4)
    opening_recompute(opening_id=opening.pk)

    shortlist = made(opening, order_by="lower")

    lowers = [e.lower for e in shortlist.entries.order_by("rank")]
    assert lowers == sorted(lowers, reverse=True)


def test_filters_for_coverage_fit_and_stage(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    opening_recompute(opening_id=opening.pk)
    applications[0].stage = "rejected"
    applications[0].save()

    assert made(opening, min_fit=60).entry_count < 4
    assert made(opening, min_coverage=0.99).entry_count == 0
    assert made(opening, stages=["interviewing"]).entries.filter(application=applications[0]).count() == 0


def test_a_snapshot_does_not_move_when_scores_change(scored_opening, django_capture_on_commit_callbacks):
    opening, applications, _, _ = scored_opening(3)
    shortlist = made(opening)
    before = list(shortlist.entries.values_list("application_id", "fit"))

    interview = applications[0].interviews.get()
    from tests.factories import UserFactory

    late = UserFactory(username="late_interviewer")
    interview.assignments.create(interviewer=late)
    with django_capture_on_commit_callbacks(execute=True):
        submit(interview, late, dict.fromkeys(AREAS, 5))
    opening_recompute(opening_id=opening.pk)

    assert list(shortlist.entries.values_list("application_id", "fit")) == before
    assert shortlist_build(shortlist_id=shortlist.pk) == 3  # building again leaves it as it was


def test_a_shortlist_recomputes_stale_scores_before_ranking(scored_opening):
    opening, applications, _, _ = scored_opening(3)
    from scoring.models import FitScore

    FitScore.objects.filter(application=applications[1]).delete()
    applications[1].score_state.delete()

    shortlist = made(opening)

    assert shortlist.entry_count == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order_by": "vibes"}, "order_by"),
        ({"min_coverage": 2}, "min_coverage"),
        ({"min_fit": -1}, "min_fit"),
        ({"stages": ["limbo"]}, "stages"),
        ({"limit": 0}, "limit"),
        ({"limit": MAX_SHORTLIST_LIMIT + 1}, "limit"),
    ],
)
def test_bad_shortlist_parameters_are_refused_at_their_field(scored_opening, params, field):
    opening, _, _, _ = scored_opening(1)

    with pytest.raises(ApplicationError) as caught:
        shortlist_create(opening=opening, **params)

    assert caught.value.field == field
    assert not Shortlist.objects.exists()


def test_the_largest_limit_the_column_holds_is_accepted(scored_opening):
    opening, _, _, _ = scored_opening(1)

    shortlist = shortlist_create(opening=opening, limit=MAX_SHORTLIST_LIMIT)

    assert Shortlist.objects.get().limit == shortlist.limit == MAX_SHORTLIST_LIMIT


# The posterior quantities ------------------------------------------------------------------------------


def ranked(shortlist, candidates) -> list[str]:
    names = {application.pk: name for name, application in candidates.items()}
    return [names[entry.application_id] for entry in shortlist.entries.order_by("rank")]


def test_ordering_by_the_probability_of_meeting_every_must_have_ranks_by_it_then_by_fit(four_candidates):
    opening, candidates = four_candidates

    shortlist = made(opening, order_by="meets_bars")

    # sure and likely tie on 0.95: the higher fit goes first.
    assert ranked(shortlist, candidates) == ["likely", "sure", "doubtful", "below"]
    assert shortlist.order_by == Shortlist.OrderBy.MEETS_BARS
    assert shortlist.tie_break == TIE_BREAK[Shortlist.OrderBy.MEETS_BARS]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("fit", ["doubtful", "likely", "sure", "below"]),
        ("lower", ["sure", "doubtful", "likely", "below"]),
        ("meets_bars", ["likely", "sure", "doubtful", "below"]),
    ],
)
def test_a_candidate_clearly_below_a_bar_comes_last_in_every_order(four_candidates, order_by, expected):
    opening, candidates = four_candidates

    shortlist = made(opening, order_by=order_by)

    assert ranked(shortlist, candidates) == expected


@pytest.mark.parametrize("order_by", ["fit", "lower", "meets_bars"])
def test_every_orders_tie_break_says_who_comes_after_all_others(order_by):
    text = TIE_BREAK[order_by]

    assert "clearly below a must-have bar (a probability of 90% or more of being below it)" in text
    assert "come after all others" in text
    assert "earlier application" in text


def test_the_entries_record_the_snapshot_roles_bar_probabilities_and_every_roles_meets_bars(
    four_candidates,
):
    opening, candidates = four_candidates

    shortlist = made(opening, order_by="meets_bars")

    for entry in shortlist.entries.all():
        stored = {
            score.role.key: score
            for score in FitScore.objects.filter(application_id=entry.application_id).select_related("role")
        }
        own = stored["ml_engineer"]
        assert (entry.fit, entry.lower, entry.upper, entry.coverage) == (
            own.fit,
            own.lower,
            own.upper,
            own.coverage,
        )
        assert (entry.meets_bars_probability, entry.below_bar_probability) == (
            own.meets_bars_probability,
            own.below_bar_probability,
        )
        assert (entry.gated, entry.below_bar) == (own.gated, own.below_bar)
        assert {key: fits["meets_bars_probability"] for key, fits in entry.fits.items()} == {
            key: score.meets_bars_probability for key, score in stored.items()
        }
    below = shortlist.entries.get(application=candidates["below"])
    assert below.below_bar_probability["software_engineering"] == 0.95
    assert (below.gated, below.below_bar) == (True, ["software_engineering"])


def test_an_unknown_order_is_refused_with_the_three_orders_named(scored_opening):
    opening, _, _, _ = scored_opening(1)

    with pytest.raises(ApplicationError) as caught:
        shortlist_create(opening=opening, order_by="lowest")

    assert caught.value.message == "Order by 'fit', 'lower' or 'meets_bars'."
    assert set(Shortlist.OrderBy.values) == {"fit", "lower", "meets_bars"}  # the message names them all
