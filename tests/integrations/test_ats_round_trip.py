"""An applicant tracking system's whole integration, over HTTP, as its engineers would write it.

Upsert people (twice: a retry must not duplicate), schedule interviews, submit
scorecards on behalf of interviewers, receive signed webhooks on a real
receiver, then read fit scores and a shortlist and record a decision.
"""

import json

import pytest

from hiring.models import Application, Candidate, InterviewerIdentity
from integrations.scopes import ALL_SCOPES
from integrations.webhooks import signature_verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FOCUS = ["software_engineering", "statistics_experimentation", "communication"]
PEOPLE = [("gh-c-1", "Ada Lovelace", 5), ("gh-c-2", "Alan Turing", 3), ("gh-c-3", "Grace Hopper", 4)]


def test_an_ats_round_trip(token_client, receiver, django_capture_on_commit_callbacks):
    ats = token_client(sorted(ALL_SCOPES), source="greenhouse")

    def call(method, url, body=None, expect=(200, 201, 202)):
        # Each request commits in real life: run its on-commit work (tasks, webhooks) as it would.
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(ats, method)(url, body, format="json")
        assert response.status_code in expect, (url, response.status_code, response.content)
        return response.json()

    hook = call(
        "post",
        "/api/v1/webhooks/",
        {
            "url": receiver.url,
            "events": [
                "scorecard.submitted",
                "fit_scores.updated",
                "shortlist.ready",
                "decision.recorded",
            ],
        },
    )
    opening = call("post", "/api/v1/openings/", {"title": "ML Engineer, platform", "role": "ml_engineer"})

    # People in, twice: the second pass is a retry and changes nothing.
    for _retry in range(2):
        for external_id, name, _ in PEOPLE:
            email = f"{external_id}@example.com"
            body = call(
                "put",
                f"/api/v1/candidates/external/greenhouse/{external_id}/",
                {"name": name, "email": email},
            )
            assert body["name"] == name
            call(
                "put",
                f"/api/v1/applications/external/greenhouse/app-{external_id}/",
                {"candidate_external_id": external_id, "opening": opening["id"], "stage": "interviewing"},
            )
    assert Candidate.objects.filter(source="greenhouse").count() == 3
    assert Application.objects.filter(opening_id=opening["id"]).count() == 3

    # Interviewers the ATS names by email and by its own id.
    UserFactory(username="olga", email="olga@example.com", groups=["interviewer"])
    piet = UserFactory(username="piet", email="piet@example.com", groups=["interviewer"])
    InterviewerIdentity.objects.create(user=piet, source="greenhouse", external_id="gh-user-77")

    for external_id, _, skill in PEOPLE:
        application = Application.objects.get(source="greenhouse", external_id=f"app-{external_id}")
        interview = call(
            "post",
            "/api/v1/interviews/",
            {
                "application": application.pk,
                "kind": "technical",
                "scheduled_at": "2026-11-20T09:30:00Z",
                "duration_minutes": 60,
                "focus_areas": FOCUS,
                "interviewers": [{"email": "olga@example.com"}, {"external_id": "gh-user-77"}],
            },
        )
        for interviewer, lift in (({"email": "olga@example.com"}, 0), ({"external_id": "gh-user-77"}, -1)):
            level = max(1, min(5, skill + lift))
            call(
                "post",
                f"/api/v1/interviews/{interview['id']}/scorecards/",
                {
                    "interviewer": interviewer,
                    "recommendation": "yes" if level >= 4 else "no",
                    "summary": "Structured interview.",
                    "ratings": {
                        area: {"level": level, "evidence": f"Observed level {level}."} for area in FOCUS
                    },
                },
            )

    # Scores out.
    ada = Application.objects.get(external_id="app-gh-c-1")
    report = call("get", f"/api/v1/applications/{ada.pk}/fit-scores/")
    assert report["scored"] is True
    assert {role["role"] for role in report["roles"]} == {
        "data_scientist",
        "ml_engineer",
        "full_stack_data_scientist",
    }

    created = call(
        "post", f"/api/v1/openings/{opening['id']}/shortlists/", {"order_by": "fit"}, expect=(202,)
    )
    shortlist = call("get", created["status_url"])
    assert shortlist["status"] == "ready"
    entries = call("get", f"/api/v1/shortlists/{created['id']}/entries/")["results"]
    assert len(entries) == 3
    assert entries[0]["application"] == ada.pk  # the strongest candidate ranks first

    call(
        "post",
        f"/api/v1/applications/{ada.pk}/decisions/",
        {"outcome": "advance", "rationale": "Strongest fit."},
    )

    # Every webhook arrived signed with the subscription's secret.
    received = [json.loads(request["body"]) for request in receiver.requests]
    for request in receiver.requests:
        assert signature_verify(hook["secret"], request["headers"]["X-Scorecards-Signature"], request["body"])
    types = [event["type"] for event in received]
    assert types.count("scorecard.submitted") == 6
    assert "fit_scores.updated" in types
    assert types.count("shortlist.ready") == 1
    assert types[-1] == "decision.recorded"
    assert received[-1]["resource"]["outcome"] == "advance"
    assert "olga" not in json.dumps(received[-1])  # decisions carry no interviewer data
