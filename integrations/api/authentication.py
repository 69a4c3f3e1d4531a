"""``Authorization: Bearer <token>`` for integration tokens."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from integrations.audit import audit_record
from integrations.identity import IntegrationUser
from integrations.services import token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        checked_at = timezone.now()
        token = token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        principal = IntegrationUser(token)
        if token.last_used_at is not None and token.last_used_at >= checked_at:
            # token_authenticate stamped last_used_at just now, which it does at most once a
            # minute per token: the audit log gets the token's use at the same rate, not per request.
            audit_record(
                actor=principal,
                action="token.used",
                # Paths come from clients: no NUL or control characters (PostgreSQL's JSON refuses NUL).
                details={
                    "method": request.method,
                    "path": "".join(char if char.isprintable() else "?" for char in request.path[:500]),
                },
            )
        return principal, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
