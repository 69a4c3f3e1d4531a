"""A webhook receiver that is slow or down never holds up the request that caused the event.

Celery is not eager here: a real worker (on a private Redis) sends the
deliveries, so the API answers as soon as the scorecard commits.
"""

import pytest
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.services import token_create
from integrations.webhooks import webhook_subscription_create
from tests.conftest import wait_for
from tests.faults.conftest import elapsed, free_port
from tests.integrations.conftest import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RECEIVER_SECONDS = 4.0
REQUEST_BOUND_SECONDS = 2.0
BODY = {
    "recommendation": "yes",
    "ratings": {
        "software_engineering": {"level": 4},
        "statistics_experimentation": {"level": 3},
        "communication": {"not_assessed": True},
    },
}


@pytest.fixture
def worker(celery_on, celery_worker):
    """A real worker thread consuming from the private Redis (``celery_on`` is set up first)."""
    return celery_worker


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Receiver() as running:
        yield running


def subscribe(url: str) -> None:
    token, _ = token_create(
        name="Greenhouse hooks", source="greenhouse", scopes=["webhooks:manage", "scorecards:read"]
    )
    webhook_subscription_create(token=token, url=url, events=["scorecard.submitted"])


def test_a_submit_answers_before_a_slow_receiver_has_answered_and_the_delivery_still_succeeds(
    worker, receiver, rubric_version, interview, interviewer, token_client
):
    receiver.delay = RECEIVER_SECONDS
    subscribe(receiver.url)
    ats = token_client(["scorecards:write"])

    response, seconds = elapsed(
        lambda: ats.post(
            f"/api/v1/interviews/{interview.pk}/scorecards/",
            {**BODY, "interviewer": {"email": interviewer.email}},
            format="json",
        )
    )

    assert response.status_code == 201
    assert seconds < REQUEST_BOUND_SECONDS < RECEIVER_SECONDS
    assert not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).exists()
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).first(), timeout=30
    )
    assert delivery.attempt_count == 1
    assert len(receiver.requests) == 1


def test_a_submit_answers_quickly_when_the_receiver_is_down_and_the_delivery_is_retried_later(
    worker, settings, rubric_version, interview, interviewer, token_client
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    subscribe(f"http://127.0.0.1:{free_port()}/hooks")  # nothing listens there
    ats = token_client(["scorecards:write"])

    response, seconds = elapsed(
        lambda: ats.post(
            f"/api/v1/interviews/{interview.pk}/scorecards/",
            {**BODY, "interviewer": {"email": interviewer.email}},
            format="json",
        )
    )

    assert response.status_code == 201
    assert seconds < REQUEST_BOUND_SECONDS
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            attempt_count=1, status=WebhookDelivery.Status.PENDING
        ).first(),
        timeout=30,
    )
    # The first retry waits a minute (RETRY_DELAYS), it does not hammer the receiver.
    wait = delivery.next_attempt_at - timezone.now()
    assert 40 < wait.total_seconds() <= 60
    [attempt] = delivery.attempts.all()
    assert attempt.status_code is None
    assert attempt.error
