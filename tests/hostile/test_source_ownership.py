"""Source ownership, swept over every write operation in the schema.

Every record an ATS can push carries the ``source`` it came from (openings,
candidates, applications; interviews, scorecards and decisions belong to their
application's). A token writes the records of its own source and of the sources it
explicitly shares, and nothing else: not by internal id, not by naming another
source's record in a body. Records made in the web app are ``manual``.

The oracle is the data, not a hand list: every row that reaches a record of the
protected source through foreign keys (found from the models, so new tables are
covered) must be unchanged after each request, and an operation whose path names such
a record must answer 403 ``source_mismatch``.
"""

from __future__ import annotations

import hashlib
from functools import cache, reduce
from operator import or_

import pytest
from django.apps import apps
from django.db.models import Q

from integrations.services import token_create
from tests.hostile.operations import (
    api_client,
    names_foreign_object,
    operation_path,
    response_json,
    send,
    valid_body,
)
from tests.hostile.test_authorisation import Refusals, _operations_in_safe_order

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("hiring", "assessments", "scoring", "takehomes")
# People are the company's, not an ATS's: any token with interviewers:write updates an interviewer.
SHARED_ACROSS_SOURCES = {"/api/v1/interviewers/{id}/"}


def _forward_relations(model):
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and (field.many_to_one or field.one_to_one) and field.related_model is not None
    ]


@cache
def _source_paths(model, depth: int = 5) -> tuple[str, ...]:
    """Lookups from ``model`` to the ``source`` of every sourced record it reaches by foreign keys."""
    paths = []
    if any(field.name == "source" for field in model._meta.concrete_fields):
        paths.append("source")
    if depth:
        for field in _forward_relations(model):
            if field.related_model._meta.app_label in DOMAIN_APPS:
                paths += [f"{field.name}__{path}" for path in _source_paths(field.related_model, depth - 1)]
    return tuple(paths)


def _owned_models():
    return [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy and _source_paths(model)
    ]


def source_fingerprint(source: str) -> dict[str, str]:
    """An md5 of every row that is, or hangs off, a record of ``source`` (by foreign keys)."""
    digests = {}
    for model in _owned_models():
        touching = reduce(or_, (Q(**{path: source}) for path in _source_paths(model)))
        rows = model._default_manager.filter(touching).order_by("pk").values_list()
        digests[model._meta.db_table] = hashlib.md5(repr(list(rows)).encode()).hexdigest()  # noqa: S324
    return digests


def test_the_ownership_oracle_sees_every_table_that_holds_an_ats_s_records(world):
    tables = set(source_fingerprint("greenhouse"))
    for table in ("hiring_candidate", "hiring_application", "hiring_interview", "hiring_decision"):
        assert table in tables
    for table in ("assessments_scorecard", "assessments_rating", "scoring_fitscore", "scoring_shortlist"):
        assert table in tables
    assert {"takehomes_takehome", "takehomes_gradingreport", "takehomes_submission"} <= tables


def _sweep(client, world, *, protected: str, foreign: bool) -> tuple[Refusals, list[str]]:
    """Send every write operation at ``protected``'s records; what the rules say about each answer."""
    refusals, mismatches = Refusals(), []
    for method, template, _ in _operations_in_safe_order():
        if method == "GET":
            continue
        path = operation_path(template, world, foreign=foreign)
        before = source_fingerprint(protected)
        response = send(client, method, path, valid_body(method, template, world))
        body = response_json(response) or {}
        changed = sorted(
            table for table, digest in source_fingerprint(protected).items() if before[table] != digest
        )
        label = f"{method} {template} -> {response.status_code} {body.get('code')}"
        if changed:
            refusals.problems.append(f"{label}: changed {protected}'s records in {changed}")
        if body.get("code") == "source_mismatch":
            mismatches.append(f"{method} {template}")
        # A record the token does not see at all (another token's webhook, identity or mapping) is a 404.
        sourced = names_foreign_object(template) and template not in SHARED_ACROSS_SOURCES
        if sourced and response.status_code not in (403, 404):
            refusals.problems.append(f"{label}: names {protected}'s record, expected 403 source_mismatch")
        if response.status_code == 403 and body.get("code") != "source_mismatch":
            refusals.problems.append(f"{label}: 403 for another reason")
        if response.status_code >= 500:
            refusals.problems.append(label)
        refusals.check(label, response, {response.status_code})  # refused requests write nothing
    return refusals, mismatches


def test_a_token_of_another_ats_writes_nothing_of_greenhouse_s_by_path_or_by_body(world):
    refusals, mismatches = _sweep(
        api_client(secret=world.lever_secret), world, protected="greenhouse", foreign=False
    )

    assert refusals.problems == []
    # By internal id (PATCH, erase, decisions, interviews, scorecards, amendments, shortlists), by
    # naming Greenhouse's candidate in a body (applications), by Greenhouse's path (upserts).
    assert {
        "PATCH /api/v1/candidates/{id}/",
        "POST /api/v1/candidates/{id}/erase/",
        "PATCH /api/v1/applications/{id}/",
        "POST /api/v1/applications/",
        "POST /api/v1/applications/{application_id}/decisions/",
        "POST /api/v1/interviews/",
        "POST /api/v1/scorecards/{id}/amend/",
        "PUT /api/v1/candidates/external/{source}/{external_id}/",
        "POST /api/v1/applications/{application_id}/take-homes/",
    } <= set(mismatches)


def test_a_token_writes_no_record_made_in_the_web_app_unless_it_shares_manual(world):
    refusals, mismatches = _sweep(
        api_client(secret=world.token_secret), world, protected="manual", foreign=True
    )

    assert refusals.problems == []
    assert "PATCH /api/v1/openings/{id}/" in mismatches
    assert "POST /api/v1/applications/{application_id}/take-homes/" in mismatches

    from integrations.scopes import ALL_SCOPES

    _, sharing = token_create(
        name="Greenhouse", source="greenhouse", scopes=sorted(ALL_SCOPES), shared_sources=["manual"]
    )
    client = api_client(secret=sharing)
    path = operation_path("/api/v1/candidates/{id}/", world, foreign=True)
    response = client.patch(path, {"notes": "Shared."}, format="json")
    assert response.status_code == 200, response_json(response)
    world.application_two.candidate.refresh_from_db()
    assert world.application_two.candidate.notes == "Shared."


def test_people_write_records_of_any_source_their_role_reaches(world):
    client = api_client(user=world.recruiter)
    for foreign in (False, True):  # Greenhouse's and the web app's
        path = operation_path("/api/v1/applications/{id}/", world, foreign=foreign)
        response = client.patch(path, {"stage": "offer"}, format="json")
        assert response.status_code == 200, response_json(response)
