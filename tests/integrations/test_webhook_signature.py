"""Webhook signatures: the reference verifier and the README's standalone snippet, on real deliveries."""

import time
from pathlib import Path

import pytest

from integrations.webhooks import signature_header, signature_verify

pytestmark = pytest.mark.django_db

# The verification snippet given to API users, read from the README: the code users copy is the code tested.
README_SNIPPET = (
    (Path(__file__).resolve().parents[2] / "README.md")
    .read_text()
    .split("Verify a delivery like this")[1]
    .split("```python")[1]
    .split("```")[0]
)


def readme_verify():
    namespace: dict = {}
    exec(README_SNIPPET, namespace)  # noqa: S102 - our own documentation text, run as users will
    return namespace["verify_webhook"]


@pytest.fixture
def delivered(receiver, subscribe, emit):
    """The secret, signature header and raw body of a real delivery received over HTTP."""
    _, secret = subscribe()
    emit()
    [request] = receiver.requests
    return secret, request["headers"]["X-Scorecards-Signature"], request["body"]


def test_the_readme_snippet_accepts_a_real_delivery(delivered):
    secret, header, body = delivered

    assert readme_verify()(secret, header, body) is True


@pytest.mark.parametrize("verify", ["reference", "readme"])
def test_a_tampered_body_a_wrong_secret_and_a_missing_signature_are_rejected(delivered, verify):
    check = signature_verify if verify == "reference" else readme_verify()
    secret, header, body = delivered

    assert not check(secret, header, body.replace(b'"yes"', b'"no"'))
    assert not check(secret, header, body + b" ")
    assert not check("whsec_someone_else", header, body)
    assert not check(secret, header.split(",v1=")[0], body)
    assert not check(secret, "garbage", body)
    assert not check(secret, "t=abc,v1=00", body)


@pytest.mark.parametrize("verify", ["reference", "readme"])
def test_a_replayed_delivery_older_than_five_minutes_is_rejected(verify):
    check = signature_verify if verify == "reference" else readme_verify()
    secret, body = "whsec_test", b'{"id":"1"}'
    old = int(time.time()) - 301

    assert check(secret, signature_header(secret, body, timestamp=old + 2), body)
    assert not check(secret, signature_header(secret, body, timestamp=old), body)


def test_the_reference_verifier_takes_a_clock_and_a_tolerance_and_rejects_the_future():
    secret, body = "whsec_test", b"{}"
    header = signature_header(secret, body, timestamp=1_700_000_000)

    assert signature_verify(secret, header, body, now=1_700_000_300)
    assert not signature_verify(secret, header, body, now=1_700_000_301)
    assert not signature_verify(secret, header, body, now=1_699_999_699)  # from the future
    assert signature_verify(secret, header, body, tolerance=3600, now=1_700_003_600)
    assert signature_verify(secret, header, body.decode(), now=1_700_000_000)  # str bodies too


def test_a_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    header = signature_header("whsec_k", b'{"a":1}', timestamp=1700000000)

    expected = hmac.new(b"whsec_k", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
