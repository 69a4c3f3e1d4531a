"""Brute force against the sign-in: failures are counted per username and per address, then refused."""

from datetime import timedelta

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.core.cache import cache

from tests.conftest import wait_for
from tests.security.conftest import PASSWORD, WRONG, signed_in

pytestmark = pytest.mark.django_db

LIMIT = 5


def fail(attempt, username, times, **kwargs):
    return [attempt(username, WRONG, **kwargs)[0].status_code for _ in range(times)]


def test_five_failed_sign_ins_lock_the_username_even_against_the_right_password(attempt, interviewer):
    statuses = fail(attempt, interviewer.username, LIMIT)

    response, client = attempt(interviewer.username, PASSWORD)

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)


def test_a_locked_username_stays_locked_from_another_address(attempt, interviewer):
    fail(attempt, interviewer.username, LIMIT, address="198.51.100.7")

    response, client = attempt(interviewer.username, PASSWORD, address="203.0.113.9")

    assert response.status_code == 429
    assert not signed_in(client)


def test_an_unknown_username_is_answered_exactly_like_a_real_one(attempt, interviewer):
    real = fail(attempt, interviewer.username, LIMIT + 1, address="198.51.100.7")
    unknown = fail(attempt, "nobody_by_this_name", LIMIT + 1, address="203.0.113.9")
    real_page = attempt(interviewer.username, WRONG, address="198.51.100.7")[0].content.decode()
    unknown_page = attempt("nobody_by_this_name", WRONG, address="203.0.113.9")[0].content.decode()

    assert real == unknown == [200] * (LIMIT - 1) + [429, 429]
    strip = lambda page, name: page.replace(name, "").split("csrfmiddlewaretoken")[0]  # noqa: E731
    assert strip(real_page, interviewer.username) == strip(unknown_page, "nobody_by_this_name")


def test_failures_for_many_usernames_from_one_address_lock_that_address_only(attempt, interviewer):
    for number in range(LIMIT):
        attempt(f"guess{number}", WRONG, address="198.51.100.7")

    from_there, there = attempt(interviewer.username, PASSWORD, address="198.51.100.7")
    from_elsewhere, elsewhere = attempt(interviewer.username, PASSWORD, address="203.0.113.9")

    assert (from_there.status_code, signed_in(there)) == (429, False)
    assert (from_elsewhere.status_code, signed_in(elsewhere)) == (302, True)


def test_a_successful_sign_in_clears_the_count(attempt, interviewer):
    fail(attempt, interviewer.username, LIMIT - 1)
    assert attempt(interviewer.username, PASSWORD)[0].status_code == 302

    statuses = fail(attempt, interviewer.username, LIMIT - 1)

    assert statuses == [200] * (LIMIT - 1)
    response, client = attempt(interviewer.username, PASSWORD)
    assert (response.status_code, signed_in(client)) == (302, True)


def test_the_lock_lifts_after_the_cool_down(attempt, interviewer, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    fail(attempt, interviewer.username, LIMIT)
    keys = get_client_cache_keys(AccessAttempt(username=interviewer.username, ip_address="198.51.100.7"))
    assert attempt(interviewer.username, PASSWORD)[0].status_code == 429

    wait_for(lambda: all(cache.get(key) is None for key in keys), timeout=15)
    response, client = attempt(interviewer.username, PASSWORD)

    assert (response.status_code, signed_in(client)) == (302, True)


def test_the_admin_sign_in_is_throttled_too(attempt):
    from tests.factories import UserFactory

    admin = UserFactory(username="ada_admin", is_staff=True, is_superuser=True)
    statuses = fail(attempt, admin.username, LIMIT, path="/admin/login/")

    response, client = attempt(admin.username, PASSWORD, path="/admin/login/")

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert (response.status_code, signed_in(client)) == (429, False)


def test_counts_are_kept_in_the_shared_cache():
    from django.conf import settings

    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
