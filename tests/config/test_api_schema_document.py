"""The served OpenAPI document: valid for its OpenAPI version, and stating the limits the server enforces.

schemathesis (tests/config/test_api_contract.py) finds where answers and schema part;
these pin the rules that hold for every operation, so an endpoint added later states them too.
"""

import itertools

import jsonschema
import jsonschema_rs
import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError as DRFValidationError
from schemathesis.specs.openapi.definitions import OPENAPI_30, OPENAPI_31

from integrations import idempotency
from integrations.serializers import EMAIL_MAX_LENGTH, EMAIL_PATTERN, EmailField
from tests.hostile.world import api_schema


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _walk(value):
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def test_the_schema_is_a_valid_document_of_the_openapi_version_it_declares():
    document = api_schema()
    meta = {"3.0": OPENAPI_30, "3.1": OPENAPI_31}[document["openapi"][:3]]
    validator = jsonschema.validators.validator_for(meta)(meta)

    problems = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]

    assert problems == []


def test_no_schema_uses_a_keyword_that_openapi_3_1_and_json_schema_tools_read_otherwise():
    # A boolean exclusiveMaximum is OpenAPI 3.0's spelling only; a JSON Schema validator rejects it.
    found = [
        (keyword, node[keyword])
        for node in _walk(api_schema())
        for keyword in ("exclusiveMaximum", "exclusiveMinimum")
        if isinstance(node.get(keyword), bool)
    ]

    assert found == []


def test_every_list_states_its_page_size_range():
    problems = []
    for label, operation in _operations(api_schema()):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "page_size":
                schema = parameter["schema"]
                if (schema.get("minimum"), schema.get("maximum")) != (1, settings.API_MAX_PAGE_SIZE):
                    problems.append(f"{label}: page_size {schema}")

    assert problems == []


def test_every_operation_taking_an_idempotency_key_states_its_rules_and_its_409_and_422():
    problems, seen = [], 0
    for label, operation in _operations(api_schema()):
        keys = [p for p in operation.get("parameters", []) if p["name"] == idempotency.HEADER]
        if not keys:
            continue
        seen += 1
        schema = keys[0]["schema"]
        if (schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")) != (
            1,
            idempotency.MAX_KEY_LENGTH,
            idempotency.KEY_PATTERN,
        ):
            problems.append(f"{label}: key schema {schema}")
        if not {"409", "422"} <= set(operation["responses"]):
            problems.append(f"{label}: 409/422 undocumented")

    assert seen >= 10
    assert problems == []


def test_every_operation_documents_413_for_its_body_and_the_server_s_414_and_431():
    problems = []
    for label, operation in _operations(api_schema()):
        responses = operation["responses"]
        if "requestBody" in operation and "413" not in responses:
            problems.append(f"{label}: no 413")
        if not {"414", "431"} <= set(responses):
            problems.append(f"{label}: no 414/431")

    assert problems == []


@pytest.mark.django_db
def test_every_advisor_request_the_schema_allows_is_answered_never_refused(token_client, rubric_version):
    # The schema lists the advisor's questions and choices; any combination is advice (200) or the
    # documented 422 no_matching_rule, never a 400.
    client = token_client(["roles:read"])
    parameters = api_schema()["paths"]["/api/v1/advisor/"]["get"]["parameters"]
    choices = {p["name"]: p["schema"].get("enum", ["true", "false", None]) for p in parameters}
    required = {p["name"] for p in parameters if p.get("required")}
    assert required == {name for name, values in choices.items() if None not in values}

    answers = {}
    for combination in itertools.product(*choices.values()):
        query = {name: value for name, value in zip(choices, combination, strict=True) if value is not None}
        response = client.get("/api/v1/advisor/", query)
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        assert response.status_code in {200, 422}, (query, response.json())

    assert answers.get(200, 0) > 0


def test_every_email_a_request_may_carry_states_the_pattern_the_server_enforces():
    # `format: email` alone admits "a@b", which Django's EmailValidator refuses: a client
    # reading the schema, or a generator, would send what the server answers 400.
    found = [
        node
        for name, component in api_schema()["components"]["schemas"].items()
        if name.endswith("Request")
        for node in _walk(component)
        if node.get("format") == "email"
    ]

    assert len(found) >= 7
    assert [node for node in found if node.get("pattern") != EMAIL_PATTERN] == []


def _server_takes(address: str) -> bool:
    try:
        EmailField().run_validation(address)
    except DRFValidationError:
        return False
    return True


_EMAIL_SCHEMA = jsonschema_rs.validator_for(
    {"type": "string", "format": "email", "pattern": EMAIL_PATTERN, "maxLength": EMAIL_MAX_LENGTH},
    validate_formats=True,
)


@given(
    address=st.from_regex(EMAIL_PATTERN, fullmatch=True)
    | st.emails()
    | st.builds("{}@{}".format, st.text(max_size=70), st.text(max_size=70))
    | st.text(max_size=30)
)
@hypothesis_settings(max_examples=600, deadline=None)
def test_the_api_takes_exactly_the_addresses_its_schema_calls_valid(address):
    # Both ways, with a JSON Schema validator checking `format: email` as clients do: what the
    # schema calls valid the server takes, and what it calls invalid the server refuses.
    # (The server trims spaces first, as every DRF text field does.)
    schema_takes = _EMAIL_SCHEMA.is_valid(address)

    assert _server_takes(address) == schema_takes or address.strip() != address


@pytest.mark.parametrize(
    "address",
    ["ada@example.com", "o'brien@my-company.co.uk", "x+tag@sub.example.org", "root@localhost"],
)
def test_addresses_people_have_are_taken(address):
    assert _server_takes(address)
    assert _EMAIL_SCHEMA.is_valid(address)


@pytest.mark.parametrize(
    "address",
    ["I-@4rQF", "a@b", "a@b.c1", "a@ab--cd.com", "a@-b.com", f"{'a' * 65}@b.co", "a..b@c.co", "a@b.xn--p1ai"],
)
def test_addresses_the_schema_or_django_refuses_are_refused(address):
    assert not _server_takes(address)
    assert not _EMAIL_SCHEMA.is_valid(address)
