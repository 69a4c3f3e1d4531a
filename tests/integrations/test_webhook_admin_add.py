"""Adding a webhook subscription in the admin: checked as the API checks one, the secret shown once."""

import pytest
from django.urls import reverse

from integrations.models import AuditEvent, WebhookSubscription
from integrations.services import token_create

pytestmark = pytest.mark.django_db

ADD = reverse("admin:integrations_webhooksubscription_add")
LIST = reverse("admin:integrations_webhooksubscription_changelist")


def add(client, token, url, events=("scorecard.submitted",)):
    return client.post(ADD, {"token": token.pk, "url": url, "events": list(events), "is_active": "on"})


def test_the_subscription_list_has_an_add_link(admin_client):
    assert f'href="{ADD}"' in admin_client.get(LIST).content.decode()


def test_adding_a_subscription_shows_its_signing_secret_once(admin_client, receiver, integration_token):
    events = ("scorecard.submitted", "decision.recorded")

    response = add(admin_client, integration_token, receiver.url, events)
    subscription = WebhookSubscription.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert subscription.secret in html
    assert (subscription.token, subscription.url) == (integration_token, receiver.url)
    assert subscription.events == ["decision.recorded", "scorecard.submitted"]
    assert AuditEvent.objects.filter(action="webhook.created", actor_user__username="admin").exists()
    page = admin_client.get(reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]))
    assert subscription.secret not in page.content.decode()
    assert subscription.secret not in admin_client.get(LIST).content.decode()


def test_a_url_the_webhooks_refuse_is_an_error_at_the_url_field(admin_client, integration_token):
    response = add(admin_client, integration_token, "http://127.0.0.1:9/hook")

    assert response.status_code == 200
    assert "This URL cannot receive webhooks" in " ".join(response.context["adminform"].form.errors["url"])
    assert not WebhookSubscription.objects.exists()


def test_events_the_token_cannot_read_are_refused(admin_client, receiver):
    token, _ = token_create(name="Reads candidates", source="lever", scopes=["candidates:read"])

    response = add(admin_client, token, receiver.url, ("scorecard.submitted",))

    errors = response.context["adminform"].form.errors["events"]
    assert "scorecard.submitted needs scorecards:read" in " ".join(errors)
    assert not WebhookSubscription.objects.exists()


def test_revoked_tokens_are_not_offered(admin_client, integration_token):
    from integrations.services import token_revoke

    token_revoke(token=integration_token)

    form = admin_client.get(ADD).context["adminform"].form

    assert integration_token not in form.fields["token"].queryset
