import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Scorecard, ScorecardRevision
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

SECRET_EVIDENCE = "Built a feature store in a weekend"


def complete_post(action="review", **overrides):
    data = {
        "rating_software_engineering": "4",
        "evidence_software_engineering": SECRET_EVIDENCE,
        "rating_statistics_experimentation": "3",
        "evidence_statistics_experimentation": "Sized an A/B test correctly.",
        "rating_communication": "na",
        "recommendation": "strong_yes",
        "summary": "Hire.",
        "action": action,
    }
    data.update(overrides)
    return data


def submitted_by(interview, user):
    scorecard = scorecard_save_draft(
        interview=interview,
        user=user,
        recommendation="strong_yes",
        summary="Hire.",
        ratings=[RatingInput(area.key, 4, evidence=SECRET_EVIDENCE) for area in interview.focus_areas.all()],
    )
    return scorecard_submit(scorecard=scorecard, user=user)


def test_pages_need_login(client, interview):
    response = client.get(f"/interviews/{interview.pk}/scorecard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_interviews_splits_upcoming_overdue_and_submitted_newest_first(client, interviewer, application):
    now = timezone.now()
    old = InterviewFactory(
        application=application, scheduled_at=now - dt.timedelta(days=3), interviewers=[interviewer]
    )
    newer = InterviewFactory(
        application=application, scheduled_at=now - dt.timedelta(days=1), interviewers=[interviewer]
    )
    upcoming = InterviewFactory(
        application=application, scheduled_at=now + dt.timedelta(days=2), interviewers=[interviewer]
    )
    done = InterviewFactory(
        application=application, scheduled_at=now - dt.timedelta(days=5), interviewers=[interviewer]
    )
    submitted_by(done, interviewer)
    InterviewFactory(application=application)  # not assigned to this interviewer
    client.force_login(interviewer)

    sections = client.get("/interviews/").context["sections"]

    assert sections["overdue"] == [newer, old]
    assert sections["upcoming"] == [upcoming]
    assert sections["submitted"] == [done]


def test_my_interviews_query_count_does_not_grow_with_interviews(
    client, interviewer, application, django_assert_max_num_queries
):
    for days in range(8):
        InterviewFactory(
            application=application,
            scheduled_at=timezone.now() - dt.timedelta(days=days),
            interviewers=[interviewer],
        )
    client.force_login(interviewer)

    with django_assert_max_num_queries(6):
        assert client.get("/interviews/").status_code == 200


def test_the_form_shows_each_focus_areas_anchors_next_to_the_choices_with_labels(
    client, interview, interviewer
):
    client.force_login(interviewer)

    html = client.get(f"/interviews/{interview.pk}/scorecard/").content.decode()

    area = interview.focus_areas.get(key="software_engineering")
    for anchor in area.anchors.all():
        assert f'for="id_rating_software_engineering_{anchor.level - 1}"' in html
    assert 'id="id_rating_software_engineering_5"' in html  # "not assessed" choice
    assert '<label for="id_evidence_software_engineering">' in html
    assert area.questions[0].replace("'", "&#x27;").replace('"', "&quot;")[:30] in html
    assert 'name="action" value="save"' in html


def test_saving_a_draft_keeps_it_and_shows_it_again(client, interview, interviewer):
    client.force_login(interviewer)

    response = client.post(f"/interviews/{interview.pk}/scorecard/", complete_post(action="save"))

    assert response.status_code == 302
    scorecard = Scorecard.objects.get(interview=interview, interviewer=interviewer)
    assert scorecard.status == "draft"
    page = client.get(f"/interviews/{interview.pk}/scorecard/").content.decode()
    assert SECRET_EVIDENCE in page
    assert "Draft saved" in page


def test_review_of_an_incomplete_scorecard_marks_each_missing_field(client, interview, interviewer):
    client.force_login(interviewer)

    response = client.post(
        f"/interviews/{interview.pk}/scorecard/",
        complete_post(rating_statistics_experimentation="", recommendation=""),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "Rate Statistical depth" in form.errors["rating_statistics_experimentation"][0]
    assert form.errors["recommendation"] == ["Give an overall recommendation."]
    assert Scorecard.objects.get(interview=interview).status == "draft"


def test_a_rating_outside_the_scale_is_refused_at_its_field_and_nothing_is_saved(
    client, interview, interviewer
):
    client.force_login(interviewer)

    response = client.post(
        f"/interviews/{interview.pk}/scorecard/", complete_post(rating_software_engineering="7")
    )

    assert response.status_code == 400
    assert "rating_software_engineering" in response.context["form"].errors
    assert not Scorecard.objects.filter(interview=interview).exists()


def test_review_then_confirm_submits_and_the_scorecard_becomes_read_only(client, interview, interviewer):
    client.force_login(interviewer)

    review = client.post(f"/interviews/{interview.pk}/scorecard/", complete_post())
    assert review["Location"] == f"/interviews/{interview.pk}/scorecard/submit/"
    confirm_page = client.get(review["Location"]).content.decode()
    assert "Submit your scorecard?" in confirm_page
    submitted = client.post(review["Location"])

    scorecard = Scorecard.objects.get(interview=interview)
    assert scorecard.status == "submitted"
    assert submitted["Location"] == f"/scorecards/{scorecard.pk}/"
    detail = client.get(submitted["Location"]).content.decode()
    assert "read-only" in detail
    assert 'name="rating_' not in detail
    # The form now redirects to the read-only page, and a posted edit changes nothing.
    assert client.get(f"/interviews/{interview.pk}/scorecard/")["Location"] == f"/scorecards/{scorecard.pk}/"
    client.post(f"/interviews/{interview.pk}/scorecard/", complete_post(rating_software_engineering="1"))
    assert scorecard.ratings.get(area__key="software_engineering").level == 4


def test_a_second_submit_changes_nothing(client, interview, interviewer):
    client.force_login(interviewer)
    client.post(f"/interviews/{interview.pk}/scorecard/", complete_post())
    client.post(f"/interviews/{interview.pk}/scorecard/submit/")

    client.post(f"/interviews/{interview.pk}/scorecard/submit/")

    assert ScorecardRevision.objects.filter(scorecard__interview=interview).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/interviews/{interview}/scorecard/",
        "/interviews/{interview}/scorecard/submit/",
        "/interviews/{interview}/kit/",
        "/scorecards/{scorecard}/",
        "/scorecards/{scorecard}/amend/",
    ],
)
def test_another_interviewers_interview_and_scorecard_are_not_found(
    client, interview, interviewer, outsider, url
):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(outsider)

    response = client.get(url.format(interview=interview.pk, scorecard=scorecard.pk))

    assert response.status_code == 404


