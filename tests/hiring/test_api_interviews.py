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


@pytest.mark.parametrize(
    "second",
    [
        {"external_id": "gh-user-41"},  # the same person by their ATS id
        {"email": "IVAN_INTERVIEWER@Example.COM"},  # by email in another letter case
        {"email": "ivan_interviewer@example.com"},  # plainly twice
    ],
)
def test_the_same_interviewer_listed_twice_is_a_400_duplicate_interviewer_and_writes_nothing(
    ats, application, interviewer, second
):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="gh-user-41")
    body = interview_body(application, interviewers=[{"email": interviewer.email}, second])

    response = ats.post("/api/v1/interviews/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_interviewer"
    assert response.json()["field"] == "interviewers"
    assert response.json()["fields"]["interviewers"] == [
        "Interviewer 2: a person already listed (by email or external id)."
    ]
    assert not Interview.objects.exists()


def test_a_focus_area_listed_twice_is_a_400_duplicate_focus_area_and_writes_nothing(
    ats, application, interviewer
):
    body = interview_body(application, focus_areas=["communication", "software_engineering", "communication"])

    response = ats.post("/api/v1/interviews/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_focus_area"
    assert response.json()["fields"] == {"focus_areas": ["Listed more than once: communication."]}
    assert not Interview.objects.exists()


@pytest.mark.parametrize("moment", ["2026-11-28T10:00:00", "2026-11-28 10:00", "2026-11-28T10:00:00.123456"])
def test_a_scheduled_at_without_a_time_zone_is_a_400_timezone_required_not_taken_as_utc(
    ats, application, interviewer, moment
):
    response = ats.post(
        "/api/v1/interviews/", interview_body(application, scheduled_at=moment), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "timezone_required"
    assert response.json()["field"] == "scheduled_at"
    assert not Interview.objects.exists()


def test_a_scheduled_at_with_an_offset_is_stored_as_that_moment(ats, application, interviewer):
    response = ats.post(
        "/api/v1/interviews/",
        interview_body(application, scheduled_at="2026-11-28T10:00:00+01:00"),
        format="json",
    )

    assert response.status_code == 201
    assert Interview.objects.get().scheduled_at == dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def test_the_scheduled_before_and_after_filters_refuse_an_empty_or_zoneless_value(ats):
    for parameter in ("scheduled_before", "scheduled_after"):
        empty = ats.get(f"/api/v1/interviews/?{parameter}=")
        zoneless = ats.get(f"/api/v1/interviews/?{parameter}=2026-11-28T10:00:00")

        assert (empty.status_code, empty.json()["field"]) == (400, parameter)
        assert (zoneless.status_code, zoneless.json()["code"], zoneless.json()["field"]) == (
            400,
            "timezone_required",
            parameter,
        )
        assert ats.get(f"/api/v1/interviews/?{parameter}=2026-11-28T10:00:00Z").status_code == 200
