import pytest

from assessments.models import Rating, Scorecard
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from hiring.models import Application, Candidate, Decision
from hiring.services import candidate_erase, decision_record
from integrations.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_candidate(interview, interviewer):
    scorecard = scorecard_save_draft(
        interview=interview,
        user=interviewer,
        recommendation="yes",
        ratings=[RatingInput(area.key, 4) for area in interview.focus_areas.all()],
    )
    scorecard_submit(scorecard=scorecard, user=interviewer)
    candidate = interview.application.candidate
    Candidate.objects.filter(pk=candidate.pk).update(
        email="ada@example.com", notes="Prefers mornings.", source="greenhouse", external_id="gh-1001"
    )
    decision_record(application=interview.application, outcome="advance", rationale="Strong", actor=None)
    candidate.refresh_from_db()
    return candidate


def test_erasing_removes_personal_data_and_keeps_the_scores(token_client, scored_candidate):
    client = token_client(["candidates:erase"])
    ratings_before = Rating.objects.count()

    response = client.post(f"/api/v1/candidates/{scored_candidate.pk}/erase/")

    assert response.status_code == 200
    scored_candidate.refresh_from_db()
    assert scored_candidate.name == f"Erased candidate {scored_candidate.pk}"
    assert scored_candidate.email == f"erased-{scored_candidate.pk}@erased.invalid"
    assert scored_candidate.notes == ""
    assert scored_candidate.erased_at is not None
    assert scored_candidate.external_id == "gh-1001"  # the ATS can still match its record
    assert response.json()["erased"] is True
    assert "Ada" not in str(response.json())
    assert "ada@" not in str(response.json())
    assert Application.objects.filter(candidate=scored_candidate).count() == 1
    assert Scorecard.objects.filter(interview__application__candidate=scored_candidate).count() == 1
    assert Rating.objects.count() == ratings_before
    assert Decision.objects.filter(application__candidate=scored_candidate).count() == 1


def test_erasure_is_audited_without_the_erased_data(token_client, scored_candidate):
    client = token_client(["candidates:erase"])

    client.post(f"/api/v1/candidates/{scored_candidate.pk}/erase/")

    audit = AuditEvent.objects.get(action="candidate.erased")
    assert (audit.target_type, audit.target_id, audit.actor_token) == (
        "hiring.candidate",
        str(scored_candidate.pk),
        client.token,
    )
    assert "ada" not in str(audit.details).lower()


def test_erasing_twice_changes_nothing_the_second_time(recruiter, scored_candidate):
    first = candidate_erase(candidate=scored_candidate, actor=recruiter)

    second = candidate_erase(candidate=scored_candidate, actor=recruiter)

    assert second.erased_at == first.erased_at
    assert (second.name, second.email) == (first.name, first.email)
    assert AuditEvent.objects.filter(action="candidate.erased").count() == 1


def test_an_erased_candidate_cannot_be_written_back_by_an_upsert(ats, recruiter, scored_candidate):
    candidate_erase(candidate=scored_candidate, actor=recruiter)

    response = ats.put(
        "/api/v1/candidates/external/greenhouse/gh-1001/",
        {"name": "Ada Lovelace", "email": "ada@example.com"},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (409, "candidate_erased")
    scored_candidate.refresh_from_db()
    assert scored_candidate.name == f"Erased candidate {scored_candidate.pk}"


@pytest.mark.parametrize("scopes", [["candidates:read", "candidates:write"], ["roles:read"]])
def test_erasing_needs_the_erase_scope(token_client, scored_candidate, scopes):
    response = token_client(scopes).post(f"/api/v1/candidates/{scored_candidate.pk}/erase/")

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")
    scored_candidate.refresh_from_db()
    assert scored_candidate.erased_at is None


@pytest.mark.parametrize(
    ("persona", "status"), [("recruiter", 200), ("committee_member", 403), ("interviewer", 403)]
)
def test_only_recruiters_erase_through_their_session(as_user, scored_candidate, persona, status):
    response = as_user(persona).post(f"/api/v1/candidates/{scored_candidate.pk}/erase/")

    assert response.status_code == status
