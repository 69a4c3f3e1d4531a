import datetime as dt

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from hiring.models import Decision
from hiring.services import decision_record
from integrations.models import AuditEvent, Event

pytestmark = pytest.mark.django_db

ADVANCE = {"outcome": "advance", "rationale": "Strong production ML; system design above the bar."}


def decisions_url(application) -> str:
    return f"/api/v1/applications/{application.pk}/decisions/"


def test_a_committee_member_records_a_decision_with_audit_and_event(
    session_client, committee_member, application
):
    response = session_client(committee_member).post(decisions_url(application), ADVANCE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["outcome"], body["decided_by_user"], body["application"]) == (
        "advance",
        committee_member.pk,
        application.pk,
    )
    decision = Decision.objects.get()
    audit = AuditEvent.objects.get(action="decision.recorded")
    assert (audit.actor_user, audit.target_id) == (committee_member, str(decision.pk))
    event = Event.objects.get(type="decision.recorded")
    assert event.resource == body  # the webhook carries the decision exactly as the API shows it


def test_a_token_records_a_decision_under_its_name(token_client, application):
    client = token_client(["decisions:write"], name="Greenhouse prod")

    response = client.post(
        decisions_url(application), {"outcome": "hold", "rationale": "Wait"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["decided_by_user"] is None
    assert response.json()["decided_by"].startswith("Greenhouse prod (token ")
    assert AuditEvent.objects.get(action="decision.recorded").actor_token == client.token


def test_decisions_keep_their_history_and_the_latest_is_first(ats, application):
    ats.post(
        decisions_url(application), {"outcome": "hold", "rationale": "Need a second look."}, format="json"
    )
    ats.post(decisions_url(application), {"outcome": "reject", "rationale": "Below the bar."}, format="json")

    listed = ats.get(decisions_url(application)).json()["results"]

    assert [row["outcome"] for row in listed] == ["reject", "hold"]
    assert Event.objects.filter(type="decision.recorded").count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "advance", "rationale": "   "}, "rationale"),
        ({"outcome": "advance"}, "rationale"),
        ({"outcome": "maybe", "rationale": "Hmm"}, "outcome"),
    ],
)
def test_a_decision_without_a_valid_outcome_or_rationale_is_400_and_records_nothing(
    ats, application, body, field
):
    response = ats.post(decisions_url(application), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Decision.objects.exists()
    assert not Event.objects.exists()
    assert not AuditEvent.objects.filter(action="decision.recorded").exists()


def test_the_service_refuses_a_blank_rationale_whatever_the_caller(application, recruiter):
    with pytest.raises(ApplicationError) as caught:
        decision_record(application=application, outcome="advance", rationale="\n ", actor=recruiter)

    assert (caught.value.code, caught.value.field) == ("rationale_required", "rationale")


def test_the_database_refuses_a_blank_rationale(application):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Decision.objects.create(
            application=application, outcome="advance", rationale=" ", decided_by_label="x"
        )


def test_a_committee_member_of_another_opening_cannot_decide_or_see_decisions(
    session_client, committee_member, other_application
):
    client = session_client(committee_member)
    decision_record(application=other_application, outcome="advance", rationale="Yes", actor=None)

    assert client.post(decisions_url(other_application), ADVANCE, format="json").status_code == 404
    assert client.get(decisions_url(other_application)).status_code == 404
    assert client.get("/api/v1/decisions/").json()["results"] == []
    assert Decision.objects.count() == 1


def test_decisions_filter_by_opening_and_decided_since_oldest_first(ats, application, other_application):
    now = timezone.now()
    old = decision_record(application=application, outcome="hold", rationale="Wait", actor=None)
    recent = decision_record(application=application, outcome="advance", rationale="Go", actor=None)
    elsewhere = decision_record(application=other_application, outcome="reject", rationale="No", actor=None)
    Decision.objects.filter(pk=old.pk).update(decided_at=now - dt.timedelta(days=2))

    def ids(**params):
        response = ats.get("/api/v1/decisions/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    since = (now - dt.timedelta(days=1)).isoformat()
    assert ids(opening=application.opening_id) == [recent.pk, old.pk]
    assert ids(decided_since=since) == [recent.pk, elsewhere.pk]
    assert ids(updated_since=since, opening=application.opening_id) == [recent.pk]


def test_an_invalid_decided_since_is_400_at_the_parameter(ats):
    response = ats.get("/api/v1/decisions/", {"decided_since": "last tuesday"})

    assert response.status_code == 400
    assert "decided_since" in response.json()["fields"]


def test_a_decision_post_with_an_idempotency_key_is_recorded_once(ats, application):
    first = ats.post(decisions_url(application), ADVANCE, format="json", HTTP_IDEMPOTENCY_KEY="dec-1")
    again = ats.post(decisions_url(application), ADVANCE, format="json", HTTP_IDEMPOTENCY_KEY="dec-1")
    other = ats.post(
        decisions_url(application),
        {**ADVANCE, "outcome": "reject"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="dec-1",
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert first.json() == again.json()
    assert Decision.objects.count() == 1
    assert Event.objects.filter(type="decision.recorded").count() == 1
