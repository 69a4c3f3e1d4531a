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

    # In one transaction (2): the opening, locked; the newest submission; the ratings; the stored
    # calibration's version; which raters are automated; the fit scores' and the state's upserts (1);
    # the fit scores read back for the event, the event, the webhook subscriptions.
    with django_assert_num_queries(10):
        assert services.application_recompute(application_id=interview.application_id)
