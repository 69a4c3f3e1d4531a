"""Sign-in throttling, and the audit trail of sign-ins and refused requests.

* **Throttling** is django-axes (settings ``AXES_*``) with ``LoginThrottleHandler``:
  failed sign-ins are counted in the cache per (username, client address) pair,
  locked at ``LOGIN_FAILURE_LIMIT``, and per client address over all usernames,
  locked at ``LOGIN_ADDRESS_FAILURE_LIMIT``. A locked pair or address gets 429 on
  the sign-in page and the admin's for ``LOGIN_COOLOFF_MINUTES`` from the failure
  that locked it, the same page whether the username exists or not.
* **Audit** (``integrations.audit``): ``auth.login``, ``auth.logout`` and
  ``auth.login_failed`` (the username tried, never the password) from Django's
  auth signals; ``auth.forbidden`` for every 403 and ``auth.token_rejected`` for a
  401 to a request that presented credentials (an API token is identified by its
  12-character prefix only), from ``FailedAuthorisationAuditMiddleware``. What
  needs no identity to provoke (401s, anonymous 403s, sign-ins refused during a
  lockout) is recorded once per client address and reason per
  ``AUDIT_REJECTION_WINDOW``, the row's ``count`` saying how many there were.

Sign-ins are audited from Django's auth signals because they are the one hook that
sees the sign-in page, the admin's sign-in and axes' refusals alike. The
receivers are connected when ``config.apps`` is ready.
"""

from __future__ import annotations

import hashlib
import logging

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache_timeout, get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

TOKEN_PREFIX_LENGTH = 12  # as stored in IntegrationToken.prefix: "dsk_" and 8 characters


