"""Fixtures for the security tests: sign-in attempts from chosen addresses, counts cleared afterwards."""

import pytest

from tests.integrations.conftest import emit, receiver  # noqa: F401 - webhook fixtures, registered by import

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's
WRONG = "not-the-password-123"


@pytest.fixture
def attempt(db):
    """``attempt(username, password, address=..., path=..., forwarded_for=...)`` posts a sign-in form.

    It comes from ``address``, or through a proxy at ``address`` when
    ``forwarded_for`` gives an ``X-Forwarded-For``.

    Returns the response and the client (to see whether it is signed in).
    Every (username, address) pair and every address it was used with has its
    failure counts cleared after the test, so no lockout leaks into other tests
    sharing the cache.
    """
    from axes.handlers.proxy import AxesProxyHandler
    from django.test import Client

    used: set[tuple[str, str]] = set()

    def post(username, password, *, address="198.51.100.7", path="/accounts/login/", forwarded_for=None):
        used.add((username, address))
        headers = {}
        if forwarded_for is not None:  # ``address`` is then a proxy's
            used.add((username, forwarded_for.rsplit(",", 1)[-1].strip()))
            headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
        client = Client(REMOTE_ADDR=address, **headers)
        response = client.post(path, {"username": username, "password": password})
        return response, client

    yield post
    for username, address in used:  # the configured handler clears both counts
        AxesProxyHandler.reset_attempts(username=username, ip_address=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session
