"""A webhook delivered by a real Celery worker on the real Redis broker."""

import json

import pytest
from django.db import transaction

from integrations.events import event_emit
from integrations.models import WebhookDelivery
from integrations.tasks import webhook_deliver
from integrations.webhooks import signature_verify
from tests.conftest import wait_for
from tests.integrations.conftest import SCORECARD

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_a_committed_event_signed_and_only_once(celery_worker, receiver, subscribe):
    _, secret = subscribe(["scorecard.submitted"])

    with transaction.atomic():
        event = event_emit(type="scorecard.submitted", resource=SCORECARD)

    delivery = wait_for(lambda: WebhookDelivery.objects.filter(event=event, status="succeeded").first())
    [request] = receiver.requests
    assert signature_verify(secret, request["headers"]["X-Scorecards-Signature"], request["body"])
    assert json.loads(request["body"])["id"] == str(event.id)
    # The broker redelivers a message: the claim makes it a no-op.
    assert webhook_deliver.apply_async(args=[delivery.pk]).get(timeout=20) == "not_due"
    assert len(receiver.requests) == 1
    assert delivery.attempts.count() == 1
