"""Fixtures for the security tests: sign-in attempts from chosen addresses, counts cleared afterwards."""

import pytest

from tests.integrations.conftest import emit, receiver  # noqa: F401 - webhook fixtures, registered by import

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's
WRONG = "not-the-password-123"


@pytest.fixture
def attempt(db):
    """``attempt(username, password, address=..., path=...)`` posts a sign-in form from ``address``.

    Returns the response and the client (to see whether it is signed in).
    Every (username, address) it was used with has its failure counts cleared
    after the test, so no lockout leaks into other tests sharing the cache.
    """
    from axes.handlers.cache import AxesCacheHandler
    from django.test import Client

    used: set[tuple[str, str]] = set()

    def post(username, password, *, address="198.51.100.7", path="/accounts/login/"):
        used.add((username, address))
        client = Client(REMOTE_ADDR=address)
        response = client.post(path, {"username": username, "password": password})
        return response, client

    yield post
    handler = AxesCacheHandler()
    for username, address in used:
        handler.reset_attempts(username=username, ip_address=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session
