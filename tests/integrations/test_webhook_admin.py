"""Webhooks in the admin: subscriptions without their secret, deliveries with attempts, redelivery."""

import pytest
from django.urls import reverse

from integrations.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_the_subscription_pages_never_show_the_secret(admin_client, subscribe):
    subscription, secret = subscribe()

    listing = admin_client.get(reverse("admin:integrations_webhooksubscription_changelist"))
    page = admin_client.get(reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]))

    assert listing.status_code == 200
    assert page.status_code == 200
    assert subscription.url in listing.content.decode()
    assert secret not in listing.content.decode()
    assert secret not in page.content.decode()


def test_pausing_a_subscription_in_the_admin_keeps_its_url_and_secret(admin_client, subscribe):
    subscription, secret = subscribe()

    response = admin_client.post(
        reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]), {"is_active": ""}
    )

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert subscription.secret == secret


def test_a_delivery_page_shows_its_attempts_and_the_list_filters_by_status(
    admin_client, subscribe, emit, receiver
):
    subscribe()
    receiver.statuses = [503]
    emit()
    delivery = WebhookDelivery.objects.get()

    page = admin_client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]))
    pending = admin_client.get(
        reverse("admin:integrations_webhookdelivery_changelist") + "?status__exact=pending"
    )
    failed = admin_client.get(
        reverse("admin:integrations_webhookdelivery_changelist") + "?status__exact=failed"
    )

    assert "Answered HTTP 503; 2xx expected." in page.content.decode()
    assert pending.context["cl"].result_count == 1
    assert failed.context["cl"].result_count == 0


def test_redeliver_from_the_admin_resets_the_delivery_and_sends_it(
    admin_client, subscribe, emit, receiver, django_capture_on_commit_callbacks
):
    subscribe()
    receiver.status = 500
    emit()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempt_count=8, next_attempt_at=None
    )
    receiver.status = 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:integrations_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
            follow=True,
        )

    assert "Queued 1 deliveries again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 1
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 200]
    assert len(receiver.requests) == 2
