"""Per-token (or per-user, or per-address) request rates, reported in X-RateLimit-* headers.

DRF's throttles count in the cache (Redis in production), so the count is
shared by every web process; it limits abuse and is not exact under races.
"""

import logging

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
        try:
            allowed = super().allow_request(request, view)
        except Exception as error:  # any cache outage (Redis down) must not fail requests
            # Fail open: an unavailable cache must not turn every API call into a 500 (a
            # scorecard must still go in while Redis is down). The limit is back with the cache.
            logger.warning("Rate limiting skipped: the cache is unavailable (%s).", type(error).__name__)
            request._rate_limit = (self.num_requests, self.num_requests)
            return True
        remaining = max(self.num_requests - len(self.history), 0)
        request._rate_limit = (self.num_requests, remaining)
        return allowed


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
