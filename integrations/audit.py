"""The audit log: ``audit_record`` in the transaction of the action it records.

``audit_record_repeated`` aggregates what anyone can provoke without credentials,
so a flood of refused requests adds a bounded number of rows.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from integrations.models import AuditEvent

logger = logging.getLogger(__name__)

OPEN_ROW_KEY_PREFIX = "audit-open-row:"


def audit_record(*, actor, action: str, target=None, details: dict | None = None) -> AuditEvent:
    """Record that ``actor`` (a user, an integration principal, or None for the system) did ``action``.

    Any other actor with an ``audit_label`` (a partner key) is recorded by that label.

    ``target`` is a model instance (its type and pk are kept) or None. Call it
    inside the action's transaction, so the log never claims what was rolled back.
    """
    token = getattr(actor, "token", None)
    user = (
        actor if token is None and actor is not None and getattr(actor, "is_authenticated", False) else None
    )
    if token is not None:
        label = f"token {token.prefix}… ({token.name})"
    elif user is not None:
        label = f"user {user.get_username()}"
    elif getattr(actor, "audit_label", None):
        label = actor.audit_label  # another kind of credential, e.g. an assessment partner's key
    else:
        label = "system"
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        action=action,
        actor_user=user,
        actor_token=token,
        actor_label=label[:200],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )


def audit_record_repeated(*, action: str, key: str, details: dict, window: timedelta) -> AuditEvent | None:
    """Record an actor-less ``action`` at most once per ``key`` per ``window``; repeats add to its ``count``.

    The first call for ``key`` (e.g. a client address and a reason) is recorded
    at once with ``details`` and returned; later calls within ``window`` of it
    increment that row's ``count`` and return None. The open row's id and time
    are kept in the cache under a hash of ``action`` and ``key``, expiring with
    the window.

    Every call is counted in exactly one row. Two first calls at the same moment
    may each open a row; a rolled-back row, or a cache that cannot be read, just
    means a new row: the bound is loose, but nothing goes uncounted.
    """
    cache_key = OPEN_ROW_KEY_PREFIX + hashlib.sha256(f"{action}\n{key}".encode()).hexdigest()
    try:
        open_row = cache.get(cache_key)
    except Exception as error:  # a cache outage costs rows, never the record
        logger.warning("Audit aggregation skipped: the cache is unavailable (%s).", type(error).__name__)
        open_row = None
    if isinstance(open_row, tuple) and len(open_row) == 2:  # anything else is not ours: a new row
        pk, occurred_at = open_row
        # Matched on its time too: after a restore or a sequence reset, the id alone may be another row's.
        if AuditEvent.objects.filter(pk=pk, action=action, occurred_at=occurred_at).update(
            count=F("count") + 1
        ):
            return None
    event = audit_record(actor=None, action=action, details=details)
    try:
        cache.set(cache_key, (event.pk, event.occurred_at), timeout=max(1, int(window.total_seconds())))
    except Exception as error:
        logger.warning("Audit aggregation skipped: the cache is unavailable (%s).", type(error).__name__)
    return event
