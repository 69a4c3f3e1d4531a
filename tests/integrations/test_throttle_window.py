"""The API rate limit counts a sliding window from two fixed ones, exactly under concurrency, on Redis.

The suite's cache is the real Redis; the local-cache path (``make run``) is checked too.
"""

import secrets
import threading
from types import SimpleNamespace

import pytest
import redis
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache

from integrations.api.throttling import ApiRateThrottle, _redis_client

MINUTE = 60.0
START = 1_700_000_040.0  # the start of a minute


def throttle_at(moment: float, settings, rate: str = "10/min", cache_=None) -> ApiRateThrottle:
    settings.API_RATE_LIMIT = rate
    throttle = ApiRateThrottle()
    throttle.timer = lambda: moment
    if cache_ is not None:
        throttle.cache = cache_
    return throttle


def request_of(prefix: str):
    return SimpleNamespace(_api_token_for_throttle=SimpleNamespace(prefix=prefix), META={})


def asks(moment: float, prefix: str, settings, **options) -> tuple[bool, ApiRateThrottle, object]:
    throttle = throttle_at(moment, settings, **options)
    request = request_of(prefix)
    return throttle.allow_request(request, None), throttle, request


@pytest.fixture
def prefix():
    return f"t{secrets.token_hex(6)}"  # a client nobody else counts


@pytest.fixture(params=["redis", "local"])
def backend(request):
    """The production cache (Redis) and make run's (a process-local cache)."""
    if request.param == "redis":
        return cache
    return LocMemCache(f"throttle-{secrets.token_hex(4)}", {})


def test_a_fresh_client_gets_its_limit_then_a_429_with_a_retry_after_that_lets_it_back(
    settings, prefix, backend
):
    answers = [asks(START + i, prefix, settings, cache_=backend) for i in range(11)]

    assert [allowed for allowed, _, _ in answers] == [True] * 10 + [False]
    assert [request._rate_limit[1] for _, _, request in answers] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]
    refused = answers[-1][1]
    retry_after = refused.wait()
    # Nothing of the previous minute counts, so the first minute's ten must slide out of the next one:
    # asking again is refused just before Retry-After has passed and answered once it has.
    assert 0 < retry_after <= 2 * MINUTE
    assert not asks(START + 10 + retry_after - 1, prefix, settings, cache_=backend)[0]
    assert asks(START + 10 + retry_after + 0.01, prefix, settings, cache_=backend)[0]


def test_the_previous_window_counts_by_how_much_of_it_the_sliding_window_still_covers(
    settings, prefix, backend
):
    for i in range(10):  # the whole limit, late in the first minute
        assert asks(START + 50 + i / 10, prefix, settings, cache_=backend)[0]

    # A quarter into the next minute, three quarters of those ten still count: 7.5, so two more fit.
    later = [asks(START + MINUTE + 15, prefix, settings, cache_=backend)[0] for _ in range(3)]
    assert later == [True, True, False]
    # A fixed window would have let ten more through at once; a sliding one lets them in as time passes.
    assert asks(START + MINUTE + 45, prefix, settings, cache_=backend)[0]


def test_refused_requests_are_not_counted_so_a_client_hammering_while_throttled_gets_its_limit(
    settings, prefix, backend
):
    for i in range(50):
        asks(START + i / 100, prefix, settings, cache_=backend)

    # Two minutes on, nothing of the hammering counts any more: the next minute gets its ten.
    answers = [asks(START + 2 * MINUTE + i, prefix, settings, cache_=backend)[0] for i in range(11)]
    assert answers == [True] * 10 + [False]


def test_concurrent_requests_of_many_threads_count_exactly_on_redis(settings, prefix):
    settings.API_RATE_LIMIT = "100/min"
    allowed = []
    barrier = threading.Barrier(8)

    def client():
        barrier.wait()
        for _ in range(25):  # 8 x 25 = 200 requests in the same second: exactly 100 answered
            throttle = ApiRateThrottle()
            throttle.timer = lambda: START + 1
            allowed.append(throttle.allow_request(request_of(prefix), None))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 100
    assert allowed.count(False) == 100


def test_a_client_s_counts_stay_two_fields_and_expire(settings, prefix):
    for minute in range(6):
        asks(START + minute * MINUTE + (minute % 2) * 61, prefix, settings)  # some gaps of two windows
    name = cache.make_and_validate_key(f"throttle_api_token:{prefix}")
    client = cache._cache.get_client(name)

    assert len(client.hgetall(name)) <= 2
    assert 0 < client.ttl(name) <= 2 * MINUTE


def test_without_redis_the_count_lives_in_the_local_cache(settings, prefix):
    local = LocMemCache(f"throttle-{secrets.token_hex(4)}", {})

    assert [asks(START, prefix, settings, rate="2/min", cache_=local)[0] for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert asks(START, prefix, settings, rate="2/min")[0]  # Redis knows nothing of the local counts


def test_the_kept_redis_client_counts_on_after_redis_drops_its_connection(settings, prefix):
    """The count's client lives as long as its cache backend; a connection Redis dropped is reopened."""
    for i in range(3):
        assert asks(START + i, prefix, settings)[0]
    kept = _redis_client(caches[DEFAULT_CACHE_ALIAS], prefix)
    dropped = kept.client_id()
    # Only this connection: other workers of the suite share the server.
    with redis.Redis.from_url(settings.CACHES[DEFAULT_CACHE_ALIAS]["LOCATION"]) as other:
        assert other.client_kill_filter(_id=dropped) == 1

    allowed, _, request = asks(START + 3, prefix, settings)

    assert allowed
    assert request._rate_limit == (10, 6)  # the fourth request counted, none lost nor counted twice
    assert _redis_client(caches[DEFAULT_CACHE_ALIAS], prefix) is kept
    assert kept.client_id() != dropped
