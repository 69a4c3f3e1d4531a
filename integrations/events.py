"""Record events in the transaction that causes them: the outbox webhooks are delivered from."""

from __future__ import annotations

from django.utils import timezone

from integrations.models import Event
from integrations.webhooks import deliveries_create_for_events


def event_emit(*, type: str, resource: dict) -> Event:
    """Record that ``resource`` (as the API shows it) changed; call inside the causing transaction.

    In the same transaction, a ``WebhookDelivery`` is created for every active
    subscription listening to ``type`` (``integrations.webhooks.deliveries_create_for_events``),
    and each is enqueued after commit. Rolled back with the change, so no event
    is ever sent for a change that did not happen. Costs one query beyond the
    insert when nobody subscribes; never waits for a receiver.
    """
    (event,) = events_emit(type=type, resources=[resource])
    return event


def events_emit(*, type: str, resources: list[dict]) -> list[Event]:
    """``event_emit`` for several resources at once: one event each, in order, in one insert.

    The same events and deliveries as emitting them one by one, in two queries
    beyond the insert's at most (the subscriptions, the deliveries) instead of
    two per event.
    """
    if not resources:
        return []
    now = timezone.now()
    events = Event.objects.bulk_create(
        [Event(type=type, occurred_at=now, resource=resource) for resource in resources]
    )
    deliveries_create_for_events(events)
    return events
