"""No log record carries a token, webhook secret, password or session id, whoever logs it."""

import logging

import pytest
from django.test import Client
from django.urls import path

import config.urls
from config.redaction import redact
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Tr0ub4dor&3-horse-battery"


def _explode(request):
    # A view that fails while holding the caller's credentials, as a careless one might.
    raise RuntimeError(f"could not handle {request.headers.get('Authorization')} {request.COOKIES}")


# This module doubles as a test-only URLconf: the app's URLs plus a view that fails.
urlpatterns = [path("test-only/explode/", _explode), *config.urls.urlpatterns]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bearer dsk_AbCdEfGh1234567890_-xyz", "Bearer dsk_AbCdEfGh…[redacted]"),
        ("token dsk_AbCdEfGh (prefix only)", "token dsk_AbCdEfGh (prefix only)"),
        ("signing with whsec_Zm9vYmFy-_123", "signing with whsec_[redacted]"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: [redacted]"),
        ("{'HTTP_AUTHORIZATION': 'Token abc', 'HTTP_HOST': 'x'}",
         "{'HTTP_AUTHORIZATION': '[redacted]', 'HTTP_HOST': 'x'}"),
        ("HTTP_COOKIE='sessionid=abc; csrftoken=def'", "HTTP_COOKIE='[redacted]'"),
        ("<QueryDict: {'username': ['ada'], 'password': ['hunter2']}>",
         "<QueryDict: {'username': ['ada'], 'password': ['[redacted]']}>"),
        ('{"password": "hunter2", "new_password1": "x"}',
         '{"password": "[redacted]", "new_password1": "[redacted]"}'),
        ("username=ada&password=hunter2&next=/", "username=ada&password=[redacted]&next=/"),
        ("sessionid=q1w2e3r4 path=/", "sessionid=[redacted] path=/"),
        ("SECRET_KEY = 'abc'", "SECRET_KEY = '[redacted]'"),
        ("Webhook delivery 12 attempt 2: http 503", "Webhook delivery 12 attempt 2: http 503"),
    ],
)  # fmt: skip
def test_secrets_are_masked_in_any_spelling_and_masking_twice_changes_nothing(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected


@pytest.fixture
def task_modules_imported():
    """Import the task modules before the test body, as a running worker has.

    Celery imports them through ``django.setup()``, which applies LOGGING again
    and so would drop pytest's capture handler in the middle of the test.
    """
    from config.celery import app

    app.loader.import_default_modules()


def test_failed_sign_ins_bad_tokens_a_crash_and_webhook_deliveries_log_no_secret(
    task_modules_imported,
    caplog,
    settings,
    attempt,
    interviewer,
    other_interviewer,
    token_client,
    receiver,
    emit,
):
    caplog.set_level(logging.DEBUG)
    settings.ROOT_URLCONF = __name__
    secrets = {"password": PASSWORD, "wrong password": WRONG_PASSWORD}

    # Failed sign-ins up to a lockout, the right password while locked out, another user signing in.
    for _ in range(6):
        attempt(interviewer.username, WRONG_PASSWORD)
    attempt(interviewer.username, PASSWORD)
    _, signed_in = attempt(other_interviewer.username, PASSWORD, address="203.0.113.9")
    secrets["session id"] = signed_in_id = signed_in.cookies["sessionid"].value

    # A token without the scope, a made-up token, a revoked-looking one, then webhooks with a real one.
    narrow = token_client(["candidates:read"])
    secrets["token"] = narrow.secret
    assert narrow.get("/api/v1/scorecards/").status_code == 403
    made_up = "dsk_" + "Q" * 8 + "madeUpSecretPart0123456789"
    secrets["made-up token"] = made_up
    assert Client(HTTP_AUTHORIZATION=f"Bearer {made_up}").get("/api/v1/candidates/").status_code == 401
    hooks = token_client(["webhooks:manage", "scorecards:read"])
    secrets["webhook token"] = hooks.secret
    subscription = {"url": receiver.url, "events": ["scorecard.submitted"]}
    created = hooks.post("/api/v1/webhooks/", subscription, format="json")
    secrets["webhook secret"] = created.json()["secret"]
    receiver.statuses = [503]  # the first delivery fails and is logged, then one succeeds
    emit()
    emit()

    # A crash while holding the credentials: Django logs it with the traceback.
    crashing = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {hooks.secret}")
    crashing.cookies["sessionid"] = secrets["session id"]
    assert crashing.get("/test-only/explode/").status_code == 500

    # A library that logs a request's headers and form as they came.
    headers = {"HTTP_AUTHORIZATION": f"Bearer {narrow.secret}", "HTTP_COOKIE": f"sessionid={signed_in_id}"}
    form = {"username": "ada", "password": WRONG_PASSWORD}
    logging.getLogger("some.library").debug("request %s form %s", headers, form)

    assert len(receiver.requests) == 2
    logged = caplog.text + "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.stack_info or ''}"
        for record in caplog.records
    )
    # The records that matter were captured: sign-in failures, refusals, the crash, deliveries.
    for expected in (
        "AXES: Locking out",
        "Unauthorized: /api/v1/candidates/",
        "Forbidden: /api/v1/scorecards/",
        "Internal Server Error: /test-only/explode/",
        "RuntimeError: could not handle Bearer dsk_",
        "Webhook delivery",
        "request {'HTTP_AUTHORIZATION': '[redacted]'",
    ):
        assert expected in logged, expected
    # A token's secret is what follows its 12-character public prefix; a webhook secret's, "whsec_".
    secret_parts = dict(secrets)
    for name in ("token", "made-up token", "webhook token"):
        secret_parts[f"{name} after its prefix"] = secrets[name][12:]
    secret_parts["webhook secret after its prefix"] = secrets["webhook secret"][6:]
    assert [name for name, value in secret_parts.items() if value in logged] == []
