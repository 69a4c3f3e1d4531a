"""Integration tokens: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from config.errors import ApplicationError
from integrations.audit import audit_record
from integrations.models import IntegrationToken
from integrations.scopes import ALL_SCOPES

TOKEN_PREFIX = "dsk_"  # noqa: S105 - a public marker, not a secret
# last_used_at is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
SOURCE_NAME = re.compile(r"[-a-zA-Z0-9_]{1,64}")  # what the token's own SlugField accepts


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, name: str, source: str, scopes: list[str], shared_sources: list[str] = (), created_by=None
) -> tuple[IntegrationToken, str]:
    """Create a token; returns it and its secret, which is never stored and cannot be shown again.

    ``shared_sources`` are other sources whose records it may also write (see
    ``IntegrationToken.writes_source``). Raises ``ApplicationError("unknown_scope")``
    for a scope that does not exist.
    """
    unknown = sorted(set(scopes) - ALL_SCOPES)
    if unknown:
        raise ApplicationError(
            "unknown_scope", f"Unknown scope(s): {', '.join(unknown)}.", field="scopes", status_code=400
        )
    if not scopes:
        raise ApplicationError("no_scopes", "A token needs at least one scope.", field="scopes")
    bad = sorted(name for name in shared_sources if not SOURCE_NAME.fullmatch(str(name)))
    if bad:
        raise ApplicationError(
            "invalid_source", f"Not a source name: {', '.join(map(str, bad))}.", field="shared_sources"
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=name,
        source=source,
        prefix=raw[:12],
        token_hash=token_hash(raw),
        scopes=sorted(set(scopes)),
        shared_sources=sorted(set(shared_sources) - {source}),
        created_by=created_by,
    )
    token.full_clean(exclude=["token_hash", "prefix"])
    with transaction.atomic():
        token.save()
        audit_record(
            actor=created_by,
            action="token.created",
            target=token,
            details={"scopes": token.scopes, "shared_sources": token.shared_sources},
        )
    return token, raw


def token_revoke(*, token: IntegrationToken, actor=None) -> IntegrationToken:
    """Revoke a token; requests with it get 401 from then on. Revoking twice changes nothing. Audited."""
    with transaction.atomic():
        revoked = IntegrationToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(actor=actor, action="token.revoked", target=token)
    token.refresh_from_db()
    return token


def token_authenticate(*, raw: str) -> IntegrationToken | None:
    """The active token with this secret, or None; records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = IntegrationToken.objects.filter(token_hash=token_hash(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