def test_posting_to_another_interviewers_scorecard_is_not_found_and_saves_nothing(
    client, interview, outsider
):
    client.force_login(outsider)

    response = client.post(f"/interviews/{interview.pk}/scorecard/", complete_post(action="save"))

    assert response.status_code == 404
    assert not Scorecard.objects.exists()


def test_an_interviewer_cannot_see_a_co_interviewers_ratings_before_submitting(
    client, interview, interviewer, second_interview, other_interviewer
):
    first = submitted_by(interview, interviewer)
    client.force_login(other_interviewer)

    form_page = client.get(f"/interviews/{second_interview.pk}/scorecard/").content.decode()
    list_page = client.get("/interviews/").content.decode()
    detail = client.get(f"/scorecards/{first.pk}/")

    assert SECRET_EVIDENCE not in form_page
    assert "checked" not in form_page  # nothing pre-filled from anyone else
    assert interviewer.username not in form_page + list_page
    assert detail.status_code == 404


def test_after_submitting_an_interviewer_sees_co_interviewers_submitted_scorecards(
    client, interview, interviewer, second_interview, other_interviewer
):
    submitted_by(interview, interviewer)
    own = submitted_by(second_interview, other_interviewer)
    client.force_login(other_interviewer)

    html = client.get(f"/scorecards/{own.pk}/").content.decode()

    assert "Other interviewers' scorecards" in html
    assert interviewer.get_full_name() in html


def test_drafts_stay_private_even_after_the_viewer_submits(
    client, interview, interviewer, second_interview, other_interviewer
):
    draft = scorecard_save_draft(
        interview=interview,
        user=interviewer,
        ratings=[RatingInput("communication", 2, evidence="Draft thought")],
    )
    submitted_by(second_interview, other_interviewer)
    client.force_login(other_interviewer)

    assert client.get(f"/scorecards/{draft.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["committee_member", "recruiter"])
def test_committee_and_recruiters_see_submitted_scorecards(client, interview, interviewer, persona, request):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(request.getfixturevalue(persona))

    html = client.get(f"/scorecards/{scorecard.pk}/").content.decode()

    assert SECRET_EVIDENCE in html


def test_a_committee_member_of_another_opening_sees_nothing(client, interview, interviewer):
    from tests.factories import OpeningFactory, UserFactory

    stranger = UserFactory(groups=["hiring committee"])
    OpeningFactory(committee=[stranger])
    scorecard = submitted_by(interview, interviewer)
    client.force_login(stranger)

    assert client.get(f"/scorecards/{scorecard.pk}/").status_code == 404


def test_amend_asks_for_a_reason_and_keeps_history(client, interview, interviewer):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(interviewer)
    url = f"/scorecards/{scorecard.pk}/amend/"
    amended = complete_post(rating_software_engineering="2", recommendation="no", revision="1")
    del amended["action"]

    without_reason = client.post(url, {**amended, "reason": ""})
    with_reason = client.post(url, {**amended, "reason": "Re-read the take-home."})

    assert without_reason.status_code == 400
    assert "reason" in without_reason.context["form"].errors
    assert with_reason.status_code == 302
    scorecard.refresh_from_db()
    assert (scorecard.revision, scorecard.recommendation) == (2, "no")
    history = client.get(f"/scorecards/{scorecard.pk}/").content.decode()
    assert "Re-read the take-home." in history
    assert "Amended" in history


def test_interview_kit_has_candidate_focus_areas_anchors_and_questions(client, interview, interviewer):
    client.force_login(interviewer)

    html = client.get(f"/interviews/{interview.pk}/kit/").content.decode()

    assert "Ada Lovelace" in html
    for area in interview.focus_areas.all():
        assert area.name in html
        assert area.anchors.count() == 5
    assert "@media print" not in html  # print rules live in the stylesheet
    assert html.count('<ol class="anchors">') == 3


def test_committee_member_can_open_the_kit(client, interview, committee_member):
    client.force_login(committee_member)

    assert client.get(f"/interviews/{interview.pk}/kit/").status_code == 200


def test_an_interview_ahead_keeps_the_draft_but_cannot_be_reviewed_nor_submitted(
    client, interview, interviewer
):
    interview.scheduled_at = timezone.now() + dt.timedelta(days=3)
    interview.save(update_fields=["scheduled_at"])
    client.force_login(interviewer)

    review = client.post(f"/interviews/{interview.pk}/scorecard/", complete_post())
    submitted = client.post(f"/interviews/{interview.pk}/scorecard/submit/", follow=True)

    assert review.status_code == 400
    assert "submit the scorecard once it has started" in review.content.decode()
    assert "submit the scorecard once it has started" in submitted.content.decode()
    assert Scorecard.objects.get(interview=interview).status == "draft"
