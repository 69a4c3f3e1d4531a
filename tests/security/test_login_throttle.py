"""Brute force against the sign-in: failures counted per (username, address) and per address, then refused.

Neither count lets a stranger lock someone out: a pair's lock holds only at that
address, and an address's limit is far above what one person's typos reach.
"""

import time
from datetime import timedelta

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.conf import settings as django_settings
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


def test_a_user_locked_out_at_one_address_still_signs_in_from_another(attempt, interviewer):
    fail(attempt, interviewer.username, LIMIT, address="198.51.100.7")

    here, here_client = attempt(interviewer.username, PASSWORD, address="198.51.100.7")
    elsewhere, elsewhere_client = attempt(interviewer.username, PASSWORD, address="203.0.113.9")

    assert (here.status_code, signed_in(here_client)) == (429, False)
    assert (elsewhere.status_code, signed_in(elsewhere_client)) == (302, True)


def test_another_user_behind_the_same_address_signs_in_after_someone_is_locked_out_there(
    attempt, interviewer, other_interviewer
):
    fail(attempt, interviewer.username, LIMIT, address="198.51.100.7")

    response, client = attempt(other_interviewer.username, PASSWORD, address="198.51.100.7")

    assert (response.status_code, signed_in(client)) == (302, True)


def test_behind_a_trusted_proxy_the_lock_is_on_the_address_the_proxy_saw(attempt, interviewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The client's own X-Forwarded-For entries are not trusted: the proxy appends the real one.
    statuses = [
        attempt(interviewer.username, WRONG, address=proxy, forwarded_for=f"192.0.2.{n}, 198.51.100.7")[
            0
        ].status_code
        for n in range(LIMIT)
    ]

    there, there_client = attempt(interviewer.username, PASSWORD, address=proxy, forwarded_for="198.51.100.7")
    elsewhere, elsewhere_client = attempt(
        interviewer.username, PASSWORD, address=proxy, forwarded_for="203.0.113.9"
    )

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert (there.status_code, signed_in(there_client)) == (429, False)
    assert (elsewhere.status_code, signed_in(elsewhere_client)) == (302, True)


def test_refused_attempts_during_a_lockout_do_not_extend_it(attempt, interviewer, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    fail(attempt, interviewer.username, LIMIT)
    locked_at = time.monotonic()  # the lock was set before the last answer came back

    sleep_until(locked_at + 1)
    refused = [attempt(interviewer.username, password)[0].status_code for password in (WRONG, PASSWORD)]
    sleep_until(locked_at + 2.3)  # past the first lock's end, before a restarted one would end
    response, client = attempt(interviewer.username, PASSWORD)

    assert refused == [429, 429]
    assert (response.status_code, signed_in(client)) == (302, True)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def test_an_unknown_username_is_answered_exactly_like_a_real_one(attempt, interviewer):
    real = fail(attempt, interviewer.username, LIMIT + 1, address="198.51.100.7")
    unknown = fail(attempt, "nobody_by_this_name", LIMIT + 1, address="203.0.113.9")
    real_page = attempt(interviewer.username, WRONG, address="198.51.100.7")[0].content.decode()
    unknown_page = attempt("nobody_by_this_name", WRONG, address="203.0.113.9")[0].content.decode()

    assert real == unknown == [200] * (LIMIT - 1) + [429, 429]
    strip = lambda page, name: page.replace(name, "").split("csrfmiddlewaretoken")[0]  # noqa: E731
    assert strip(real_page, interviewer.username) == strip(unknown_page, "nobody_by_this_name")


def test_an_address_spraying_many_usernames_is_locked_at_the_address_limit(
    attempt, interviewer, other_interviewer
):
    address_limit = django_settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert address_limit >= 10 * LIMIT
    statuses = [
        attempt(f"guess{number}", WRONG, address="198.51.100.7")[0].status_code
        for number in range(address_limit - 1)
    ]
    # Below the limit the address is open; a sign-in there does not clear its count.
    below, below_client = attempt(interviewer.username, PASSWORD, address="198.51.100.7")

    last = attempt("one_guess_too_many", WRONG, address="198.51.100.7")[0]
    there, there_client = attempt(other_interviewer.username, PASSWORD, address="198.51.100.7")
    elsewhere, elsewhere_client = attempt(other_interviewer.username, PASSWORD, address="203.0.113.9")

    assert statuses == [200] * (address_limit - 1)
    assert (below.status_code, signed_in(below_client)) == (302, True)
    assert last.status_code == 429
    assert (there.status_code, signed_in(there_client)) == (429, False)
    assert (elsewhere.status_code, signed_in(elsewhere_client)) == (302, True)


def test_the_address_count_runs_in_fixed_windows_not_since_the_last_quiet_spell(
    attempt, interviewer, settings
):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    guesses = iter(range(100))

    def spray(times):
        return [attempt(f"guess{next(guesses)}", WRONG)[0].status_code for _ in range(times)]

    statuses = spray(1)
    start = time.monotonic()  # the window began before this
    statuses += spray(5)
    sleep_until(start + 1.2)
    statuses += spray(3)  # 9 in the first window
    sleep_until(start + 2.4)  # the first window is over, though failures never paused for 2 s
    statuses += spray(5)
    response, client = attempt(interviewer.username, PASSWORD)

    assert statuses == [200] * 14
    assert (response.status_code, signed_in(client)) == (302, True)


def test_an_address_lock_lasts_the_cool_off_from_the_failure_that_reached_the_limit(
    attempt, interviewer, settings
):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for number in range(5):
        attempt(f"early{number}", WRONG)
        if number == 0:
            start = time.monotonic()  # the window began before this
    sleep_until(start + 1.2)
    for number in range(5):
        attempt(f"late{number}", WRONG)
    locked_at = time.monotonic()

    sleep_until(start + 2.4)  # the window that began with the first failure is over
    still_locked = attempt(interviewer.username, PASSWORD)[0].status_code
    sleep_until(locked_at + 2.3)
    response, client = attempt(interviewer.username, PASSWORD)

    assert still_locked == 429
    assert (response.status_code, signed_in(client)) == (302, True)


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
    from axes.handlers.cache import AxesCacheHandler
    from django.conf import settings
    from django.utils.module_loading import import_string

    assert settings.AXES_HANDLER == "config.security.LoginThrottleHandler"
    assert issubclass(import_string(settings.AXES_HANDLER), AxesCacheHandler)
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_an_address_limit_below_the_per_user_limit_is_a_configuration_error():
    from tests.config.test_settings import SETTINGS_PROBE, run_python

    result = run_python(SETTINGS_PROBE, LOGIN_FAILURE_LIMIT="5", LOGIN_ADDRESS_FAILURE_LIMIT="4")

    assert result.returncode != 0
    assert "LOGIN_ADDRESS_FAILURE_LIMIT must be at least LOGIN_FAILURE_LIMIT" in result.stderr
