"""What recomputing one application costs: the Celery task each scorecard submission starts."""

import pytest

from scoring import services
from tests.assessments.test_api_scorecards import submitted

pytestmark = pytest.mark.django_db


def test_recomputing_an_application_takes_a_fixed_number_of_queries(
    interview, interviewer, second_interview, other_interviewer, django_assert_num_queries
):
    submitted(interview, interviewer)
    submitted(second_interview, other_interviewer)
    services.application_recompute(application_id=interview.application_id)  # calibrates the rubric once

    # In one transaction (2): the opening, locked; the ratings, with the newest submission and which
    # raters are automated (1); the stored calibration's version; the event, built from the rows the
    # recompute wrote (none read back), and the webhook subscriptions. The fit scores' and the state's
    # upserts (2 more) bind their arrays on psycopg's own cursor, which Django does not count.
    with django_assert_num_queries(7):
        assert services.application_recompute(application_id=interview.application_id)


@pytest.fixture
def known_rater_masks(interview, interviewer, second_interview, monkeypatch):
    """A person and the take-home grader each submit for the application; returns the list that
    records, per calibration, which raters it took as known (raters in id order: person, grader)."""
    from scoring import engine
    from tests.factories import UserFactory

    grader = UserFactory(username="take-home-grader")
    second_interview.interviewers.add(grader)
    submitted(interview, interviewer)
    submitted(second_interview, grader)
    masks = []
    known_raters = engine.Calibration.with_known_raters

    def recording(self, known):
        masks.append(known.tolist())
        return known_raters(self, known)

    monkeypatch.setattr(engine.Calibration, "with_known_raters", recording)
    return masks


def test_a_single_recompute_takes_an_automated_evaluator_s_severity_as_known_and_a_person_s_as_estimated(
    interview, known_rater_masks
):
    assert services.application_recompute(application_id=interview.application_id)
    # Raters in id order: the person first (made first), then the grader.
    assert known_rater_masks[-1] == [False, True]


def test_the_opening_batch_takes_the_same_raters_as_automated_as_a_single_recompute(
    interview, known_rater_masks
):
    services.application_recompute(application_id=interview.application_id)
    services.opening_recompute(opening_id=interview.application.opening_id)

    assert known_rater_masks[-2] == known_rater_masks[-1] == [False, True]
