import datetime as dt

import pytest
from django.utils import timezone

from hiring.models import Assignment, Interview, InterviewerIdentity

pytestmark = pytest.mark.django_db


def interview_body(application, /, **overrides) -> dict:
    return {
        "application": application.pk,
        "kind": "technical",
        "scheduled_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        "duration_minutes": 45,
        "focus_areas": ["software_engineering", "communication"],
        "interviewers": [{"email": "ivan_interviewer@example.com"}],
        **overrides,
    }


def test_scheduling_an_interview_names_interviewers_by_email_and_by_ats_id(
    ats, application, interviewer, other_interviewer
):
    InterviewerIdentity.objects.create(user=other_interviewer, source="greenhouse", external_id="gh-user-77")
    body = interview_body(
        application, interviewers=[{"email": interviewer.email}, {"external_id": "gh-user-77"}]
    )

    response = ats.post("/api/v1/interviews/", body, format="json")

    assert response.status_code == 201
    interview = Interview.objects.get(pk=response.json()["id"])
    assert set(interview.interviewers.all()) == {interviewer, other_interviewer}
    assert response.json()["focus_areas"] == ["software_engineering", "communication"]
    assert {row["id"] for row in response.json()["interviewers"]} == {interviewer.pk, other_interviewer.pk}
    assert response.json()["candidate"] == application.candidate_id


def test_an_ats_id_of_another_source_does_not_name_an_interviewer(token_client, application, interviewer):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="u-1")
    lever = token_client(["interviews:write"], source="lever")

    response = lever.post(
        "/api/v1/interviews/",
        interview_body(application, interviewers=[{"external_id": "u-1"}]),
        format="json",
    )

    assert response.status_code == 400
    assert "interviewers" in response.json()["fields"]
    assert not Interview.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"interviewers": [{"email": "nobody@example.com"}]}, "interviewers"),
        ({"interviewers": [{}]}, "interviewers"),
        ({"interviewers": []}, "interviewers"),
        ({"focus_areas": ["astrology"]}, "focus_areas"),
        ({"focus_areas": []}, "focus_areas"),
        ({"application": 999_999}, "application"),
        ({"scheduled_at": "soon"}, "scheduled_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
    ],
)
def test_bad_interview_input_is_400_at_the_field_and_writes_nothing(
    ats, application, interviewer, overrides, field
):
    response = ats.post("/api/v1/interviews/", interview_body(application, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Interview.objects.exists()
    assert not Assignment.objects.exists()


def test_an_interviewer_sees_only_the_interviews_they_are_assigned_to(
    session_client, interviewer, interview, second_interview
):
    client = session_client(interviewer)

    listed = client.get("/api/v1/interviews/").json()["results"]

    assert [row["id"] for row in listed] == [interview.pk]
    assert client.get(f"/api/v1/interviews/{interview.pk}/").status_code == 200
    assert client.get(f"/api/v1/interviews/{second_interview.pk}/").status_code == 404


def test_a_committee_member_sees_their_openings_interviews_only(
    session_client, committee_member, interview, other_interview
):
    client = session_client(committee_member)

    listed = client.get("/api/v1/interviews/").json()["results"]

    assert [row["id"] for row in listed] == [interview.pk]
    assert client.get(f"/api/v1/interviews/{other_interview.pk}/").status_code == 404


def test_interviews_filter_by_opening_and_kind(ats, interview, second_interview, other_interview):
    def ids(**params):
        return sorted(row["id"] for row in ats.get("/api/v1/interviews/", params).json()["results"])

    assert ids(opening=interview.application.opening_id) == sorted([interview.pk, second_interview.pk])
    assert ids(kind="system_design") == [second_interview.pk]


def test_an_interviewer_cannot_schedule_interviews(session_client, interviewer, application):
    response = session_client(interviewer).post(
        "/api/v1/interviews/", interview_body(application), format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")
