"""What an integrator can get wrong without noticing: every such input is refused, by name.

Driven by the OpenAPI schema, so endpoints added later are swept too:

* every datetime, in a request body (``format: date-time``) or a query
  parameter, refuses one without a time zone (400 ``timezone_required`` at it)
  rather than taking it as UTC; an empty datetime parameter is a 400 too;
* every write body, and every object nested in one, refuses a key it does not
  define (400 ``unknown_field`` at its dotted path), except the one body we take
  as another system writes it (Greenhouse's scorecard), whose schema says so;
* every list is a cursor page.
"""

from __future__ import annotations

import copy

import pytest

from tests.hostile.operations import (
    WRITE_METHODS,
    api_client,
    operation_path,
    response_json,
    send,
    valid_body,
)
from tests.hostile.world import api_operations, api_schema, fingerprint_changes, tables_fingerprint

pytestmark = pytest.mark.django_db

ZONELESS = "2026-11-28T10:00:00"
# Bodies written by another system, taken as it sends them: their schema allows other keys.
LENIENT_BODIES = {("POST", "/api/v1/interviews/{interview_id}/scorecards/greenhouse/")}


def _component(spec: dict) -> dict:
    schema = api_schema()
    if "allOf" in spec and len(spec["allOf"]) == 1:
        spec = spec["allOf"][0]
    if "$ref" in spec:
        return schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]]
    return spec


def _body_operations():
    # Erasing and deleting come last in the other sweeps; none here writes on success but drafts.
    return [
        (method, template, operation)
        for method, template, operation in api_operations()
        if method in WRITE_METHODS and "requestBody" in operation
    ]


def _request_component(operation: dict) -> dict:
    return _component(operation["requestBody"]["content"]["application/json"]["schema"])


def _paths_where(component: dict, wanted, prefix=()) -> list[tuple]:
    """Paths of the properties (into nested objects, list items as 0, map values as '*') ``wanted`` picks."""
    found = []
    for name, raw in component.get("properties", {}).items():
        spec = _component(raw)
        path = (*prefix, name)
        if wanted(spec):
            found.append(path)
        if "properties" in spec:
            found.extend(_paths_where(spec, wanted, path))
        inner = []
        if spec.get("type") == "array":
            inner.append((_component(spec.get("items", {})), (*path, 0)))
        if isinstance(spec.get("additionalProperties"), dict):
            inner.append((_component(spec["additionalProperties"]), (*path, "*")))
        for item, item_path in inner:
            if wanted(item):
                found.append(item_path)
            found.extend(_paths_where(item, wanted, item_path))
    return found


def _objects(component: dict, prefix=()) -> list[tuple]:
    """The path of the body itself and of every object nested in it (same notation as ``_paths_where``)."""
    nested = _paths_where(component, lambda spec: "properties" in spec, prefix)
    return [prefix, *nested]


def _concrete(body, path: tuple) -> tuple | None:
    """``path`` with '*' replaced by the body's first key there; None when the body lacks that part."""
    concrete, node = [], body
    for part in path:
        if part == "*":
            if not isinstance(node, dict) or not node:
                return None
            part = next(iter(node))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        concrete.append(part)
    return tuple(concrete)


def _get(body, path):
    for part in path:
        body = body[part]
    return body


def _dotted(path) -> str:
    return ".".join(map(str, path))


def test_a_datetime_without_a_time_zone_in_any_request_body_is_a_400_timezone_required_at_it(world):
    client, problems, checked = api_client(secret=world.token_secret), [], 0
    for method, template, operation in _body_operations():
        component = _request_component(operation)
        for path in _paths_where(component, lambda spec: spec.get("format") == "date-time"):
            body = copy.deepcopy(valid_body(method, template, world))
            parent = _concrete(body, path[:-1])
            if parent is None:
                problems.append(f"{method} {template}: no part of the valid body holds {_dotted(path)}")
                continue
            _get(body, parent)[path[-1]] = ZONELESS
            before = tables_fingerprint()
            response = send(client, method, operation_path(template, world), body)
            answer, field = response_json(response) or {}, _dotted((*parent, path[-1]))
            checked += 1
            if (response.status_code, answer.get("code"), answer.get("field")) != (
                400,
                "timezone_required",
                field,
            ):
                problems.append(f"{method} {template} {field}={ZONELESS}: {response.status_code} {answer}")
            if changed := fingerprint_changes(before, tables_fingerprint()):
                problems.append(f"{method} {template} {field}: refused but wrote {changed}")
    assert problems == []
    assert checked >= 2  # scheduled_at of an interview, submitted_at of a Greenhouse scorecard


