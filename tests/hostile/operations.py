"""Requests for every API operation, built from the OpenAPI schema and the hostile world.

``operation_path`` fills a path template with the world's objects, the caller's
own ones or (``foreign=True``) the other opening's and interviewer B's;
``valid_body`` is a body the operation accepts from the full-scope token.
An operation the schema lists and these helpers do not know fails the sweeps
by name, so a new endpoint cannot slip past them.
"""

from __future__ import annotations

import json
import re

from rest_framework.test import APIClient

from tests.hostile.world import AREAS, World

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Reference data every signed-in person and token may read: not owned by an opening.
GLOBAL_PATHS = {
    "/api/v1/roles/",
    "/api/v1/roles/{key}/",
    "/api/v1/rubric-versions/",
    "/api/v1/rubric-versions/{id}/",
    "/api/v1/advisor/",
    "/api/v1/exercises/",
}


# The ATS id each upsert is sent with: an existing record's (an update) or a new one's (created once).
UPSERT_EXTERNAL_IDS = {
    "candidates": "gh-cand-upsert",
    "applications": "gh-app-own",
    "openings": "gh-open-upsert",
    "interviews": "gh-interview-upsert",
}


class UnknownOperation(LookupError):
    pass


def _object_for(resource: str, parameter: str, world: World, foreign: bool):
    """The world's object a path parameter names, from the collection the path puts it under."""
    pick = lambda own, other: other if foreign else own  # noqa: E731 - a two-way choice
    if parameter == "delivery_id":
        return pick(world.delivery_own, world.delivery_other).pk
    table = {
        "applications": lambda: pick(world.application_one, world.application_two).pk,
        "candidates": lambda: pick(world.application_one, world.application_two).candidate_id,
        "interviews": lambda: pick(world.interview_one, world.interview_two).pk,
        "openings": lambda: pick(world.opening_one, world.opening_two).pk,
        "scorecards": lambda: pick(world.scorecard_a, world.scorecard_b).pk,
        "shortlists": lambda: pick(world.shortlist_one, world.shortlist_two).pk,
        "webhooks": lambda: pick(world.subscription_own, world.subscription_other).pk,
        "interviewers": lambda: pick(world.interviewer_a, world.interviewer_b).pk,
        "interviewer-identities": lambda: pick(world.identity_own, world.identity_other).pk,
        "attribute-mappings": lambda: pick(world.mapping_own, world.mapping_other).pk,
        "rubric-versions": lambda: world.opening_one.rubric_version_id,
        "roles": lambda: "data_scientist",
        "take-homes": lambda: pick(world.take_home_own, world.take_home_other).pk,
    }
    if resource not in table:
        raise UnknownOperation(f"no world object for {{{parameter}}} under /{resource}/")
    return table[resource]()


def operation_path(
    template: str, world: World, *, foreign: bool = False, overrides: dict | None = None
) -> str:
    """``template`` with each parameter replaced by the world's object (or ``overrides[name]``)."""
    overrides = overrides or {}
    if "/external/{source}/{external_id}/" in template:
        resource = template.split("/")[3]
        if resource not in UPSERT_EXTERNAL_IDS:
            raise UnknownOperation(
                f"no external id for the upsert {template}: add one to UPSERT_EXTERNAL_IDS"
            )
        overrides = {"source": "greenhouse", "external_id": UPSERT_EXTERNAL_IDS[resource], **overrides}
    if template.startswith("/api/v1/interviews/{interview_id}/scorecards/") and not foreign:
        overrides = {"interview_id": world.interview_open.pk, **overrides}
    segments = template.strip("/").split("/")
    filled = []
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if not match:
            filled.append(segment)
            continue
        name = match.group(1)
        value = overrides.get(name)
        if value is None:
            value = _object_for(segments[index - 1], name, world, foreign)
        filled.append(str(value))
    return "/" + "/".join(filled) + "/"


