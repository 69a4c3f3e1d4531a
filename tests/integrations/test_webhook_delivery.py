"""Webhook fan-out and delivery end to end, against a real HTTP receiver on 127.0.0.1."""

import json
import socket
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction

from integrations import webhooks
from integrations.events import event_emit
from integrations.models import Event, WebhookDelivery, WebhookDeliveryAttempt
from integrations.services import token_revoke
from integrations.tasks import webhook_deliver, webhook_deliveries_sweep
from integrations.webhooks import RETRY_DELAYS, signature_verify, webhook_subscription_update
from tests.integrations.conftest import SCORECARD

pytestmark = pytest.mark.django_db


def test_a_submitted_scorecard_arrives_signed_with_the_event_as_body(receiver, subscribe, emit):
    subscription, secret = subscribe(["scorecard.submitted"])

    event = emit("scorecard.submitted", SCORECARD)

    [request] = receiver.requests
    headers = request["headers"]
    assert request["path"] == "/hooks/scorecards?tenant=acme"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Scorecards-Event-Id"] == str(event.id)
    assert headers["X-Scorecards-Event-Type"] == "scorecard.submitted"
    assert signature_verify(secret, headers["X-Scorecards-Signature"], request["body"])
    body = json.loads(request["body"])
    assert body == {
        "id": str(event.id),
        "type": "scorecard.submitted",
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "resource": SCORECARD,
    }
    assert body["occurred_at"].endswith("Z")
    delivery = WebhookDelivery.objects.get(event=event, subscription=subscription)
    assert delivery.status == "succeeded"
    assert delivery.finished_at is not None
    [attempt] = delivery.attempts.all()
    assert attempt.status_code == 200
    assert attempt.error == ""
    assert attempt.duration_ms >= 0


def test_event_emit_costs_one_query_beyond_its_insert_when_nobody_subscribes(
    django_assert_num_queries, integration_token
):
    with transaction.atomic(), django_assert_num_queries(2):
        event_emit(type="decision.recorded", resource={"id": 1})

    assert not WebhookDelivery.objects.exists()


def test_only_active_subscriptions_of_live_tokens_listening_to_the_type_get_a_delivery(
    receiver, subscribe, emit
):
    from integrations.services import token_create

    listening, _ = subscribe(["scorecard.submitted", "decision.recorded"])
    subscribe(["shortlist.ready"])
    paused, _ = subscribe(["scorecard.submitted"])
    webhook_subscription_update(subscription=paused, is_active=False)
    revoked_token, _ = token_create(name="Old", source="lever", scopes=["webhooks:manage", "scorecards:read"])
    subscribe(["scorecard.submitted"], token=revoked_token)
    token_revoke(token=revoked_token)

    event = emit("scorecard.submitted")

    assert list(WebhookDelivery.objects.filter(event=event).values_list("subscription", flat=True)) == [
        listening.pk
    ]
    assert len(receiver.requests) == 1


