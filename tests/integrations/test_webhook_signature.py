"""Webhook signatures: the reference verifier and the README's standalone snippet, on real deliveries."""

import time

import pytest

from integrations.webhooks import signature_header, signature_verify

pytestmark = pytest.mark.django_db

# The verification snippet given to API users in the README, verbatim: stdlib only.
README_SNIPPET = '''
import hashlib
import hmac
import time


def verify_webhook(secret: str, signature_header: str, raw_body: bytes, tolerance: int = 300) -> bool:
    """True if X-Scorecards-Signature signs the raw request body with your subscription's secret."""
    fields = dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:  # older than 5 minutes: a replay
        return False
    signed = f"{timestamp}.".encode() + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
'''


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