def test_a_datetime_query_parameter_refuses_a_zoneless_or_empty_value_on_every_operation(world):
    client, problems, checked = api_client(secret=world.token_secret), [], 0
    for method, template, operation in api_operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter.get("schema", {}).get("format") != "date-time":
                continue
            name, path = parameter["name"], operation_path(template, world)
            for value, code in ((ZONELESS, "timezone_required"), ("", None), ("%20", None)):
                response = client.get(f"{path}?{name}={value}")
                answer = response_json(response) or {}
                if response.status_code != 400 or answer.get("field") != name:
                    problems.append(f"{method} {template}?{name}={value!r}: {response.status_code} {answer}")
                elif code is not None and answer.get("code") != code:
                    problems.append(f"{method} {template}?{name}={value!r}: code {answer.get('code')}")
            for value in ("2026-11-28T10:00:00Z", "2026-11-28T10:00:00%2B01:00"):
                response = client.get(f"{path}?{name}={value}")
                if response.status_code != 200:
                    problems.append(f"{method} {template}?{name}={value}: {response.status_code}")
            checked += 1
    assert problems == []
    # updated_since of openings, candidates, applications, scorecards, decisions and fit scores;
    # decided_since; scheduled_after and scheduled_before.
    assert checked >= 9


def test_an_unknown_key_in_any_write_body_or_object_nested_in_it_is_a_400_unknown_field_at_its_path(world):
    client, problems, strict_objects = api_client(secret=world.token_secret), [], 0
    for method, template, operation in _body_operations():
        component = _request_component(operation)
        lenient = (method, template) in LENIENT_BODIES
        if (component.get("additionalProperties") is False) == lenient:
            problems.append(
                f"{method} {template}: the schema does not state the policy (additionalProperties)"
            )
        for path in _objects(component):
            body = copy.deepcopy(valid_body(method, template, world))
            where = _concrete(body, path)
            if where is None or not isinstance(_get(body, where), dict):
                continue
            _get(body, where)["scheduled_on_typo"] = "x"
            before = tables_fingerprint()
            response = send(client, method, operation_path(template, world), body)
            answer, field = response_json(response) or {}, _dotted((*where, "scheduled_on_typo"))
            if lenient:
                if not 200 <= response.status_code < 300:
                    problems.append(
                        f"{method} {template} {field}: {response.status_code} (documented as ignored)"
                    )
                continue
            strict_objects += 1
            if (response.status_code, answer.get("code"), answer.get("field")) != (
                400,
                "unknown_field",
                field,
            ):
                problems.append(f"{method} {template} {field}: {response.status_code} {answer}")
            if changed := fingerprint_changes(before, tables_fingerprint()):
                problems.append(f"{method} {template} {field}: refused but wrote {changed}")
    assert problems == []
    # 15 write bodies, an interview's interviewers, a scorecard's interviewer and the ratings of a
    # submission and of an amendment.
    assert strict_objects >= 19


def test_an_unknown_key_is_reported_with_the_bodys_other_errors(world):
    client = api_client(secret=world.token_secret)
    body = {**valid_body("POST", "/api/v1/openings/", world), "title": "", "statuss": "open"}

    response = send(client, "POST", "/api/v1/openings/", body)

    assert response.status_code == 400
    assert response_json(response)["code"] == "invalid"  # two kinds of error: no single code fits
    assert set(response_json(response)["fields"]) == {"title", "statuss"}


def test_every_list_operation_answers_a_cursor_page(world):
    client, problems, lists = api_client(secret=world.token_secret), [], 0
    for method, template, operation in api_operations():
        if method != "GET":
            continue
        content = operation["responses"]["200"].get("content", {}).get("application/json", {})
        spec = _component(content.get("schema", {}))
        if spec.get("type") == "array":
            problems.append(f"{template}: answers a bare array")
        if "results" not in spec.get("properties", {}):
            continue
        lists += 1
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        answer = response_json(client.get(operation_path(template, world)))
        if not {"cursor", "page_size"} <= names or set(answer) != {"next", "previous", "results"}:
            problems.append(f"{template}: parameters {sorted(names)}, answer {sorted(answer)}")
    assert problems == []
    assert lists >= 12
