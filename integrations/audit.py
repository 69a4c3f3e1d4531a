"""The audit log: ``audit_record`` in the transaction of the action it records."""

from __future__ import annotations

from django.utils import timezone

from integrations.models import AuditEvent


def audit_record(*, actor, action: str, target=None, details: dict | None = None) -> AuditEvent:
    """Record that ``actor`` (a user, an integration principal, or None for the system) did ``action``.

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
