"""Per-token (or per-user, or per-address) request rates, reported in X-RateLimit-* headers.

The count is a sliding window estimated from two fixed windows (the way most API
gateways count): the requests of the current window plus the previous window's,
weighted by how much of it the sliding window still covers. With Redis (production
and the suite) one pipelined round trip counts a request, whatever the rate:
``HINCRBY`` on a small hash per client, so concurrent requests of every web
process count exactly. DRF's own ``SimpleRateThrottle`` reads and rewrites a list
of every recent request's time instead, which grows with the rate and loses counts
under races. A refused request is taken back out, so the limit counts answered
requests, as DRF's does. Without Redis (``make run``) the same counts live in the
local cache.
"""

import logging
import math

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class ApiRateThrottle(SimpleRateThrottle):
    """One window per integration token, signed-in user or, for failed sign-ins, client address."""

    scope = "api"

    def get_rate(self):
        from django.conf import settings

        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        token = getattr(request, "_api_token_for_throttle", None)
        if token is not None:
            ident = f"token:{token.prefix}"  # random per token, unlike ids reused by a fresh database
        elif getattr(request, "_api_user_for_throttle", None) is not None:
            ident = f"user:{request._api_user_for_throttle.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:  # no limit configured, as DRF's throttles allow
            return True
        key = self.get_cache_key(request, view)
        elapsed = self.timer() / self.duration
        window = math.floor(elapsed)
        self.fraction = elapsed - window  # of the current window gone by
        try:
            self.current, self.previous = self._count(key, window, 1)
            allowed = self._used() <= self.num_requests
            if not allowed:
                self.current, self.previous = self._count(key, window, -1)
        except Exception as error:  # any cache outage (Redis down) must not fail requests
            # Fail open: an unavailable cache must not turn every API call into a 500 (a
            # scorecard must still go in while Redis is down). The limit is back with the cache.
            logger.warning("Rate limiting skipped: the cache is unavailable (%s).", type(error).__name__)
            request._rate_limit = (self.num_requests, self.num_requests)
            return True
        request._rate_limit = (self.num_requests, max(math.floor(self.num_requests - self._used()), 0))
        return allowed

    def _used(self) -> float:
        """Requests in the sliding window ending now, this one included if it was counted."""
        return self.current + self.previous * (1 - self.fraction)

    def _count(self, key: str, window: int, delta: int) -> tuple[int, int]:
        """Add ``delta`` to ``window``'s count: (that count, the previous window's count)."""
        expires = 2 * self.duration  # the previous window still counts during the current one
        # DRF's ``cache`` is Django's proxy to the default cache: this thread's backend behind it.
        backend = caches[DEFAULT_CACHE_ALIAS] if isinstance(self.cache, ConnectionProxy) else self.cache
        if isinstance(backend, RedisCache):
            name = backend.make_and_validate_key(key)
            # Django's Redis cache has no counter in a hash; its client (shared pool) does.
            pipe = _redis_client(backend, name).pipeline(transaction=False)
            pipe.hincrby(name, window, delta)
            pipe.hget(name, window - 1)
            pipe.hdel(name, window - 2, window - 3)  # a hash holds at most two windows
            pipe.expire(name, expires)
            current, previous, _, _ = pipe.execute()
            return int(current), int(previous or 0)
        counts = backend.get(key) or {}
        current, previous = counts.get(window, 0) + delta, counts.get(window - 1, 0)
        backend.set(key, {window: current, window - 1: previous}, expires)
        return current, previous

    def wait(self) -> float | None:
        """Seconds until a request would be answered again (the ``Retry-After`` of a 429)."""
        if self.num_requests < 1:
            return None
        if self.current + 1 <= self.num_requests:
            # Room in this window once enough of the previous one has slid out.
            slid = 1 - (self.num_requests - self.current - 1) / self.previous
            return max(slid - self.fraction, 0) * self.duration
        # Next window: this one's count then slides out in turn.
        slid = max(1 - (self.num_requests - 1) / self.current, 0)
        return (1 - self.fraction + slid) * self.duration


def rate_limit_headers(response, rate: tuple[int, int] | None):
    """Report a counted request's window on its answer: ``X-RateLimit-Limit`` and ``-Remaining``."""
    if rate is not None:
        response["X-RateLimit-Limit"] = str(rate[0])
        response["X-RateLimit-Remaining"] = str(rate[1])
    return response


def _redis_client(backend: RedisCache, key: str):
    """The Redis client that writes ``key``, made once per cache backend (one per thread) and kept.

    Django's cache makes a client for every call. A new client's first command costs about
    0.3 ms more than the same pipeline on a kept one (its connection callbacks and listeners
    are set up again), on every API request. A kept client shares the backend's connection pool
    and reconnects through it as a fresh one would.
    """
    client = getattr(backend, "_rate_limit_client", None)
    if client is None:
        client = backend._cache.get_client(key, write=True)
        backend._rate_limit_client = client
    return client


def _session_user(request):
    """The signed-in user of a request that has not passed the session middlewares yet, or None."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user

    if not hasattr(request, "session"):
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is None:
            return None
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user = getattr(request, "user", None) or get_user(request)
    return user if user.is_authenticated else None


def rate_limit_count(request) -> tuple[int, int]:
    """Count a request refused before DRF sees it (a 413) in its client's window: (limit, remaining).

    The window is the one DRF's views use: the bearer token's, else the signed-in
    user's, else the client address's (a bad token counts there, as in the views).
    So the refusal reports the same ``X-RateLimit-*`` as any other answer.
    """
    from rest_framework.exceptions import AuthenticationFailed

    from integrations.api.authentication import TokenAuthentication

    try:
        authenticated = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        authenticated = None
    if authenticated is not None:
        request._api_token_for_throttle = authenticated[1]
    elif (user := _session_user(request)) is not None:
        request._api_user_for_throttle = user
    ApiRateThrottle().allow_request(request, None)
    return request._rate_limit