def test_a_rolled_back_change_records_no_event_and_sends_nothing(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(["scorecard.submitted"])

    def failing_change():
        with transaction.atomic():
            event_emit(type="scorecard.submitted", resource=SCORECARD)
            raise RuntimeError("the scorecard did not save")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        failing_change()

    assert callbacks == []
    assert not Event.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_a_receiver_answering_500_is_retried_with_backoff_and_each_attempt_is_logged(
    receiver, subscribe, emit, clock
):
    subscribe()
    receiver.status = 500
    start = clock.now

    with mock.patch.object(webhook_deliver, "apply_async", wraps=webhook_deliver.apply_async) as enqueue:
        event = emit()

    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "pending"
    assert delivery.attempt_count == 1
    assert delivery.next_attempt_at == start + timedelta(minutes=1)
    # The retry is both saved (for the sweep) and sent as a delayed message.
    assert enqueue.call_args_list[-1] == mock.call(args=[delivery.pk], countdown=60.0)

    # Not due yet: a message arriving early (eager mode runs countdowns at once) sends nothing.
    assert webhook_deliver(delivery.pk) == "not_due"
    assert len(receiver.requests) == 1

    clock.advance(timedelta(minutes=1))
    assert webhook_deliver(delivery.pk) == "retry"

    delivery.refresh_from_db()
    assert delivery.attempt_count == 2
    assert delivery.next_attempt_at == clock.now + timedelta(minutes=5)
    attempts = list(delivery.attempts.values_list("number", "status_code", "error"))
    assert attempts == [
        (1, 500, "Answered HTTP 500; 2xx expected."),
        (2, 500, "Answered HTTP 500; 2xx expected."),
    ]
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_after_the_eighth_failed_attempt_over_about_a_day_the_delivery_is_failed(
    receiver, subscribe, emit, clock
):
    subscribe()
    receiver.status = 503
    start = clock.now
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    for delay in RETRY_DELAYS:
        clock.advance(delay)
        webhook_deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempt_count == 8
    assert delivery.next_attempt_at is None
    assert delivery.finished_at == clock.now
    assert timedelta(hours=22) < clock.now - start < timedelta(hours=23)
    assert list(delivery.attempts.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert len(receiver.requests) == 8
    clock.advance(timedelta(days=1))
    assert webhook_deliver(delivery.pk) == "not_due"
    assert webhook_deliveries_sweep() == 0
    assert len(receiver.requests) == 8


def test_retries_longer_than_the_brokers_visibility_timeout_are_left_to_the_sweep(
    receiver, subscribe, emit, clock, settings
):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    subscribe()
    receiver.status = 500
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)
    for delay in RETRY_DELAYS[:3]:  # attempts 2-4, after 1, 5 and 15 minutes
        clock.advance(delay)
        webhook_deliver(delivery.pk)

    with mock.patch.object(webhook_deliver, "apply_async", wraps=webhook_deliver.apply_async) as enqueue:
        clock.advance(RETRY_DELAYS[3])
        webhook_deliver(delivery.pk)  # attempt 5 fails; the next waits 3 hours

    enqueue.assert_not_called()
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.now + timedelta(hours=3)
    receiver.status = 200
    clock.advance(timedelta(hours=3) + webhooks.SWEEP_GRACE)
    assert webhook_deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 6


def test_a_success_after_failures_ends_the_retries(receiver, subscribe, emit, clock):
    subscribe()
    receiver.statuses = [500, 502]
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    for delay in RETRY_DELAYS[:2]:
        clock.advance(delay)
        webhook_deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 502, 200]


def test_the_sweep_sends_a_due_delivery_whose_message_was_lost(receiver, subscribe, emit, clock):
    subscribe()
    event = emit(send=False)  # the broker was down at commit
    delivery = WebhookDelivery.objects.get(event=event)
    assert receiver.requests == []

    # Within its grace the delivery's own message may still come: the sweep leaves it.
    assert webhook_deliveries_sweep() == 0
    clock.advance(timedelta(minutes=2))
    assert webhook_deliveries_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert len(receiver.requests) == 1
    assert webhook_deliveries_sweep() == 0


def test_a_duplicate_message_sends_nothing_twice(receiver, subscribe, emit):
    subscribe()
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    assert webhook_deliver(delivery.pk) == "not_due"
    assert webhook_deliver(delivery.pk + 1000) == "not_due"  # gone: a no-op

    assert len(receiver.requests) == 1
    assert delivery.attempts.count() == 1


def test_a_delivery_whose_sender_died_is_sent_again_after_its_lease(receiver, subscribe, emit, clock):
    subscribe()
    event = emit(send=False)
    delivery = WebhookDelivery.objects.get(event=event)
    # A worker claimed it, then died before recording anything.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempt_count=1, next_attempt_at=clock.now + webhooks.SEND_LEASE
    )

    assert webhook_deliver(delivery.pk) == "not_due"
    clock.advance(webhooks.SEND_LEASE + webhooks.SWEEP_GRACE)
    assert webhook_deliveries_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 2
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(receiver, subscribe, emit):
    subscribe()
    receiver.status = 302

    event = emit()

    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "pending"
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [302]
    assert len(receiver.requests) == 1


