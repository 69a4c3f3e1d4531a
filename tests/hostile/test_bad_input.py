"""Bad input on every API write operation: never a 500, never a partial write.

The operations come from the OpenAPI schema, so a new endpoint is swept too
(and fails by name until ``operations.valid_body`` knows a body for it). Each
test starts from a body the operation accepts and breaks one thing at a time:
the size, the nesting, a field's type, its text (NUL, lone surrogates,
beyond max_length, injection strings), the ids in the path and the query, the
Idempotency-Key. A refusal must be a 4xx in the API's error shape, and every
domain table (hiring, assessments, scoring, integrations; rows and contents)
must be exactly as before it.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.hostile.operations import (
    WRITE_METHODS,
    api_client,
    operation_path,
    path_parameters,
    response_json,
    send,
    valid_body,
)
from tests.hostile.world import api_operations, api_schema, fingerprint_changes, tables_fingerprint

pytestmark = pytest.mark.django_db

NUL = "nul\u0000byte"
LONE_SURROGATE = "lone\ud800surrogate"
INJECTIONS = [
    "'; DROP TABLE hiring_candidate; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://127.0.0.1:1389/a}",
    "../../etc/passwd",
    '=HYPERLINK("http://127.0.0.1/")',
    "%s%n%x",
]
UNUSUAL_TEXT = [
    "\u202egnp.exe",  # right-to-left override
    "Zoë 🧪👩🏽‍🔬 名前",  # accents, emoji with ZWJ and skin tone, CJK
    "e\u0301\u0301\u0301",  # stacked combining marks
    "\ufeffbom and\u200bzero width",
]
# One of each JSON type a field may wrongly get, and an integer beyond PostgreSQL's bigint.
WRONG_TYPES = [None, True, 2**70, "text", [1, "x"], {"k": "v"}]
OK_OR_REFUSED = {200, 201, 202, 204, 400, 403, 404, 409, 413, 422}


def _write_operations() -> list[tuple[str, str, dict]]:
    # Erasing a candidate or deleting a subscription would turn later requests into 404s/409s; last.
    operations = [(m, p, op) for m, p, op in api_operations() if m in WRITE_METHODS]
    return sorted(operations, key=lambda item: (item[0] == "DELETE" or item[1].endswith("/erase/"), item[1]))


def _with_body(operations):
    return [(m, p, op) for m, p, op in operations if "requestBody" in op]


def _token(world):
    return api_client(secret=world.token_secret)


def _field_paths(value, prefix=()):
    """Every field of a body, as a key path: objects' keys, and the first item of each list."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _field_paths(child, (*prefix, key))
    elif isinstance(value, list) and value:
        yield (*prefix, 0)
        yield from _field_paths(value[0], (*prefix, 0))


def _get(body, path):
    for key in path:
        body = body[key]
    return body


def _replaced(body, path, value):
    changed = copy.deepcopy(body)
    _get(changed, path[:-1])[path[-1]] = value
    return changed


def _refused_at(response, field: str) -> bool:
    """The error names ``field`` (the body's top-level key) in ``field`` or ``fields``."""
    data = response_json(response) or {}
    named = [data.get("field") or "", *(str(name) for name in (data.get("fields") or {}))]
    return any(name == field or name.startswith(f"{field}.") for name in named)


def error_shape_problems(data) -> list[str]:
    """How an error body departs from the one documented shape (empty when it has it).

    ``{"code": str, "detail": str, "field"?: str, "fields"?: {"dotted.path": [str, ...]}}``:
    never a list or a string for ``fields``, never nested objects (``{"0": [...]}``) in it.
    """
    if not isinstance(data, dict):
        return [f"not an object: {data!r}"[:160]]
    problems = []
    if not isinstance(data.get("code"), str) or not isinstance(data.get("detail"), str):
        problems.append(f"code/detail not strings: {data!r}"[:160])
    if "field" in data and not isinstance(data["field"], str):
        problems.append(f"field not a string: {data['field']!r}"[:160])
    if "fields" in data:
        fields = data["fields"]
        if not isinstance(fields, dict) or not fields:
            problems.append(f"fields not a non-empty object: {fields!r}"[:160])
        else:
            for path, messages in fields.items():
                if not (
                    isinstance(messages, list)
                    and messages
                    and all(isinstance(message, str) and message for message in messages)
                ):
                    problems.append(f"fields[{path!r}] is not a list of messages: {messages!r}"[:160])
        if isinstance(fields, dict) and "field" in data and data["field"] not in fields:
            problems.append(f"field {data['field']!r} is not among fields {sorted(fields)}"[:160])
    return problems


