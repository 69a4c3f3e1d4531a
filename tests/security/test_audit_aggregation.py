"""Refusals anyone can send without credentials add a bounded number of audit rows, counting repeats."""

import secrets
import time
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from integrations.models import AuditEvent
from tests.security.conftest import PASSWORD, WRONG

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_address():
    """``fresh_address()`` is a client address no earlier run used (the cache outlives test databases)."""
    used = set()

    def make() -> str:
        while True:
            address = f"198.18.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"
            if address not in used:
                used.add(address)
                return address

    return make


def rows(action, address):
    return list(AuditEvent.objects.filter(action=action, details__ip_address=address).order_by("id"))


def bogus_token() -> str:
    return f"dsk_{secrets.token_urlsafe(32)}"


def test_bogus_tokens_from_one_address_make_one_audit_row_counting_them_all(fresh_address):
    address = fresh_address()
    client = APIClient(REMOTE_ADDR=address)
    tokens = [bogus_token() for _ in range(200)]

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    first_status = client.get("/api/v1/candidates/").status_code
    [first] = rows("auth.token_rejected", address)
    statuses = []
    for token in tokens[1:]:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        statuses.append(client.get("/api/v1/candidates/").status_code)

    assert first_status == 401
    assert set(statuses) == {401}
    assert (first.count, first.details["ip_address"], first.details["code"]) == (
        1,
        address,
        "authentication_failed",
    )
    [row] = rows("auth.token_rejected", address)
    assert row.pk == first.pk
    assert row.count == 200
    assert (row.actor_user, row.actor_token) == (None, None)
    stored = str(list(AuditEvent.objects.values()))
    assert not any(token[12:] in stored for token in tokens)  # at most the 12-character prefix


def test_two_addresses_get_separate_rows(fresh_address):
    first, second = fresh_address(), fresh_address()

    for address, times in ((first, 3), (second, 2), (first, 1)):
        client = APIClient(REMOTE_ADDR=address)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {bogus_token()}")
        for _ in range(times):
            assert client.get("/api/v1/scorecards/").status_code == 401

    assert [row.count for row in rows("auth.token_rejected", first)] == [4]
    assert [row.count for row in rows("auth.token_rejected", second)] == [2]


def test_a_different_reason_from_the_same_address_gets_its_own_row(fresh_address):
    address = fresh_address()
    client = APIClient(REMOTE_ADDR=address)

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {bogus_token()}")
    client.get("/api/v1/candidates/")
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    client.get("/api/v1/candidates/")
    client.get("/api/v1/candidates/")

    assert sorted((row.details["code"], row.count) for row in rows("auth.token_rejected", address)) == [
        ("authentication_failed", 1),
        ("not_authenticated", 2),
    ]


def test_after_the_window_a_new_row_opens(fresh_address, settings):
    settings.AUDIT_REJECTION_WINDOW = timedelta(seconds=1)
    address = fresh_address()
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {bogus_token()}")

    client.get("/api/v1/candidates/")
    client.get("/api/v1/candidates/")
    time.sleep(1.3)
    client.get("/api/v1/candidates/")

    assert [row.count for row in rows("auth.token_rejected", address)] == [2, 1]


def test_anonymous_requests_refused_for_csrf_make_one_counted_row(fresh_address):
    address = fresh_address()
    client = Client(REMOTE_ADDR=address, enforce_csrf_checks=True)

    statuses = {
        client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code for _ in range(30)
    }

    assert statuses == {403}
    [row] = rows("auth.forbidden", address)
    assert (row.actor_user, row.count, row.details["path"]) == (None, 30, "/accounts/login/")


def test_a_signed_in_users_refusals_keep_a_row_each(interviewer, fresh_address):
    address = fresh_address()
    client = Client(REMOTE_ADDR=address, enforce_csrf_checks=True)
    client.force_login(interviewer)

    for _ in range(3):
        assert client.post("/accounts/logout/").status_code == 403

    assert [(row.actor_user, row.count) for row in rows("auth.forbidden", address)] == [(interviewer, 1)] * 3


def test_sign_ins_refused_during_a_lockout_are_counted_in_one_row(attempt, interviewer, fresh_address):
    address = fresh_address()
    for _ in range(5):
        attempt(interviewer.username, WRONG, address=address)

    refused = {attempt(interviewer.username, WRONG, address=address)[0].status_code for _ in range(30)}
    refused.add(attempt(interviewer.username, PASSWORD, address=address)[0].status_code)

    assert refused == {429}
    failed = rows("auth.login_failed", address)
    assert [(row.details["locked_out"], row.count) for row in failed] == [(False, 1)] * 4 + [
        (True, 1),
        (True, 31),
    ]
    assert failed[-1].details["username"] == interviewer.username


def test_with_the_cache_down_every_refusal_still_gets_its_row(fresh_address, settings):
    address = fresh_address()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {bogus_token()}")

    statuses = [client.get("/api/v1/candidates/").status_code for _ in range(2)]

    assert statuses == [401, 401]
    assert [row.count for row in rows("auth.token_rejected", address)] == [1, 1]