def test_a_subscription_paused_before_sending_gets_nothing(receiver, subscribe, emit):
    subscription, _ = subscribe()
    event = emit(send=False)
    webhook_subscription_update(subscription=subscription, is_active=False)

    assert webhook_deliver(WebhookDelivery.objects.get(event=event).pk) == "failed"

    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "failed"
    assert delivery.attempts.get().error == "Not sent: the subscription is inactive or its token revoked."
    assert receiver.requests == []


def test_a_host_that_now_resolves_to_a_private_address_is_refused_before_connecting(
    receiver, subscribe, emit, settings
):
    subscription, _ = subscribe()
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))]
    with mock.patch("integrations.webhooks.socket.getaddrinfo", return_value=public):
        webhook_subscription_update(subscription=subscription, url="http://hooks.example.com/in")
    # DNS changed after the subscription was checked: the name now points inside the network.
    private = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80))]

    with mock.patch("integrations.webhooks.socket.getaddrinfo", return_value=private) as resolve:
        event = emit()

    resolve.assert_called_once_with("hooks.example.com", 80, type=socket.SOCK_STREAM)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "pending"
    attempt = delivery.attempts.get()
    assert attempt.status_code is None
    assert attempt.error == (
        "Not sent: This URL cannot receive webhooks: it resolves to 10.0.0.5, which is not a public address."
    )
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host_header(receiver, subscribe, emit):
    subscription, _ = subscribe()
    port = int(receiver.url.split(":")[2].split("/")[0])
    resolved = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with mock.patch("integrations.webhooks.socket.getaddrinfo", return_value=resolved):
        webhook_subscription_update(
            subscription=subscription, url=receiver.url.replace("127.0.0.1", "hooks.example.com")
        )
        event = emit()

    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{port}"
    assert WebhookDelivery.objects.get(event=event).status == "succeeded"


def test_connection_errors_are_logged_in_plain_words_without_the_url(subscribe, emit, receiver):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    subscribe(url=f"http://127.0.0.1:{port}/in?api_key=sk_live_secret")

    event = emit()

    attempt = WebhookDeliveryAttempt.objects.get(delivery__event=event)
    assert attempt.error == "Connection refused or unreachable."
    assert attempt.status_code is None


def test_a_receiver_slower_than_the_read_timeout_is_a_failed_attempt(receiver, subscribe, emit, monkeypatch):
    monkeypatch.setattr(webhooks, "READ_TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    subscribe()

    event = emit()

    attempt = WebhookDeliveryAttempt.objects.get(delivery__event=event)
    assert attempt.error == "No answer within 0.2 s."
    assert attempt.status_code is None
    assert 150 <= attempt.duration_ms < 1000
    assert WebhookDelivery.objects.get(event=event).status == "pending"


def test_the_delivery_task_is_registered_for_autodiscovery_and_the_sweep_runs_every_minute(settings):
    from config.celery import app

    app.loader.import_default_modules()

    assert {"integrations.webhook_deliver", "integrations.webhook_deliveries_sweep"} <= set(app.tasks)
    entry = app.conf.beat_schedule["webhook-deliveries-sweep"]
    assert entry["task"] == "integrations.webhook_deliveries_sweep"
    assert entry["schedule"] == timedelta(minutes=1)
    assert entry["options"]["expires"] == 60


def test_a_token_that_loses_the_read_scope_hears_nothing_more(receiver, subscribe, emit, integration_token):
    # Subscribed while it could read scorecards; a recruiter then narrows the token in the admin.
    subscription, _ = subscribe(["scorecard.submitted"])
    pending = emit("scorecard.submitted", send=False)  # recorded, not yet sent
    integration_token.scopes = ["webhooks:manage"]
    integration_token.save(update_fields=["scopes"])

    later = emit("scorecard.submitted")
    [delivery] = WebhookDelivery.objects.filter(event=pending)
    outcome = webhooks.delivery_attempt(delivery_id=delivery.pk)

    assert not WebhookDelivery.objects.filter(event=later).exists()  # no delivery is even created
    assert outcome == "failed"
    [attempt] = WebhookDelivery.objects.get(pk=delivery.pk).attempts.all()
    assert attempt.status_code is None
    assert "scorecards:read" in attempt.error
    assert receiver.requests == []
    assert subscription.pk == delivery.subscription_id
