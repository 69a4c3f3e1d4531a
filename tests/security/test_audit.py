"""The audit log records sign-ins, sign-outs, failed sign-ins, refused requests and token use."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import AuditEvent
from tests.security.conftest import PASSWORD, WRONG

pytestmark = pytest.mark.django_db


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_sign_in_is_audited_with_who_where_and_when_in_utc(attempt, interviewer):
    before = timezone.now()

    attempt(interviewer.username, PASSWORD, address="198.51.100.7")

    [event] = events("auth.login")
    assert event.actor_user == interviewer
    assert event.actor_label == "user ivan_interviewer"
    assert event.details == {"ip_address": "198.51.100.7"}
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert before <= event.occurred_at <= timezone.now()


def test_a_failed_sign_in_is_audited_with_the_username_tried_and_never_the_password(attempt, interviewer):
    attempt(interviewer.username, WRONG, address="198.51.100.7")
    attempt("nobody_by_this_name", WRONG, address="198.51.100.7")

    failed = events("auth.login_failed")
    assert [(e.actor_user, e.details["username"], e.details["ip_address"]) for e in failed] == [
        (None, "ivan_interviewer", "198.51.100.7"),
        (None, "nobody_by_this_name", "198.51.100.7"),
    ]
    assert WRONG not in str(list(AuditEvent.objects.values()))


def test_a_refused_sign_in_while_locked_out_is_audited_as_such(attempt, interviewer):
    for _ in range(5):
        attempt(interviewer.username, WRONG)

    attempt(interviewer.username, PASSWORD)

    assert [e.details["locked_out"] for e in events("auth.login_failed")] == [False] * 4 + [True, True]
    assert not events("auth.login")


def test_a_sign_out_is_audited(interviewer):
    client = Client()
    client.force_login(interviewer)

    client.post("/accounts/logout/")

    [event] = events("auth.logout")
    assert event.actor_user == interviewer


def test_an_api_request_without_the_scope_is_audited_with_the_token_and_the_operation(token_client):
    client = token_client(["candidates:read"])

    response = client.get("/api/v1/scorecards/")

    assert response.status_code == 403
    [event] = events("auth.forbidden")
    assert event.actor_token == client.token
    assert event.details == {
        "method": "GET",
        "path": "/api/v1/scorecards/",
        "status": 403,
        "code": "missing_scope",
        "ip_address": "127.0.0.1",
        "token_prefix": client.token.prefix,
    }


def test_a_bad_token_is_audited_with_its_prefix_and_never_the_secret(token_client):
    client = token_client(["candidates:read"])
    secret = client.secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret[:-4]}XXXX")

    response = client.get("/api/v1/candidates/")

    assert response.status_code == 401
    [event] = events("auth.token_rejected")
    assert (event.actor_user, event.actor_token) == (None, None)
    assert event.details["token_prefix"] == secret[:12]
    assert event.details["code"] == "authentication_failed"
    assert secret[12:20] not in str(list(AuditEvent.objects.values()))


def test_an_anonymous_api_request_is_refused_without_an_audit_row():
    response = Client().get("/api/v1/candidates/")

    assert response.status_code == 401
    assert not AuditEvent.objects.filter(action__startswith="auth.").exists()


def test_a_page_refused_for_a_missing_csrf_token_is_audited_with_the_user(interviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(interviewer)

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    [event] = events("auth.forbidden")
    assert event.actor_user == interviewer
    assert (event.details["path"], event.details["status"]) == ("/accounts/logout/", 403)


def test_a_token_use_is_audited_once_a_minute_not_once_per_request(token_client):
    client = token_client(["candidates:read"])
    start = timezone.now()
    ticks = iter(range(10**6))
    offset = timedelta(0)

    def clock():  # a clock that moves a millisecond per reading, as a real one moves between reads
        return start + offset + timedelta(milliseconds=next(ticks))

    with mock.patch("django.utils.timezone.now", side_effect=clock):
        for _ in range(3):
            assert client.get("/api/v1/candidates/").status_code == 200
        offset = timedelta(seconds=61)
        for _ in range(2):
            assert client.get("/api/v1/candidates/").status_code == 200

    used = events("token.used")
    assert [(e.actor_token, e.details["path"]) for e in used] == [(client.token, "/api/v1/candidates/")] * 2
    assert used[1].occurred_at - used[0].occurred_at >= timedelta(seconds=61)


def test_a_refused_request_with_control_characters_in_its_path_is_audited_without_them(token_client):
    client = token_client(["candidates:read"])

    response = client.put("/api/v1/applications/external/%00/gh-1/", {}, format="json")

    assert response.status_code == 403
    [event] = events("auth.forbidden")
    assert event.details["path"] == "/api/v1/applications/external/?/gh-1/"
    assert events("token.used")[0].details["path"] == "/api/v1/applications/external/?/gh-1/"
