"""One visibility rule: the pages and the API show every persona the same scorecards of an application."""

import pytest

from assessments.models import Scorecard
from assessments.selectors import scorecards_visible_to
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db


def _draft(interview, user) -> Scorecard:
    return scorecard_save_draft(
        interview=interview,
        user=user,
        recommendation="yes",
        summary="Fine.",
        ratings=[RatingInput(area.key, 4, evidence="Seen.") for area in interview.focus_areas.all()],
    )


@pytest.fixture
def other_committee(db):
    """A committee member of another opening only."""
    member = UserFactory(username="otto_other_committee", groups=["hiring committee"])
    OpeningFactory(title="ML Engineer", committee=[member])
    return member


@pytest.fixture
def scorecards(interview, second_interview, interviewer, other_interviewer):
    """On Ada's application: ``interviewer`` has submitted, ``other_interviewer`` holds a draft; and
    ``interviewer`` has submitted on another application of the same opening too."""
    submitted = scorecard_submit(scorecard=_draft(interview, interviewer), user=interviewer)
    draft = _draft(second_interview, other_interviewer)
    elsewhere = InterviewFactory(
        application=ApplicationFactory(opening=interview.application.opening), interviewers=[interviewer]
    )
    scorecard_submit(scorecard=_draft(elsewhere, interviewer), user=interviewer)
    return {"submitted": submitted, "draft": draft}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("recruiter", {"submitted"}),
        ("committee_member", {"submitted"}),  # on the opening's committee
        ("other_committee", set()),  # on another opening's committee only
        ("interviewer", {"submitted"}),  # has submitted: the other's draft stays private
        ("other_interviewer", {"draft"}),  # has not submitted: only their own draft
        ("outsider", set()),
    ],
)
def test_the_pages_and_the_api_show_each_persona_the_same_scorecards_of_an_application(
    request, client, session_client, application, scorecards, persona, expected
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    pages = {scorecard.pk for scorecard in scorecards_visible_to(user=user, application_id=application.pk)}
    detail_pages = {
        scorecard.pk
        for scorecard in Scorecard.objects.filter(interview__application=application)
        if client.get(f"/scorecards/{scorecard.pk}/").status_code == 200
    }
    listed = session_client(user).get("/api/v1/scorecards/", {"application": application.pk})
    api = {item["id"] for item in listed.json()["results"]}

    assert listed.status_code == 200
    assert pages == detail_pages == api == {scorecards[name].pk for name in expected}
