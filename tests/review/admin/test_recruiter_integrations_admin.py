"""Recruiters manage the integrations in the admin: they create and revoke tokens (as the README
says), add and pause webhook subscriptions and redeliver webhooks.

The recruiter group's permissions come from ``hiring.roles.RECRUITER_APP_LABELS``, which holds
``"integrations"``."""

import pytest
from django.urls import reverse

from hiring import roles
from integrations.models import IntegrationToken, WebhookSubscription
from tests.review.admin.conftest import registered_models

pytestmark = pytest.mark.django_db

INTEGRATION_MODELS = [model for model in registered_models() if model._meta.app_label == "integrations"]


@pytest.fixture
def recruiter_client(client, recruiter):
    """A staff recruiter holding exactly what the recruiter group gets after ``migrate``."""
    roles.groups_ensure()
    recruiter.is_staff = True
    recruiter.save(update_fields=["is_staff"])
    client.force_login(recruiter)
    return client


@pytest.mark.parametrize("model", INTEGRATION_MODELS, ids=[model._meta.label for model in INTEGRATION_MODELS])
def test_a_recruiter_opens_every_integrations_page(recruiter_client, make_rows, model):
    row = make_rows(model)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    assert recruiter_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert recruiter_client.get(reverse(f"{prefix}_change", args=[row.pk])).status_code == 200


def test_a_recruiter_creates_an_integration_token_and_sees_its_secret_once(recruiter_client, recruiter):
    response = recruiter_client.post(
        reverse("admin:integrations_integrationtoken_add"),
        {
            "name": "Greenhouse prod",
            "source": "greenhouse",
            "scopes": ["candidates:read"],
            "shared_sources": "",
        },
    )

    token = IntegrationToken.objects.get(name="Greenhouse prod")
    assert response.status_code == 200
    assert "Copy the secret now" in response.content.decode()
    assert token.created_by == recruiter


def test_a_recruiter_adds_a_webhook_subscription(recruiter_client, settings):
    from integrations.services import token_create

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    token, _ = token_create(name="Lever", source="lever", scopes=["decisions:read"])

    response = recruiter_client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        {
            "token": token.pk,
            "url": "http://127.0.0.1:8765/hook",
            "events": ["decision.recorded"],
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert WebhookSubscription.objects.get().secret in response.content.decode()


def test_the_admin_index_lists_integrations_for_a_recruiter(recruiter_client):
    html = recruiter_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:integrations_integrationtoken_changelist") in html
    assert reverse("admin:integrations_webhooksubscription_add") in html
