"""Filters never tell a caller what the list hides, swept over every filter of every list.

A filter on a field the list's items show selects only items showing that value. A
filter on anything else (an interview's application stage, an opening's role) must
name the scopes that read that field (``x-read-scopes`` in the schema), and a caller
without one gets 403 ``missing_scope`` at the parameter. Lists and parameters come
from the schema, so a new filter is swept, and fails by name until the sweep knows a
value for it.
"""

from __future__ import annotations

import pytest

from integrations.scopes import ALL_SCOPES
from tests.hostile.operations import api_client, operation_path, response_json
from tests.hostile.world import api_operations, api_schema

pytestmark = pytest.mark.django_db

NOT_FILTERS = {"cursor", "page_size", "ordering"}
# Time windows select on the items' own timestamps.
TIME_WINDOWS = {"updated_since", "decided_since", "scheduled_after", "scheduled_before"}


def _value(name: str, world) -> str:
    values = {
        "application": world.application_one.pk,
        "opening": world.opening_one.pk,
        "candidate": world.application_one.candidate_id,
        "interview": world.interview_one.pk,
        "role": world.opening_one.role.key,
        "stage": world.application_one.stage,
        "kind": world.interview_one.kind,
        "status": None,  # per list: the first item's own value
        "outcome": world.decision_one.outcome,
        "source": "greenhouse",
        "external_id": "gh-app-own",
        "interviewer": world.interviewer_a.email,
        "email": world.interviewer_a.email,
        "is_active": "true",
        "user": world.interviewer_a.pk,
        "area_key": "software_engineering",
        "attribute_name": "Code quality",
        "updated_since": "2000-01-01T00:00:00Z",
        "decided_since": "2000-01-01T00:00:00Z",
        "scheduled_after": "2000-01-01T00:00:00Z",
        "scheduled_before": "2100-01-01T00:00:00Z",
    }
    assert name in values, (
        f"a filter the sweep has no value for: {name} (add one to tests/hostile/test_filters.py)"
    )
    return values[name]


def _item_fields(operation) -> set[str]:
    """The properties of a list answer's items, from the schema."""
    schemas = api_schema()["components"]["schemas"]
    content = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schemas[content["$ref"].rsplit("/", 1)[1]] if "$ref" in content else content
    items = page["properties"]["results"]["items"] if "properties" in page else page["items"]
    return set(schemas[items["$ref"].rsplit("/", 1)[1]]["properties"])


def _filtered_lists():
    """(path template, operation, [(parameter, x-read-scopes)]) of every list that has filters."""
    lists = []
    for method, template, operation in api_operations():
        parameters = [
            (parameter["name"], parameter.get("x-read-scopes"))
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query" and parameter["name"] not in NOT_FILTERS
        ]
        if (
            method == "GET"
            and parameters
            and "200" in operation["responses"]
            and "results" in str(operation["responses"]["200"])
        ):
            lists.append((template, operation, parameters))
    return lists


def test_every_filter_selects_on_a_field_its_list_shows_or_names_the_scopes_that_read_it():
    lists = _filtered_lists()
    assert len(lists) >= 6
    undeclared = [
        f"{template}?{name}"
        for template, operation, parameters in lists
        for name, scopes in parameters
        if not scopes and name not in TIME_WINDOWS and name not in _item_fields(operation)
    ]
    assert undeclared == []


def _allowed(persona_scopes: set[str], scopes) -> bool:
    return not scopes or any(scope in persona_scopes for scope in scopes)


def test_a_filter_on_a_field_the_caller_cannot_read_is_403_missing_scope_and_the_rest_select_what_they_show(
    world, token_client
):
    from integrations.scopes import user_has_scope

    problems, refused = [], set()
    for template, operation, parameters in _filtered_lists():
        list_scope = operation["x-required-scope"]
        callers = {
            name: (
                api_client(user=getattr(world, name)),
                {s for s in ALL_SCOPES if user_has_scope(getattr(world, name), s)},
            )
            for name in ("interviewer_a", "committee_one", "recruiter")
        }
        callers[f"token with only {list_scope}"] = (
            token_client([list_scope], name=f"Only {list_scope}"),
            {list_scope},
        )
        callers["full token"] = (api_client(secret=world.token_secret), set(ALL_SCOPES))
        path = operation_path(template, world)
        for persona, (client, scopes) in callers.items():
            if list_scope not in scopes:
                continue  # the list itself is refused: the scope sweep covers it
            unfiltered = response_json(client.get(path))["results"]
            for name, read_scopes in parameters:
                value = _value(name, world)
                if value is None:
                    if not unfiltered:
                        continue
                    value = unfiltered[0][name]
                response = client.get(path, {name: value})
                body = response_json(response)
                label = f"{persona} GET {template}?{name}={value}"
                if not _allowed(scopes, read_scopes):
                    if response.status_code != 403 or (body["code"], body.get("field")) != (
                        "missing_scope",
                        name,
                    ):
                        problems.append(f"{label}: {response.status_code} {body}, expected 403 missing_scope")
                    refused.add((persona, template, name))
                    continue
                if response.status_code != 200:
                    problems.append(f"{label}: {response.status_code} {body}")
                    continue
                shown = {item["id"] if "id" in item else item["application"] for item in unfiltered}
                for item in body["results"]:
                    key = item["id"] if "id" in item else item["application"]
                    if key not in shown:
                        problems.append(f"{label}: lists {key}, which the unfiltered list does not")
                    shown_value = item.get(name)
                    if isinstance(shown_value, dict):  # a person: filtered by email
                        shown_value = shown_value["email"]
                    if name in item and str(shown_value).lower() != str(value).lower():
                        problems.append(f"{label}: lists an item whose {name} is {item[name]}")
    assert problems == []
    # Interviewers never learn a candidate's stage or an opening's role through a filter.
    assert ("interviewer_a", "/api/v1/interviews/", "stage") in refused
    assert ("interviewer_a", "/api/v1/interviews/", "role") in refused


def test_an_interviewer_cannot_learn_an_application_s_stage_by_filtering_their_interviews(world):
    client = api_client(user=world.interviewer_a)
    stage = world.application_one.stage

    response = client.get("/api/v1/interviews/", {"stage": stage, "application": world.application_one.pk})

    assert response.status_code == 403
    assert response_json(response)["field"] == "stage"
    assert client.get("/api/v1/interviews/", {"application": world.application_one.pk}).status_code == 200
