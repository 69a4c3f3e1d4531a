"""The completion callback: a PATCH to the URL Greenhouse gave, guarded, retried and recorded."""

import base64
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from takehomes.models import PartnerCallback, PartnerCallbackAttempt, PartnerTestOrder, TakeHome
from takehomes.partners.callbacks import (
    partner_callback_attempt,
    partner_callback_create_for,
    partner_callbacks_sweep,
)
from takehomes.partners.services import partner_key_revoke
from tests.takehomes.partners.conftest import order

pytestmark = pytest.mark.django_db


@pytest.fixture
def ordered(greenhouse, ds_exercise, completion_receiver, django_capture_on_commit_callbacks):
    """A take-home Greenhouse ordered, its completion URL on the live receiver."""
    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.post("send_test", order(ds_exercise.pk, url=completion_receiver.url))
    assert response.status_code == 200
    return PartnerTestOrder.objects.get()


def graded(order_row, capture):
    """What grading does for the ATS: the callback queued in the grade's transaction, sent on commit."""
    with capture(execute=True), transaction.atomic():
        TakeHome.objects.filter(pk=order_row.take_home_id).update(status=TakeHome.Status.GRADED)
        partner_callback_create_for(order_row.take_home)
    return PartnerCallback.objects.get(order=order_row)


def test_grading_patches_the_url_greenhouse_gave_with_the_key_in_basic_auth(
    ordered, greenhouse, completion_receiver, django_capture_on_commit_callbacks
):
    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert callback.status == PartnerCallback.Status.SUCCEEDED
    (request,) = completion_receiver.requests
    assert request["method"] == "PATCH"
    assert request["path"] == "/integrations/testing_partners/take_home_tests/12345"
    assert (
        request["headers"]["Authorization"]
        == "Basic " + base64.b64encode(f"{greenhouse.secret}:".encode()).decode()
    )
    assert request["body"] == b""
    (attempt,) = callback.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")


def test_grading_twice_sends_one_callback(ordered, completion_receiver, django_capture_on_commit_callbacks):
    graded(ordered, django_capture_on_commit_callbacks)
    graded(ordered, django_capture_on_commit_callbacks)

    assert PartnerCallback.objects.count() == 1
    assert len(completion_receiver.requests) == 1


def test_a_failed_callback_is_retried_on_the_webhook_schedule_and_every_attempt_is_recorded(
    ordered, greenhouse, completion_receiver, django_capture_on_commit_callbacks
):
    completion_receiver.statuses = [503]

    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert callback.status == PartnerCallback.Status.PENDING
    assert timedelta(seconds=50) < callback.next_attempt_at - timezone.now() <= timedelta(minutes=1)
    # Nothing is lost meanwhile: Greenhouse's hourly poll still reads the state.
    poll = greenhouse.get("test_status", partner_interview_id=ordered.partner_interview_id)
    assert poll.json()["partner_status"] == "complete"

    PartnerCallback.objects.filter(pk=callback.pk).update(next_attempt_at=timezone.now())
    assert partner_callback_attempt(callback_id=callback.pk) == "succeeded"

    attempts = list(
        PartnerCallbackAttempt.objects.filter(callback=callback).values_list("number", "status_code", "error")
    )
    assert attempts == [(1, 503, "Answered HTTP 503; 2xx expected."), (2, 200, "")]
    assert len(completion_receiver.requests) == 2


def test_a_callback_running_twice_sends_once(
    ordered, completion_receiver, django_capture_on_commit_callbacks
):
    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert partner_callback_attempt(callback_id=callback.pk) == "not_due"
    assert len(completion_receiver.requests) == 1


def test_a_private_address_is_refused_without_connecting(
    ordered, settings, completion_receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert completion_receiver.requests == []
    (attempt,) = callback.attempts.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("Not sent: This URL cannot receive webhooks: it resolves to 127.0.0.1")


def test_a_metadata_address_is_refused_even_when_allowed(
    greenhouse, ds_exercise, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["0.0.0.0/0"]
    with django_capture_on_commit_callbacks(execute=True):
        greenhouse.post("send_test", order(ds_exercise.pk, url="http://169.254.169.254/latest/meta-data/"))

    callback = graded(PartnerTestOrder.objects.get(), django_capture_on_commit_callbacks)

    assert "cloud metadata" in callback.attempts.get().error


def test_a_revoked_key_is_never_presented_again(
    ordered, greenhouse, completion_receiver, django_capture_on_commit_callbacks
):
    partner_key_revoke(key=greenhouse.key)

    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert callback.status == PartnerCallback.Status.FAILED
    assert completion_receiver.requests == []
    assert callback.attempts.get().error == "Not sent: the partner key is revoked."


def test_the_eighth_failure_fails_the_callback_for_good(
    ordered, completion_receiver, django_capture_on_commit_callbacks
):
    completion_receiver.statuses = [500] * 8
    callback = graded(ordered, django_capture_on_commit_callbacks)
    for _ in range(7):
        PartnerCallback.objects.filter(pk=callback.pk).update(next_attempt_at=timezone.now())
        partner_callback_attempt(callback_id=callback.pk)

    callback.refresh_from_db()
    assert callback.status == PartnerCallback.Status.FAILED
    assert callback.attempts.count() == 8
    assert partner_callback_attempt(callback_id=callback.pk) == "not_due"


def test_the_sweep_sends_a_callback_whose_message_was_lost(
    ordered, completion_receiver, django_capture_on_commit_callbacks
):
    with transaction.atomic():  # no on-commit execution: the message is "lost"
        TakeHome.objects.filter(pk=ordered.take_home_id).update(status=TakeHome.Status.GRADED)
        callback = partner_callback_create_for(ordered.take_home)
    PartnerCallback.objects.filter(pk=callback.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )

    assert partner_callbacks_sweep() == 1

    callback.refresh_from_db()
    assert callback.status == PartnerCallback.Status.SUCCEEDED


def test_an_order_without_a_callback_url_gets_no_callback(
    greenhouse, ds_exercise, django_capture_on_commit_callbacks
):
    body = order(ds_exercise.pk)
    body.pop("url")
    with django_capture_on_commit_callbacks(execute=True):
        greenhouse.post("send_test", body)

    with transaction.atomic():
        assert partner_callback_create_for(PartnerTestOrder.objects.get().take_home) is None


def test_after_a_rotation_the_callback_presents_the_key_while_the_old_secret_key_is_a_fallback(
    ordered, greenhouse, completion_receiver, django_capture_on_commit_callbacks, settings
):
    issued_under = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + issued_under
    settings.SECRET_KEY_FALLBACKS = ["an-unrelated-older-key-0123456789abcdef0123456789", issued_under]

    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert callback.status == PartnerCallback.Status.SUCCEEDED
    (request,) = completion_receiver.requests
    assert (
        request["headers"]["Authorization"]
        == "Basic " + base64.b64encode(f"{greenhouse.secret}:".encode()).decode()
    )


def test_after_a_rotation_without_the_old_secret_key_the_callback_fails_for_good_saying_why(
    ordered, completion_receiver, django_capture_on_commit_callbacks, settings
):
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = []

    callback = graded(ordered, django_capture_on_commit_callbacks)

    assert callback.status == PartnerCallback.Status.FAILED
    assert completion_receiver.requests == []
    assert "SECRET_KEY_FALLBACKS" in callback.attempts.get().error