class Sweep:
    """Sends requests, and records every answer that is a 5xx, unexpected, or a refusal that wrote."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.before = tables_fingerprint()

    def check(self, label: str, response, *, expected=OK_OR_REFUSED, at_field: str | None = None):
        after = tables_fingerprint()
        status = response.status_code
        if status not in expected:
            self.problems.append(
                f"{label}: {status} (expected {sorted(expected)}) {response.content[:160]!r}"
            )
        if status >= 400:
            changed = fingerprint_changes(self.before, after)
            if changed:
                self.problems.append(f"{label}: refused with {status} but wrote {changed}")
            if not isinstance(response_json(response), dict):
                self.problems.append(f"{label}: {status} without a JSON error body")
            elif shape := error_shape_problems(response_json(response)):
                self.problems.append(f"{label}: {status} error shape: {shape}")
            elif at_field is not None and status == 400 and not _refused_at(response, at_field):
                self.problems.append(f"{label}: 400 not at '{at_field}': {response.content[:160]!r}")
        self.before = after


def test_every_write_operation_accepts_its_valid_body_so_the_sweeps_test_one_fault_at_a_time(world):
    client, problems = _token(world), []
    for method, template, _ in _write_operations():
        response = send(client, method, operation_path(template, world), valid_body(method, template, world))
        if not 200 <= response.status_code < 300:
            problems.append(f"{method} {template}: {response.status_code} {response.content[:200]!r}")
    assert problems == []


def test_bodies_over_the_size_limit_get_413_and_write_nothing(world):
    client, sweep = _token(world), Sweep()
    oversized = json.dumps({"notes": "x" * settings.API_MAX_BODY_BYTES})
    for method, template, _ in _write_operations():
        response = send(client, method, operation_path(template, world), raw=oversized)
        sweep.check(f"{method} {template} oversized", response, expected={413})
        assert response_json(response)["code"] == "body_too_large"
    assert sweep.problems == []


def test_deeply_nested_json_is_a_400_never_a_recursion_error(world):
    client, sweep = _token(world), Sweep()
    deep_bodies = {
        "10,000 [": "[" * 10_000,
        "10,000 [ closed": "[" * 10_000 + "]" * 10_000,
        "5,000 objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
        "900 levels inside a valid body": None,  # just under the json module's limit
    }
    for method, template, _ in _with_body(_write_operations()):
        path = operation_path(template, world)
        for label, raw in deep_bodies.items():
            if raw is None:
                body = valid_body(method, template, world)
                first_field = next(iter(body))
                raw = json.dumps(body)[:-1] + f', "{first_field}_extra": ' + "[" * 900 + "]" * 900 + "}"
            response = send(client, method, path, raw=raw)
            sweep.check(f"{method} {template} {label}", response, expected={400})
            assert response_json(response)["code"] == "parse_error"
    assert sweep.problems == []


def test_wrong_types_in_every_field_are_refused_or_coerced_never_a_500_nor_a_partial_write(world):
    client, sweep = _token(world), Sweep()
    for method, template, _ in _with_body(_write_operations()):
        body = valid_body(method, template, world)
        path = operation_path(template, world)
        for field_path in _field_paths(body):
            for wrong in WRONG_TYPES:
                response = send(client, method, path, _replaced(body, field_path, wrong))
                sweep.check(f"{method} {template} {'.'.join(map(str, field_path))}={wrong!r}", response)
        # A body that is not an object at all.
        for wrong in (None, [], [body], "text", 7):
            response = send(client, method, path, raw=json.dumps(wrong))
            sweep.check(f"{method} {template} body={wrong!r}"[:120], response, expected={400})
    assert sweep.problems == []


def _field_schema(schema: dict, component: dict, path: tuple) -> dict:
    """The resolved schema of the field at ``path`` (keys and list indexes) of a request component."""
    spec = component
    for key in path:
        spec = _resolve(schema, spec)
        spec = spec.get("items", {}) if isinstance(key, int) else spec.get("properties", {}).get(key, {})
    return _resolve(schema, spec)


def test_numbers_booleans_and_lists_in_any_text_field_are_a_400_at_that_field_not_coerced(world):
    # The schema says "type: string"; DRF's CharField would take 7 as "7" and 2.5 as "2.5".
    from tests.hostile.world import api_schema

    schema, client, sweep, swept = api_schema(), _token(world), Sweep(), 0
    for method, template, operation in _with_body(_write_operations()):
        component = _resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
        body = valid_body(method, template, world)
        path = operation_path(template, world)
        for field_path in _field_paths(body):
            if _field_schema(schema, component, field_path).get("type") != "string":
                continue  # not text, or text among other types (a Greenhouse id may be an integer)
            swept += 1
            for wrong in (7, 2.5, True, ["text"]):
                response = send(client, method, path, _replaced(body, field_path, wrong))
                label = f"{method} {template} {'.'.join(map(str, field_path))}={wrong!r}"
                sweep.check(label, response, expected={400}, at_field=str(field_path[0]))
    assert swept >= 20
    assert sweep.problems == []


def test_nul_bytes_and_lone_surrogates_in_any_text_field_are_a_400_at_that_field(world):
    # PostgreSQL text refuses NUL; a lone surrogate cannot be encoded as UTF-8. Both are bad input.
    client, sweep = _token(world), Sweep()
    for method, template, _ in _with_body(_write_operations()):
        body = valid_body(method, template, world)
        path = operation_path(template, world)
        for field_path in _field_paths(body):
            if not isinstance(_get(body, field_path), str):
                continue
            for text in (NUL, LONE_SURROGATE, "\u0000"):
                response = send(client, method, path, _replaced(body, field_path, text))
                label = f"{method} {template} {'.'.join(map(str, field_path))}={text!r}"
                sweep.check(label, response, expected={400}, at_field=str(field_path[0]))
    assert sweep.problems == []


def test_nul_bytes_and_lone_surrogates_in_rating_keys_are_refused_and_write_nothing(world):
    client, sweep = _token(world), Sweep()
    for method, template in (
        ("POST", "/api/v1/interviews/{interview_id}/scorecards/"),
        ("POST", "/api/v1/scorecards/{id}/amend/"),
    ):
        body = valid_body(method, template, world)
        for key in ("communication\u0000", "\ud800", "x" * 10_000, "<script>"):
            ratings = {**body["ratings"], key: {"level": 3}}
            response = send(client, method, operation_path(template, world), {**body, "ratings": ratings})
            sweep.check(f"{method} {template} ratings key {key[:20]!r}", response, expected={400})
    assert sweep.problems == []


def _max_lengths(schema: dict, component: dict, prefix=()) -> dict[tuple, int]:
    """Field path -> maxLength for every string field of a request component (through $refs)."""
    found = {}
    for name, spec in component.get("properties", {}).items():
        spec = _resolve(schema, spec)
        if "maxLength" in spec:
            found[(*prefix, name)] = spec["maxLength"]
        if spec.get("type") == "object" and "properties" in spec:
            found.update(_max_lengths(schema, spec, (*prefix, name)))
        if spec.get("type") == "array":
            items = _resolve(schema, spec.get("items", {}))
            if "maxLength" in items:
                found[(*prefix, name, 0)] = items["maxLength"]
            found.update(_max_lengths(schema, items, (*prefix, name, 0)))
    return found


def _resolve(schema: dict, spec: dict) -> dict:
    if "allOf" in spec and len(spec["allOf"]) == 1:
        spec = spec["allOf"][0]
    if "$ref" in spec:
        return schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]]
    return spec


def test_text_beyond_every_documented_max_length_is_a_400_at_that_field(world):
    from tests.hostile.world import api_schema

    schema, client, sweep, checked = api_schema(), _token(world), Sweep(), 0
    for method, template, operation in _with_body(_write_operations()):
        component = _resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
        body = valid_body(method, template, world)
        for field_path, maximum in _max_lengths(schema, component).items():
            try:
                _get(body, field_path[:-1])
            except (KeyError, IndexError):
                continue  # an optional part the valid body leaves out
            # 10,000 characters, or one past the limit when it is larger.
            text = "é" * max(10_000, maximum + 1)
            response = send(
                client, method, operation_path(template, world), _replaced(body, field_path, text)
            )
            label = f"{method} {template} {'.'.join(map(str, field_path))} ({maximum}+)"
            sweep.check(label, response, expected={400}, at_field=str(field_path[0]))
            checked += 1
    assert sweep.problems == []
    assert checked >= 15  # the schema documents max lengths (titles, names, ids, summaries, evidence, URLs)


def test_injection_strings_in_every_text_field_never_crash_and_refusals_write_nothing(world):
    client, sweep = _token(world), Sweep()
    for method, template, _ in _with_body(_write_operations()):
        body = valid_body(method, template, world)
        path = operation_path(template, world)
        for field_path in _field_paths(body):
            if not isinstance(_get(body, field_path), str):
                continue
            # All at once, to keep the sweep quick: each field gets every attack in one value.
            for text in (" ".join(INJECTIONS), " ".join(UNUSUAL_TEXT)):
                response = send(client, method, path, _replaced(body, field_path, text))
                sweep.check(f"{method} {template} {'.'.join(map(str, field_path))}={text!r}", response)
    assert sweep.problems == []


def test_hostile_and_unusual_text_is_stored_and_read_back_verbatim(world):
    client, problems = _token(world), []
    for number, text in enumerate(INJECTIONS + UNUSUAL_TEXT):
        candidate = send(
            client,
            "PUT",
            f"/api/v1/candidates/external/greenhouse/gh-verbatim-{number}/",
            {"name": text, "email": f"verbatim{number}@example.com", "notes": text},
        )
        decision = send(
            client,
            "POST",
            f"/api/v1/applications/{world.application_one.pk}/decisions/",
            {"outcome": "hold", "rationale": text},
        )
        assert (candidate.status_code, decision.status_code) == (201, 201), (text, candidate.content)
        stored = response_json(client.get(f"/api/v1/candidates/{response_json(candidate)['id']}/"))
        latest = response_json(client.get(f"/api/v1/applications/{world.application_one.pk}/decisions/"))
        read_back = (stored["name"], stored["notes"], latest["results"][0]["rationale"])
        if read_back != (text, text, text):
            problems.append(f"{text!r} came back as {read_back!r}")
    assert problems == []


def test_a_script_tag_in_a_candidate_name_is_escaped_on_the_shortlist_profile_and_scorecard_pages(
    world, django_capture_on_commit_callbacks
):
    from scoring.shortlists import shortlist_create

    script = "<script>alert('pwned')</script>"
    name = f"Eve {script}"
    response = send(
        _token(world),
        "PATCH",
        f"/api/v1/candidates/{world.application_one.candidate_id}/",
        {"name": name, "notes": script},
    )
    assert response.status_code == 200
    assert response_json(response)["name"] == name
    with django_capture_on_commit_callbacks(execute=True):
        shortlist_create(opening=world.opening_one)
    page = Client()
    page.force_login(world.committee_one)

    shows_the_name = [
        f"/review/openings/{world.opening_one.pk}/shortlist/",
        f"/review/applications/{world.application_one.pk}/",
        f"/review/applications/{world.application_one.pk}/debrief/",
        f"/scorecards/{world.scorecard_a.pk}/",
    ]
    for url in shows_the_name:
        html = page.get(url).content.decode()
        assert script not in html, url
        assert escape(name) in html, url


def test_negative_huge_and_malformed_ids_in_every_path_are_404_never_500(world):
    client, sweep = _token(world), Sweep()
    bad_ids = ["-1", "0", str(2**63), str(2**70), "1e3", "abc", "%00", "1%00"]
    for method, template, _ in api_operations():
        body = valid_body(method, template, world)
        for name in path_parameters(template):
            for bad in bad_ids:
                path = operation_path(template, world, overrides={name: bad})
                response = send(client, method, path, body)
                # source, external_id and key are text, not ids: "-1" is a fine external id, a
                # source not the token's is 403, bad text 400, an unknown role key 404.
                expected = (
                    {200, 201, 400, 403, 404, 409} if name in ("source", "external_id", "key") else {404}
                )
                sweep.check(f"{method} {path}", response, expected=expected)
    assert sweep.problems == []


def test_hostile_query_parameters_on_every_read_are_a_400_or_ignored_never_a_500(world):
    client, sweep = _token(world), Sweep()
    # Negative, beyond bigint, not a number, NUL, a UTF-8-encoded surrogate, very long, SQL.
    values = ["-1", str(2**70), "abc", "%00", "%ED%A0%80", "x" * 5000, "'; DROP TABLE x; --"]
    for method, template, operation in api_operations():
        if method != "GET":
            continue
        path = operation_path(template, world)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for value in values:
                response = client.get(f"{path}?{parameter['name']}={value}")
                sweep.check(f"GET {template}?{parameter['name']}={value[:20]}", response, expected={200, 400})
    assert sweep.problems == []


def test_page_sizes_beyond_the_maximum_or_below_one_are_a_400_on_every_list(world):
    client, problems = _token(world), []
    lists = [
        (template, operation)
        for method, template, operation in api_operations()
        if method == "GET" and any(p["name"] == "page_size" for p in operation.get("parameters", []))
    ]
    assert len(lists) >= 10
    for template, _ in lists:
        path = operation_path(template, world)
        maximum = settings.API_MAX_PAGE_SIZE
        for size in (maximum + 1, 10**30, 0, -5, "abc", "%00"):
            response = client.get(f"{path}?page_size={size}")
            body = response_json(response) or {}
            if response.status_code != 400 or body.get("field") != "page_size":
                problems.append(
                    f"{template}?page_size={size}: {response.status_code} {response.content[:120]!r}"
                )
        if client.get(f"{path}?page_size={maximum}").status_code != 200:
            problems.append(f"{template}?page_size={maximum}: the maximum itself is refused")
    assert problems == []


def test_boolean_query_parameters_refuse_what_is_not_a_boolean_on_every_read(world):
    # django-filter's BooleanFilter read "?is_active=abc" as "not given" and filtered nothing.
    client, problems = _token(world), []
    flags = [
        (template, operation, parameter["name"])
        for method, template, operation in api_operations()
        if method == "GET"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "boolean"
    ]
    assert flags
    for template, operation, name in flags:
        path = operation_path(template, world)
        # What the operation requires besides (the advisor's choice questions): their first choice.
        required = {
            p["name"]: p["schema"]["enum"][0]
            for p in operation["parameters"]
            if p["in"] == "query" and p.get("required")
        }
        for value in ("abc", "null", "yes-ish"):
            response = client.get(path, {**required, name: value})
            if response.status_code != 400 or not _refused_at(response, name):
                problems.append(
                    f"{template}?{name}={value}: {response.status_code} {response.content[:120]!r}"
                )
        if client.get(path, {**required, name: "false"}).status_code not in {200, 422}:
            problems.append(f"{template}?{name}=false: refused")
    assert problems == []


def test_choice_query_parameters_given_empty_are_a_400_on_every_list(world):
    # django-filter read "?stage=" as "not given"; the schema's enum has no empty choice.
    client, problems = _token(world), []
    choices = [
        (template, parameter["name"])
        for method, template, operation in api_operations()
        if method == "GET" and "{" not in template
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and "enum" in _resolve(api_schema(), parameter.get("schema", {}))
        and not parameter.get("required")
    ]
    assert len(choices) >= 5
    for template, name in choices:
        response = client.get(template, {name: ""})
        if response.status_code != 400 or not _refused_at(response, name):
            problems.append(f"{template}?{name}=: {response.status_code} {response.content[:120]!r}")
    assert problems == []


def test_malformed_idempotency_keys_are_a_400_and_write_nothing(world):
    client, sweep = _token(world), Sweep()
    posts = [(m, p, op) for m, p, op in _write_operations() if m == "POST"]
    for method, template, _ in posts:
        body = valid_body(method, template, world)
        # Beyond 255, control characters, nothing, and what the schema's pattern (printable ASCII,
        # no space at either end) leaves out.
        for key in ("k" * 256, "key\u0000nul", "tab\tkey", "", "clé-1", " key", "key "):
            response = send(client, method, operation_path(template, world), body, HTTP_IDEMPOTENCY_KEY=key)
            sweep.check(f"{method} {template} Idempotency-Key {key[:12]!r}", response, expected={400})
            if response.status_code == 400:
                assert response_json(response)["code"] == "invalid_idempotency_key"
    assert sweep.problems == []


# Hypothesis: hostile JSON values in several fields at once --------------------------------

_HOSTILE_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from([NUL, LONE_SURROGATE, "x" * 3000, *INJECTIONS, *UNUSUAL_TEXT])
)
HOSTILE_JSON = st.recursive(
    _HOSTILE_LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
# Which fields to break (by position among the body's field paths, wrapping round) and with what.
MUTATIONS = st.lists(st.tuples(st.integers(min_value=0, max_value=60), HOSTILE_JSON), min_size=1, max_size=3)


@hypothesis_settings(
    max_examples=12,  # x every write operation with a body: ~170 requests
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=MUTATIONS)
def test_hostile_json_in_any_fields_of_any_write_operation_never_crashes_nor_writes_partly(world, mutations):
    # The same mutations hit every write operation, so each example covers each endpoint.
    client, sweep = _token(world), Sweep()
    for method, template, _ in _with_body(_write_operations()):
        body = valid_body(method, template, world)
        paths = list(_field_paths(body))
        for position, value in mutations:
            field_path = paths[position % len(paths)]
            try:
                body = _replaced(body, field_path, value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced the object this path runs through
        sweep.check(
            f"{method} {template} {json.dumps(body)[:200]}",
            send(client, method, operation_path(template, world), body),
        )
    assert sweep.problems == []