def path_parameters(template: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", template)


def names_foreign_object(template: str) -> bool:
    """Whether the path names an object that belongs to an opening (or token) other than the caller's."""
    return bool(path_parameters(template)) and template not in GLOBAL_PATHS and "/external/" not in template


def _ratings(level: int = 3) -> dict:
    return {key: {"level": level, "not_assessed": False, "evidence": f"Evidence on {key}"} for key in AREAS}


def valid_body(method: str, template: str, world: World) -> dict | None:
    """A body the full-scope token may send to the operation; None for operations without one."""
    a_email = world.interviewer_a.email
    bodies = {
        ("POST", "/api/v1/openings/"): {"title": "Hostile opening", "role": "ml_engineer", "status": "open"},
        ("PATCH", "/api/v1/openings/{id}/"): {"title": "Opening one", "status": "open"},
        ("POST", "/api/v1/candidates/"): {
            "name": "New Person",
            "email": "new.person@example.com",
            "notes": "Met at a meetup.",
            "external_id": "gh-new-1",
        },
        ("PATCH", "/api/v1/candidates/{id}/"): {
            "name": "Own Candidate",
            "email": "own-candidate@example.com",
            "notes": "",
        },
        ("PUT", "/api/v1/candidates/external/{source}/{external_id}/"): {
            "name": "Upserted Person",
            "email": "upserted@example.com",
            "notes": "",
        },
        ("POST", "/api/v1/candidates/{id}/erase/"): None,
        ("POST", "/api/v1/applications/"): {
            "candidate": world.spare_candidate.pk,
            "opening": world.opening_one.pk,
            "stage": "applied",
            "external_id": "gh-app-new",
        },
        ("PATCH", "/api/v1/applications/{id}/"): {"stage": "interviewing"},
        ("PUT", "/api/v1/applications/external/{source}/{external_id}/"): {
            "candidate": world.application_one.candidate_id,
            "opening": world.opening_one.pk,
            "stage": "interviewing",
        },
        ("POST", "/api/v1/interviews/"): {
            "application": world.application_one.pk,
            "kind": "technical",
            "scheduled_at": "2026-03-02T09:30:00Z",
            "duration_minutes": 60,
            "focus_areas": list(AREAS),
            "interviewers": [{"email": a_email}],
        },
        ("PUT", "/api/v1/openings/external/{source}/{external_id}/"): {
            "title": "Upserted opening",
            "role": "ml_engineer",
            "status": "open",
        },
        ("PUT", "/api/v1/interviews/external/{source}/{external_id}/"): {
            "application": world.application_one.pk,
            "kind": "technical",
            "scheduled_at": "2026-03-03T09:30:00Z",
            "duration_minutes": 45,
            "focus_areas": list(AREAS),
            "interviewers": [{"email": a_email}],
        },
        ("POST", "/api/v1/interviewers/"): {
            "email": "new.interviewer@example.com",
            "first_name": "New",
            "last_name": "Interviewer",
            "is_active": True,
        },
        ("PATCH", "/api/v1/interviewers/{id}/"): {
            "email": a_email,
            "first_name": "Anna",
            "last_name": "Interviewer",
            "is_active": True,
        },
        ("POST", "/api/v1/interviewer-identities/"): {
            "user": world.interviewer_b.pk,
            "source": "greenhouse",
            "external_id": "gh-b",
        },
        ("PATCH", "/api/v1/interviewer-identities/{id}/"): {
            "user": world.interviewer_a.pk,
            "external_id": "gh-a",
        },
        ("DELETE", "/api/v1/interviewer-identities/{id}/"): None,
        ("POST", "/api/v1/attribute-mappings/"): {
            "source": "greenhouse",
            "attribute_name": "Testing",
            "area_key": "software_engineering",
        },
        ("PATCH", "/api/v1/attribute-mappings/{id}/"): {
            "attribute_name": "Code quality",
            "area_key": "software_engineering",
        },
        ("DELETE", "/api/v1/attribute-mappings/{id}/"): None,
        ("POST", "/api/v1/interviews/{interview_id}/scorecards/"): {
            "interviewer": {"email": a_email},
            "recommendation": "yes",
            "summary": "Clear on trade-offs.",
            "ratings": _ratings(),
            "draft": True,  # a draft may be saved again and again: every valid request succeeds
        },
        ("POST", "/api/v1/interviews/{interview_id}/scorecards/greenhouse/"): {
            "interviewer": {"id": "4080", "email": a_email, "name": "Anna"},
            "overall_recommendation": "no_decision",  # saved as a draft, again and again
            "attributes": [
                {"name": "Code quality", "type": "Skills", "note": "Tests first.", "rating": "yes"}
            ],
            "questions": [{"id": 1, "question": "Key take-aways", "answer": "Solid."}],
            "submitted_at": "2026-03-02T11:38:51Z",
        },
        ("POST", "/api/v1/scorecards/{id}/amend/"): {
            "reason": "Corrected a rating.",
            "expected_revision": 1,
            "recommendation": "yes",
            "summary": "Amended summary.",
            "ratings": _ratings(4),
        },
        ("POST", "/api/v1/applications/{application_id}/decisions/"): {
            "outcome": "hold",
            "rationale": "Waiting for the second round.",
        },
        # Already sent: sending again is answered with it (200), every time.
        ("POST", "/api/v1/applications/{application_id}/take-homes/"): {"exercise": world.exercise.pk},
        ("POST", "/api/v1/openings/{id}/shortlists/"): {
            "order_by": "fit",
            "min_coverage": 0.0,
            "min_fit": None,
            "stages": ["interviewing"],
            "limit": 10,
        },
        ("POST", "/api/v1/webhooks/"): {
            "url": "http://127.0.0.1:9/new-hook",
            "events": ["shortlist.ready"],
            "is_active": True,
        },
        ("PATCH", "/api/v1/webhooks/{id}/"): {
            "url": "http://127.0.0.1:9/own-hook",
            "events": ["decision.recorded"],
            "is_active": True,
        },
        ("DELETE", "/api/v1/webhooks/{id}/"): None,
        ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/"): None,
    }
    if method == "GET":
        return None
    if (method, template) not in bodies:
        raise UnknownOperation(
            f"no valid body for {method} {template}: add one to tests/hostile/operations.py"
        )
    return bodies[(method, template)]


def api_client(*, secret: str | None = None, user=None) -> APIClient:
    """A client that answers 500s as responses (so a sweep can report them) instead of raising."""
    client = APIClient(raise_request_exception=False)
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    if user is not None:
        client.force_login(user)
    return client


def send(client: APIClient, method: str, path: str, body=None, *, raw: bytes | str | None = None, **headers):
    """Send ``body`` as JSON (or ``raw`` bytes as application/json); GET ignores both."""
    if method == "GET":
        return client.get(path, **headers)
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method.lower())(path, data, **kwargs, **headers)


def response_json(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None
