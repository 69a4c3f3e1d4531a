"""Scorecards over the REST API: submit on behalf, independence, amend, events, permissions, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Scorecard
from assessments.services import RatingInput, scorecard_amend, scorecard_save_draft, scorecard_submit
from hiring.models import InterviewerIdentity
from integrations.models import AuditEvent, Event
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db

READ = ["scorecards:read"]
WRITE = ["scorecards:write"]
BOTH = ["scorecards:read", "scorecards:write"]
COMPLETE_RATINGS = {
    "software_engineering": {"level": 4, "evidence": "Wrote tests first."},
    "statistics_experimentation": {"level": 3, "evidence": "Sized an A/B test."},
    "communication": {"not_assessed": True},
}


def submit_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/scorecards/"


def body(interviewer=None, **overrides) -> dict:
    data = {"recommendation": "yes", "summary": "Solid.", "ratings": COMPLETE_RATINGS}
    if interviewer is not None:
        data["interviewer"] = interviewer
    return {**data, **overrides}


def submitted(interview, user, level: int = 4) -> Scorecard:
    """A scorecard submitted through the services, as the web pages do."""
    focus = [area.key for area in interview.focus_areas.all()]
    draft = scorecard_save_draft(
        interview=interview,
        user=user,
        recommendation="yes",
        summary="Fine.",
        ratings=[RatingInput(key, level, evidence="Seen.") for key in focus],
    )
    return scorecard_submit(scorecard=draft, user=user)


@pytest.fixture
def other_committee_opening_member(db):
    """A committee member of another opening only."""
    member = UserFactory(username="otto_other_committee", groups=["hiring committee"])
    OpeningFactory(title="ML Engineer", committee=[member])
    return member


# Submitting on an interviewer's behalf ---------------------------------------------------------------


def test_a_token_submits_a_scorecard_on_behalf_of_an_interviewer_named_by_email(
    token_client, interview, interviewer
):
    client = token_client(WRITE)

    response = client.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert response.status_code == 201, response.json()
    scorecard = Scorecard.objects.get(interview=interview, interviewer=interviewer)
    assert scorecard.status == Scorecard.Status.SUBMITTED
    assert scorecard.revisions.get().created_by == interviewer
    data = response.json()
    assert (data["id"], data["status"], data["recommendation"], data["revision"]) == (
        scorecard.pk,
        "submitted",
        "yes",
        1,
    )
    assert [(r["area"], r["level"], r["not_assessed"]) for r in data["ratings"]] == [
        ("software_engineering", 4, False),
        ("statistics_experimentation", 3, False),
        ("communication", None, True),
    ]
    assert AuditEvent.objects.filter(action="scorecard.submitted", actor_token=client.token).count() == 1


def test_a_token_submits_on_behalf_of_an_interviewer_named_by_their_ats_id(
    token_client, interview, interviewer
):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="4080")

    response = token_client(WRITE).post(submit_url(interview), body({"external_id": "4080"}), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["interviewer"]["id"] == interviewer.pk


def test_an_external_id_from_another_ats_names_nobody(token_client, interview, interviewer):
    InterviewerIdentity.objects.create(user=interviewer, source="lever", external_id="4080")

    response = token_client(WRITE).post(submit_url(interview), body({"external_id": "4080"}), format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_interviewer", "interviewer")
    assert not Scorecard.objects.exists()


def test_a_token_must_name_the_interviewer(token_client, interview):
    response = token_client(WRITE).post(submit_url(interview), body(), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "interviewer_required"


def test_an_interviewer_not_assigned_to_the_interview_is_refused_at_the_interviewer_field(
    token_client, interview, other_interviewer
):
    response = token_client(WRITE).post(
        submit_url(interview), body({"email": other_interviewer.email}), format="json"
    )

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("not_assigned", "interviewer")
    assert not Scorecard.objects.exists()
    assert not Event.objects.exists()


def test_a_second_submission_for_the_same_interviewer_and_interview_conflicts(
    token_client, interview, interviewer
):
    client = token_client(WRITE)
    first = client.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    second = client.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "already_submitted"
    assert Event.objects.filter(type="scorecard.submitted").count() == 1


@pytest.mark.parametrize(
    ("ratings", "code", "field"),
    [
        ({**COMPLETE_RATINGS, "communication": {"level": 7}}, "invalid", "ratings.communication.level"),
        ({**COMPLETE_RATINGS, "communication": {"level": "high"}}, "invalid", "ratings.communication.level"),
        (
            {**COMPLETE_RATINGS, "communication": {"level": 3, "not_assessed": True}},
            "scorecard_invalid",
            "ratings.communication.level",
        ),
        ({**COMPLETE_RATINGS, "deep_learning": {"level": 3}}, "scorecard_invalid", "ratings.deep_learning"),
        (
            {k: v for k, v in COMPLETE_RATINGS.items() if k != "communication"},
            "scorecard_incomplete",
            "ratings.communication.level",
        ),
    ],
)
def test_invalid_ratings_are_refused_at_their_field_and_nothing_is_written(
    token_client, interview, interviewer, ratings, code, field
):
    response = token_client(WRITE).post(
        submit_url(interview), body({"email": interviewer.email}, ratings=ratings), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not Scorecard.objects.exists()
    assert not Event.objects.exists()


def test_a_submission_without_a_recommendation_names_the_field(token_client, interview, interviewer):
    response = token_client(WRITE).post(
        submit_url(interview), body({"email": interviewer.email}, recommendation=""), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "scorecard_incomplete"
    assert set(response.json()["fields"]) == {"recommendation"}
    assert not Scorecard.objects.exists()


def test_a_draft_is_saved_without_an_event_and_stays_hidden_from_tokens(token_client, interview, interviewer):
    client = token_client(BOTH)

    response = client.post(
        submit_url(interview),
        body(
            {"email": interviewer.email},
            recommendation="",
            ratings={"communication": {"level": 2}},
            draft=True,
        ),
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft"
    assert not Event.objects.exists()
    assert client.get(f"/api/v1/scorecards/{response.json()['id']}/").status_code == 404
    assert client.get("/api/v1/scorecards/").json()["results"] == []


def test_a_signed_in_interviewer_submits_their_own_scorecard(session_client, interview, interviewer):
    response = session_client(interviewer).post(submit_url(interview), body(), format="json")

    assert response.status_code == 201, response.json()
    assert Scorecard.objects.get().interviewer == interviewer
    assert Event.objects.filter(type="scorecard.submitted").count() == 1


def test_a_signed_in_interviewer_cannot_submit_for_someone_else(
    session_client, interview, interviewer, other_interviewer
):
    interview.assignments.create(interviewer=other_interviewer)

    response = session_client(interviewer).post(
        submit_url(interview), body({"email": other_interviewer.email}), format="json"
    )

    assert response.status_code == 403
    assert (response.json()["code"], response.json()["field"]) == ("not_yourself", "interviewer")
    assert not Scorecard.objects.exists()


def test_a_signed_in_interviewer_may_name_themselves(session_client, interview, interviewer):
    response = session_client(interviewer).post(
        submit_url(interview), body({"email": interviewer.email}), format="json"
    )

    assert response.status_code == 201


def test_an_idempotent_retry_replays_the_submission_without_a_second_event(
    token_client, interview, interviewer
):
    client = token_client(WRITE)
    payload = body({"email": interviewer.email})

    first = client.post(submit_url(interview), payload, format="json", HTTP_IDEMPOTENCY_KEY="gh-sc-211231")
    again = client.post(submit_url(interview), payload, format="json", HTTP_IDEMPOTENCY_KEY="gh-sc-211231")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == 1


# Events ----------------------------------------------------------------------------------------------------


def test_the_submitted_event_carries_the_scorecard_as_the_api_shows_it(token_client, interview, interviewer):
    response = token_client(WRITE).post(
        submit_url(interview), body({"email": interviewer.email}), format="json"
    )

    event = Event.objects.get()
    assert event.type == "scorecard.submitted"
    assert event.resource == response.json()


def test_a_submission_through_the_web_pages_records_an_event_too(interview, interviewer):
    scorecard = submitted(interview, interviewer)

    event = Event.objects.get()
    assert (event.type, event.resource["id"], event.resource["status"]) == (
        "scorecard.submitted",
        scorecard.pk,
        "submitted",
    )


def test_an_amendment_through_the_web_pages_records_an_amended_event(interview, interviewer):
    scorecard = submitted(interview, interviewer)

    scorecard_amend(
        scorecard=scorecard,
        user=interviewer,
        reason="Typo.",
        recommendation="strong_yes",
        summary="Better than I wrote.",
        ratings=[RatingInput(area.key, 5) for area in interview.focus_areas.all()],
    )

    amended = Event.objects.get(type="scorecard.amended")
    assert (amended.resource["revision"], amended.resource["recommendation"]) == (2, "strong_yes")


# Reading: independent scoring ----------------------------------------------------------------------


def test_an_interviewer_sees_another_interviewers_scorecard_only_after_submitting_their_own(
    session_client, interview, second_interview, interviewer, other_interviewer
):
    theirs = submitted(interview, interviewer)
    client = session_client(other_interviewer)

    before_list = client.get("/api/v1/scorecards/").json()["results"]
    before_detail = client.get(f"/api/v1/scorecards/{theirs.pk}/")
    mine = client.post(
        submit_url(second_interview),
        body(
            ratings={
                "software_engineering": {"level": 3},
                "production_deployment": {"level": 2, "evidence": "Never deployed a model."},
            }
        ),
        format="json",
    )
    after_list = client.get("/api/v1/scorecards/").json()["results"]
    after_detail = client.get(f"/api/v1/scorecards/{theirs.pk}/")

    assert before_list == []
    assert before_detail.status_code == 404
    assert mine.status_code == 201, mine.json()
    assert {s["id"] for s in after_list} == {theirs.pk, mine.json()["id"]}
    assert after_detail.status_code == 200
    assert after_detail.json()["ratings"][0]["evidence"] == "Seen."


def test_an_interviewer_sees_their_own_draft_but_nobody_else_does(
    session_client, token_client, interview, interviewer, recruiter
):
    draft = scorecard_save_draft(
        interview=interview, user=interviewer, ratings=[RatingInput("communication", 2)]
    )

    own = session_client(interviewer).get(f"/api/v1/scorecards/{draft.pk}/")

    assert (own.status_code, own.json()["status"]) == (200, "draft")
    assert session_client(recruiter).get(f"/api/v1/scorecards/{draft.pk}/").status_code == 404
    assert token_client(READ).get(f"/api/v1/scorecards/{draft.pk}/").status_code == 404


def test_submitting_on_another_application_does_not_unlock_this_one(
    session_client, interview, interviewer, other_interviewer
):
    theirs = submitted(interview, interviewer)
    elsewhere = InterviewFactory(
        application=ApplicationFactory(opening=interview.application.opening),
        interviewers=[other_interviewer],
    )
    submitted(elsewhere, other_interviewer)

    assert session_client(other_interviewer).get(f"/api/v1/scorecards/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("token", 200),
        ("recruiter", 200),
        ("committee_member", 200),
        ("interviewer", 200),
        ("other_committee_opening_member", 404),
        ("other_interviewer", 404),
        ("outsider", 404),
    ],
)
def test_who_may_read_a_submitted_scorecard(
    request, token_client, session_client, interview, interviewer, who, expected
):
    scorecard = submitted(interview, interviewer)
    client = token_client(READ) if who == "token" else session_client(request.getfixturevalue(who))

    detail = client.get(f"/api/v1/scorecards/{scorecard.pk}/")
    listed = client.get("/api/v1/scorecards/").json()["results"]

    assert detail.status_code == expected
    assert ([s["id"] for s in listed] == [scorecard.pk]) is (expected == 200)


@pytest.mark.parametrize(
    ("who", "method", "expected"),
    [
        ("token:interviews:read", "get", 403),
        ("token:scorecards:read", "post", 403),
        ("token:scorecards:write", "get", 403),
        ("committee_member", "post", 403),
        ("outsider", "post", 404),
        ("other_committee_opening_member", "get", 404),
    ],
)
def test_permission_matrix(
    request, token_client, session_client, interview, interviewer, who, method, expected
):
    scorecard = submitted(interview, interviewer)
    if who.startswith("token:"):
        client = token_client([who.removeprefix("token:")])
    else:
        client = session_client(request.getfixturevalue(who))

    if method == "get":
        response = client.get(f"/api/v1/scorecards/{scorecard.pk}/")
    else:
        response = client.post(submit_url(interview), body({"email": interviewer.email}), format="json")

    assert response.status_code == expected
    assert Scorecard.objects.count() == 1


def test_an_unknown_interview_is_not_found(token_client, interviewer):
    response = token_client(WRITE).post(
        "/api/v1/interviews/999999/scorecards/", body({"email": interviewer.email}), format="json"
    )

    assert response.status_code == 404


# Amending ----------------------------------------------------------------------------------------------


def amend_body(**overrides) -> dict:
    data = {
        "reason": "Communication was assessed after all.",
        "expected_revision": 1,
        "recommendation": "strong_yes",
        "summary": "Better than I wrote.",
        "ratings": {**COMPLETE_RATINGS, "communication": {"level": 4, "evidence": "Explained plainly."}},
    }
    return {**data, **overrides}


def test_a_token_amends_a_scorecard_with_a_reason(token_client, interview, interviewer):
    scorecard = submitted(interview, interviewer)
    client = token_client(WRITE)

    response = client.post(f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(), format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["revision"], response.json()["recommendation"]) == (2, "strong_yes")
    revision = scorecard.revisions.get(number=2)
    assert (revision.reason, revision.created_by) == ("Communication was assessed after all.", interviewer)
    event = Event.objects.get(type="scorecard.amended")
    assert event.resource == response.json()
    assert AuditEvent.objects.filter(action="scorecard.amended", actor_token=client.token).exists()


def test_amending_a_stale_revision_conflicts_and_records_nothing(token_client, interview, interviewer):
    scorecard = submitted(interview, interviewer)
    client = token_client(WRITE)
    client.post(f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(), format="json")

    stale = client.post(
        f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(reason="Another change."), format="json"
    )

    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision"
    assert Event.objects.filter(type="scorecard.amended").count() == 1
    scorecard.refresh_from_db()
    assert scorecard.revision == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"expected_revision": None}, "expected_revision"),
        ({"ratings": {**COMPLETE_RATINGS, "communication": {"level": 0}}}, "ratings.communication.level"),
    ],
)
def test_an_invalid_amendment_is_refused_at_its_field(token_client, interview, interviewer, overrides, field):
    scorecard = submitted(interview, interviewer)

    response = token_client(WRITE).post(
        f"/api/v1/scorecards/{scorecard.pk}/amend/", amend_body(**overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Event.objects.filter(type="scorecard.amended").exists()
    scorecard.refresh_from_db()
    assert scorecard.revision == 1


def test_another_interviewer_who_may_read_a_scorecard_cannot_amend_it(
    session_client, interview, second_interview, interviewer, other_interviewer
):
    theirs = submitted(interview, interviewer)
    submitted(second_interview, other_interviewer)

    response = session_client(other_interviewer).post(
        f"/api/v1/scorecards/{theirs.pk}/amend/", amend_body(), format="json"
    )

    assert response.status_code == 404
    assert not Event.objects.filter(type="scorecard.amended").exists()


# Lists: filters and query counts -----------------------------------------------------------------------


def test_the_list_filters_by_application_interviewer_status_and_updated_since(
    token_client, interview, second_interview, interviewer, other_interviewer
):
    mine = submitted(interview, interviewer)
    theirs = submitted(second_interview, other_interviewer)
    elsewhere = InterviewFactory(interviewers=[interviewer])
    other_application = submitted(elsewhere, interviewer)
    Scorecard.objects.filter(pk=mine.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    client = token_client(READ)

    def ids(**params):
        return {s["id"] for s in client.get("/api/v1/scorecards/", params).json()["results"]}

    assert ids(application=interview.application_id) == {mine.pk, theirs.pk}
    assert ids(opening=elsewhere.application.opening_id) == {other_application.pk}
    assert ids(interview=second_interview.pk) == {theirs.pk}
    assert ids(interviewer=interviewer.email.upper()) == {mine.pk, other_application.pk}
    assert ids(status="draft") == set()
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == {theirs.pk, other_application.pk}


def test_the_list_walks_oldest_change_first_by_cursor(
    token_client, interview, second_interview, interviewer, other_interviewer
):
    first = submitted(interview, interviewer)
    second = submitted(second_interview, other_interviewer)
    client = token_client(READ)

    page = client.get("/api/v1/scorecards/", {"page_size": 1}).json()
    following = client.get(page["next"]).json()

    assert [s["id"] for s in page["results"]] == [first.pk]
    assert [s["id"] for s in following["results"]] == [second.pk]


def _many_scorecards(count: int, opening) -> None:
    for index in range(count):
        user = UserFactory(username=f"bulk_interviewer_{index}", groups=["interviewer"])
        interview = InterviewFactory(application=ApplicationFactory(opening=opening), interviewers=[user])
        submitted(interview, user, level=1 + index % 5)


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_list_takes_a_fixed_number_of_queries_for_a_token(
    token_client, opening, django_assert_num_queries, page_size
):
    _many_scorecards(6, opening)
    client = token_client(READ)
    client.get("/api/v1/scorecards/")  # the token's last use is recorded once a minute, not per request

    # The token, the page of scorecards, their ratings with areas.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/scorecards/", {"page_size": page_size})

    assert len(response.json()["results"]) == min(page_size, 6)


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_list_takes_a_fixed_number_of_queries_for_a_signed_in_interviewer(
    session_client, opening, interview, interviewer, django_assert_num_queries, page_size
):
    _many_scorecards(6, interview.application.opening)
    submitted(interview, interviewer)
    client = session_client(interviewer)

    # Session, user, groups, committee check (scope), the page, its ratings.
    with django_assert_num_queries(6):
        response = client.get("/api/v1/scorecards/", {"page_size": page_size})

    assert len(response.json()["results"]) == 1


# Interviews that have not started ------------------------------------------------------------------


def test_a_scorecard_for_an_interview_three_days_ahead_is_409_interview_not_started_and_writes_nothing(
    token_client, application, interviewer
):
    future = InterviewFactory(
        application=application,
        interviewers=[interviewer],
        scheduled_at=timezone.now() + dt.timedelta(days=3),
    )

    response = token_client(WRITE).post(submit_url(future), body({"email": interviewer.email}), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "interview_not_started"
    assert not Scorecard.objects.filter(interview=future).exists()
    assert not Event.objects.filter(type="scorecard.submitted").exists()


def test_a_draft_for_an_interview_ahead_may_be_saved(token_client, application, interviewer):
    future = InterviewFactory(
        application=application,
        interviewers=[interviewer],
        scheduled_at=timezone.now() + dt.timedelta(days=3),
    )

    response = token_client(WRITE).post(
        submit_url(future), body({"email": interviewer.email}, draft=True), format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "draft"


# Unknown fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"recomendation": "yes"}, "recomendation"),
        ({"interviewer": {"emial": "x@example.com"}}, "interviewer.emial"),
        ({"ratings": {**COMPLETE_RATINGS, "communication": {"levle": 3}}}, "ratings.communication.levle"),
    ],
)
def test_a_misspelt_field_anywhere_in_a_scorecard_is_a_400_unknown_field_at_its_path(
    token_client, interview, interviewer, overrides, path
):
    response = token_client(WRITE).post(
        submit_url(interview), {**body({"email": interviewer.email}), **overrides}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert path in response.json()["fields"]
    assert not Scorecard.objects.exists()
