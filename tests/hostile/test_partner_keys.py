"""A partner key opens the assessment-partner endpoints and nothing else; no other credential opens them.

Swept over every URL pattern of the URL conf and every operation of the OpenAPI document, so an
endpoint added later is covered as soon as it exists. With a partner key (as Greenhouse sends it,
HTTP Basic, or as a Bearer token) every other URL answers exactly as it answers a request with
no credentials at all, and writes nothing. The partner endpoints refuse REST integration tokens,
a signed-in recruiter's session and no credentials alike (401).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from takehomes.partners.services import partner_key_create
from tests.hostile.operations import api_client, send
from tests.hostile.world import api_operations, fingerprint_changes, tables_fingerprint

pytestmark = pytest.mark.django_db

PARTNER_NAMESPACE = "partners-greenhouse"
PARTNER_CALLS = [
    ("GET", "list_tests"),
    ("POST", "send_test"),
    ("GET", "test_status"),
    ("POST", "response_error"),
]


def _routes(resolvers=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(namespace, example path) for every URL pattern, path converters filled with a sample value."""
    found = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_routes(entry.url_patterns, pattern, entry.namespace or namespace))
        elif isinstance(entry, URLPattern):
            path = re.sub(
                r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) in ("int", None) else "x1", pattern
            )
            path = re.sub(r"\(\?P<\w+>[^)]*\)\??", "1", path)  # the API router's regex patterns
            path = path.replace("^", "").replace("$", "").replace("\\", "")
            found.append((namespace, "/" + path))
    return found


def _basic(secret: str) -> str:
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


@pytest.fixture
def partner_secret(db):
    return partner_key_create(name="Greenhouse", source="greenhouse")[1]


def test_the_sweep_finds_the_partner_endpoints_and_the_rest():
    routes = _routes()
    assert {path for namespace, path in routes if namespace == PARTNER_NAMESPACE} == {
        f"/partners/greenhouse/{call}" for _, call in PARTNER_CALLS
    }
    assert len(routes) > 40


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_partner_key_reaches_no_page_or_api_beyond_what_no_credentials_reach(world, partner_secret, method):
    before = tables_fingerprint()
    different = []
    for namespace, path in _routes():
        if namespace == PARTNER_NAMESPACE:
            continue
        anonymous = send(api_client(), method, path, {})
        for authorization in (_basic(partner_secret), f"Bearer {partner_secret}"):
            keyed = send(api_client(), method, path, {}, HTTP_AUTHORIZATION=authorization)
            # The API refuses a credential it does not know outright (401); pages ignore the header
            # and answer as they answer anyone. Nothing answers the key better than no credentials.
            if keyed.status_code not in (anonymous.status_code, 401):
                different.append(
                    (method, path, authorization.split()[0], anonymous.status_code, keyed.status_code)
                )
    assert different == []
    assert fingerprint_changes(before, tables_fingerprint()) == []


def test_a_partner_key_gets_401_from_every_api_operation(world, partner_secret):
    refused = []
    for method, template, _operation in api_operations():
        path = re.sub(r"\{[^}]+\}", "1", template)
        for authorization in (_basic(partner_secret), f"Bearer {partner_secret}"):
            response = send(api_client(), method, path, {}, HTTP_AUTHORIZATION=authorization)
            if response.status_code != 401:
                refused.append((method, template, authorization.split()[0], response.status_code))
    assert refused == []


def test_no_credential_but_a_partner_key_opens_the_partner_endpoints(world, recruiter, token_client):
    rest = token_client(["candidates:read", "candidates:write", "take_homes:write"])
    signed_in = api_client(user=recruiter)
    before = tables_fingerprint()
    for method, call in PARTNER_CALLS:
        path = f"/partners/greenhouse/{call}"
        for client, headers in (
            (api_client(), {}),
            (api_client(), {"HTTP_AUTHORIZATION": f"Bearer {rest.secret}"}),
            (api_client(), {"HTTP_AUTHORIZATION": _basic(rest.secret)}),
            (signed_in, {}),
        ):
            response = send(client, method, path, {"partner_test_id": "1"}, **headers)
            assert response.status_code == 401, (method, call, headers)
            assert response.json() == {"errors": ["The API key is missing, not valid or revoked."]}
    assert fingerprint_changes(before, tables_fingerprint()) == []
