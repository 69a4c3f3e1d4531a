"""Record events in the transaction that causes them: the outbox webhooks are delivered from."""

from __future__ import annotations

from django.utils import timezone

from integrations.models import Event


def event_emit(*, type: str, resource: dict) -> Event:
    """Record that ``resource`` (as the API shows it) changed; call inside the causing transaction.

    Rolled back with it, so no event is ever sent for a change that did not
    happen. Fan-out to webhook subscriptions happens in
    ``integrations.webhooks`` (``deliveries_create_for``), after commit.
    """
    return Event.objects.create(type=type, occurred_at=timezone.now(), resource=resource)
