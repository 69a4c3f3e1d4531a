"""Openings and interviews by the ATS's id: ``PUT …/external/{source}/{external_id}/``, like candidates."""

import pytest

from assessments.services import RatingInput, scorecard_save_draft
from hiring.models import Assignment, Interview, InterviewerIdentity, Opening
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

WHEN = "2026-03-02T09:30:00Z"
JOB = {"title": "Senior ML Engineer", "role": "ml_engineer", "status": "open"}


def opening_url(source: str, external_id: str) -> str:
    return f"/api/v1/openings/external/{source}/{external_id}/"


def interview_url(source: str, external_id: str) -> str:
    return f"/api/v1/interviews/external/{source}/{external_id}/"


@pytest.fixture
def interview_body(application, interviewer):
    return {
        "application": application.pk,
        "kind": "technical",
        "scheduled_at": WHEN,
        "duration_minutes": 60,
        "focus_areas": ["software_engineering", "communication"],
        "interviewers": [{"email": interviewer.email}],
    }


# Openings -----------------------------------------------------------------------------


def test_putting_an_opening_twice_creates_one_and_answers_the_same_body(ats, rubric_version):
    first = ats.put(opening_url("greenhouse", "job-1"), JOB, format="json")
    second = ats.put(opening_url("greenhouse", "job-1"), JOB, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()  # not even updated_at moved
    assert Opening.objects.filter(source="greenhouse", external_id="job-1").count() == 1
    body = first.json()
    assert (body["role"], body["rubric_version"], body["external_id"]) == (
        "ml_engineer",
        rubric_version.pk,
        "job-1",
    )


def test_an_opening_upsert_with_changes_renames_and_closes_the_same_opening(ats, rubric_version):
    created = ats.put(opening_url("greenhouse", "job-1"), JOB, format="json").json()

    response = ats.put(
        opening_url("greenhouse", "job-1"), {**JOB, "title": "Staff MLE", "status": "closed"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["title"], response.json()["status"]) == (
        created["id"],
        "Staff MLE",
        "closed",
    )


def test_an_opening_upsert_without_a_status_keeps_the_opening_s_status(ats, rubric_version):
    ats.put(opening_url("greenhouse", "job-1"), {**JOB, "status": "on_hold"}, format="json")

    response = ats.put(
        opening_url("greenhouse", "job-1"), {"title": "Renamed", "role": "ml_engineer"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, "on_hold")


def test_an_opening_keeps_its_role_409_opening_mismatch(ats, rubric_version):
    ats.put(opening_url("greenhouse", "job-1"), JOB, format="json")

    response = ats.put(opening_url("greenhouse", "job-1"), {**JOB, "role": "data_scientist"}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("opening_mismatch", "role")
    assert Opening.objects.get(external_id="job-1").role.key == "ml_engineer"


def test_a_token_cannot_upsert_an_opening_into_another_source(ats, rubric_version):
    response = ats.put(opening_url("lever", "job-1"), JOB, format="json")

    assert response.status_code == 403
    assert (response.json()["code"], response.json()["field"]) == ("source_mismatch", "source")
    assert not Opening.objects.exists()


def test_the_opening_upsert_needs_openings_write(token_client, rubric_version):
    client = token_client(["openings:read", "interviews:write"])

    response = client.put(opening_url("greenhouse", "job-1"), JOB, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")
    assert not Opening.objects.exists()


def test_an_opening_upsert_with_bad_fields_is_400_with_a_message_per_field(ats, rubric_version):
    response = ats.put(opening_url("greenhouse", "job-1"), {"title": "", "status": "maybe"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"title", "role", "status"}
    assert not Opening.objects.exists()


def test_an_opening_upsert_for_an_unknown_role_is_400_at_role(ats, rubric_version):
    response = ats.put(opening_url("greenhouse", "job-1"), {**JOB, "role": "astronaut"}, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_role", "role")


def test_a_committee_member_cannot_upsert_an_opening(session_client, committee_member, rubric_version):
    response = session_client(committee_member).put(opening_url("greenhouse", "job-1"), JOB, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")


# Interviews -----------------------------------------------------------------------------


def test_putting_an_interview_twice_creates_one_with_one_assignment_each(ats, interview_body, interviewer):
    first = ats.put(interview_url("greenhouse", "int-1"), interview_body, format="json")
    second = ats.put(interview_url("greenhouse", "int-1"), interview_body, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    interview = Interview.objects.get(source="greenhouse", external_id="int-1")
    assert Interview.objects.filter(application=interview.application).count() == 1
    assert list(Assignment.objects.filter(interview=interview).values_list("interviewer", flat=True)) == [
        interviewer.pk
    ]
    assert first.json()["focus_areas"] == ["software_engineering", "communication"]


def test_an_interview_upsert_reschedules_and_changes_interviewers(
    ats, interview_body, interviewer, other_interviewer
):
    created = ats.put(interview_url("greenhouse", "int-1"), interview_body, format="json").json()
    InterviewerIdentity.objects.create(user=other_interviewer, source="greenhouse", external_id="gh-olga")

    changed = {
        **interview_body,
        "scheduled_at": "2026-03-04T14:00:00Z",
        "duration_minutes": 90,
        "interviewers": [{"external_id": "gh-olga"}],
    }
    response = ats.put(interview_url("greenhouse", "int-1"), changed, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["scheduled_at"], body["duration_minutes"]) == (
        created["id"],
        "2026-03-04T14:00:00Z",
        90,
    )
    assert [row["id"] for row in body["interviewers"]] == [other_interviewer.pk]


def test_an_interview_upsert_may_name_the_application_by_its_external_id(ats, interview_body, opening):
    application = ApplicationFactory(opening=opening, source="greenhouse", external_id="gh-app-9")
    body = {**interview_body, "application_external_id": "gh-app-9"}
    del body["application"]

    response = ats.put(interview_url("greenhouse", "int-1"), body, format="json")

    assert (response.status_code, response.json()["application"]) == (201, application.pk)


def test_an_interview_keeps_its_application_409_interview_mismatch(ats, interview_body, opening):
    ats.put(interview_url("greenhouse", "int-1"), interview_body, format="json")
    elsewhere = ApplicationFactory(opening=opening, source="greenhouse")

    response = ats.put(
        interview_url("greenhouse", "int-1"), {**interview_body, "application": elsewhere.pk}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "interview_mismatch"


def test_once_scored_an_interview_keeps_its_focus_areas_and_its_scoring_interviewer(
    ats, interview_body, interviewer, other_interviewer
):
    created = ats.put(interview_url("greenhouse", "int-1"), interview_body, format="json").json()
    interview = Interview.objects.get(pk=created["id"])
    scorecard_save_draft(
        interview=interview,
        user=interviewer,
        recommendation="",
        summary="",
        ratings=[RatingInput("communication", 3)],
    )

    new_areas = ats.put(
        interview_url("greenhouse", "int-1"),
        {**interview_body, "focus_areas": ["communication"]},
        format="json",
    )
    dropped = ats.put(
        interview_url("greenhouse", "int-1"),
        {**interview_body, "interviewers": [{"email": other_interviewer.email}]},
        format="json",
    )

    assert (new_areas.status_code, new_areas.json()["code"]) == (409, "interview_has_scorecards")
    assert (dropped.status_code, dropped.json()["code"]) == (409, "interviewer_has_scorecard")
    assert set(interview.focus_areas.values_list("key", flat=True)) == {
        "software_engineering",
        "communication",
    }
    assert list(interview.assignments.values_list("interviewer", flat=True)) == [interviewer.pk]


def test_a_token_cannot_upsert_an_interview_into_another_source(ats, interview_body):
    response = ats.put(interview_url("lever", "int-1"), interview_body, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "source_mismatch"
    assert not Interview.objects.exists()


def test_the_interview_upsert_needs_interviews_write(token_client, interview_body):
    client = token_client(["interviews:read", "openings:write"])

    response = client.put(interview_url("greenhouse", "int-1"), interview_body, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")


def test_an_interview_upsert_with_bad_fields_is_400_with_a_message_per_field(ats, interview_body):
    bad = {**interview_body, "kind": "chat", "scheduled_at": "soon", "duration_minutes": 0, "focus_areas": []}

    response = ats.put(interview_url("greenhouse", "int-1"), bad, format="json")

    assert response.status_code == 400
    assert {"kind", "scheduled_at", "duration_minutes", "focus_areas"} <= set(response.json()["fields"])
    assert not Interview.objects.exists()


def test_an_interview_upsert_naming_the_application_twice_or_not_at_all_is_400(ats, interview_body):
    neither = {key: value for key, value in interview_body.items() if key != "application"}
    both = {**interview_body, "application_external_id": "gh-app-9"}

    for body in (neither, both):
        response = ats.put(interview_url("greenhouse", "int-1"), body, format="json")
        assert response.status_code == 400
        assert "application" in response.json()["fields"]


def test_an_interviewer_cannot_upsert_interviews(session_client, interviewer, interview_body):
    response = session_client(interviewer).put(
        interview_url("greenhouse", "int-1"), interview_body, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")


def test_a_recruiter_may_upsert_an_interview_with_any_source(session_client, recruiter, interview_body):
    response = session_client(recruiter).put(interview_url("lever", "int-1"), interview_body, format="json")

    assert response.status_code == 201
    assert (response.json()["source"], response.json()["external_id"]) == ("lever", "int-1")