def client_address(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one the nearest of ``TRUSTED_PROXY_COUNT`` proxies saw.

    Addresses a client writes into X-Forwarded-For itself are never trusted
    (the same rule as DRF's ``NUM_PROXIES``, which settings set alike).
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "")


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    A sign-in without a request (the shell, a management command, the test
    client's ``login()``) does not come from the network and is not throttled;
    axes would refuse it outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginThrottleHandler(AxesCacheHandler):
    """axes' cache handler, plus a count of failures per client address with its own limit.

    axes counts per (username, address) pair against ``AXES_FAILURE_LIMIT``; it
    has one limit for every count, so the much higher per-address limit
    (``LOGIN_ADDRESS_FAILURE_LIMIT``) is this second count. It is a fixed window:
    it starts at an address's first failure and lasts ``AXES_COOLOFF_TIME``; the
    failure that reaches the limit restarts it, so the address stays locked for
    the whole cool-off. Attempts refused during a lockout are not counted (as
    axes, with ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`` off), so they
    never extend it. A successful sign-in does not clear the address's count:
    one valid account must not let a sprayer start again.
    """

    ADDRESS_KEY_PREFIX = "login-failures-address:"

    @classmethod
    def address_key(cls, ip_address: str) -> str:
        return cls.ADDRESS_KEY_PREFIX + hashlib.sha256(ip_address.encode()).hexdigest()

    def address_failures(self, ip_address: str | None) -> int:
        return self.cache.get(self.address_key(ip_address or ""), default=0)

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return self.address_failures(request.axes_ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # Set by the backend when it refused this attempt because of a lockout: not a new failure.
        refused = request is not None and getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused or self.is_whitelisted(request, credentials):
            return
        key = self.address_key(request.axes_ip_address or "")
        timeout = get_cache_timeout(request)
        failures = 1
        if not self.cache.add(key, 1, timeout=timeout):
            try:
                failures = self.cache.incr(key)
            except ValueError:  # the window ended between add and incr
                self.cache.add(key, 1, timeout=timeout)
        if failures < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return
        self.cache.touch(key, timeout=timeout)
        if not request.axes_locked_out:
            logger.warning("Locking out a client address after %d failed sign-ins.", failures)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def reset_attempts(
        self, *, ip_address: str | None = None, username: str | None = None, ip_or_username: bool = False
    ) -> int:
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        if ip_address is not None:
            count += int(bool(self.cache.delete(self.address_key(ip_address))))
        return count


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The answer to a locked-out sign-in: the sign-in page, 429, and when to try again.

    It reads the same for a username that exists and one that does not.
    """
    from django.contrib.auth.forms import AuthenticationForm

    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request),
            "locked_out_minutes": max(1, seconds // 60),
            "next": request.POST.get("next", request.GET.get("next", "")),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


# Audit -----------------------------------------------------------------------


def printable(text: str, *, limit: int) -> str:
    """``text`` cut to ``limit`` characters, without NUL or other control characters.

    Paths and usernames come from clients; PostgreSQL's JSON refuses NUL.
    """
    return "".join(char if char.isprintable() else "?" for char in text[:limit])


def _audit(*, actor, action: str, details: dict, repeated_key: str | None = None) -> None:
    """Record ``action``; with ``repeated_key``, once per key per ``AUDIT_REJECTION_WINDOW`` (counted)."""
    from django.db import transaction

    from integrations.audit import audit_record, audit_record_repeated

    # A savepoint: a failed audit write must not break a transaction around the request.
    with transaction.atomic():
        if repeated_key is None:
            audit_record(actor=actor, action=action, details=details)
        else:
            audit_record_repeated(
                action=action, key=repeated_key, details=details, window=settings.AUDIT_REJECTION_WINDOW
            )


@receiver(auth_signals.user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    _audit(actor=user, action="auth.login", details={"ip_address": _address(request)})


@receiver(auth_signals.user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        _audit(actor=user, action="auth.logout", details={"ip_address": _address(request)})


@receiver(auth_signals.user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; only the username is kept.
    username = printable(str(credentials.get("username") or ""), limit=150)
    address = _address(request)
    # Set by axes' receiver, which runs first: this attempt was refused or hit the limit.
    locked_out = bool(getattr(request, "axes_locked_out", False))
    # Refused during a lockout: axes counted nothing. These cost nothing to send, so they are
    # aggregated per address (the row keeps the first username tried); real failures are
    # bounded by LOGIN_ADDRESS_FAILURE_LIMIT and each keep their own row.
    refused = locked_out and getattr(request, "axes_failures_since_start", None) is None
    _audit(
        actor=None,
        action="auth.login_failed",
        details={"username": username, "ip_address": address, "locked_out": locked_out},
        repeated_key=f"{address}\nlocked_out" if refused else None,
    )


def _address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None and hasattr(request, "META") else ""


def _token_prefix(request: HttpRequest) -> str:
    """The presented API token's public prefix, or "" when it is not one of ours (never the secret)."""
    from integrations.services import TOKEN_PREFIX

    scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential.startswith(TOKEN_PREFIX):
        return credential[:TOKEN_PREFIX_LENGTH]
    return ""


class FailedAuthorisationAuditMiddleware:
    """Audits refused requests: every 403 (``auth.forbidden``), and 401s to presented credentials.

    A 401 to a request with no credentials at all (an anonymous probe) is not
    recorded: it carries no identity to record. Details hold the method, path,
    the API's error code when there is one, the client address and, for
    tokens, the token's prefix. A refusal without a signed-in user or valid
    token is aggregated: one row per client address and code per
    ``AUDIT_REJECTION_WINDOW`` with the first request's details and a ``count``.
    An audit write that fails is logged and the answer goes out unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 or (
            response.status_code == 401 and "HTTP_AUTHORIZATION" in request.META
        ):
            try:
                self._record(request, response)
            except Exception:
                logger.exception("Could not audit a refused request to %s.", request.path)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse) -> None:
        data = getattr(response, "data", None)
        code = data.get("code") if isinstance(data, dict) else None
        details = {
            "method": request.method,
            "path": printable(request.path, limit=500),
            "status": response.status_code,
            "code": str(code or ("not_authenticated" if response.status_code == 401 else "forbidden")),
            "ip_address": client_address(request),
        }
        prefix = _token_prefix(request)
        if prefix:
            details["token_prefix"] = prefix
        user = getattr(request, "user", None)
        actor = user if response.status_code == 403 and user is not None and user.is_authenticated else None
        action = "auth.forbidden" if response.status_code == 403 else "auth.token_rejected"
        # Without an identity anyone can send these at will: one row per address and reason per
        # window, counting the rest. Refusals of a signed-in user or valid token keep a row each.
        repeated_key = f"{details['ip_address']}\n{details['code']}" if actor is None else None
        _audit(actor=actor, action=action, details=details, repeated_key=repeated_key)
