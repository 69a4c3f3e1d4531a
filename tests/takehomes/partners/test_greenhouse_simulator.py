"""A Greenhouse simulator, written from its documented payloads, against a live server over real HTTP.

It does what Greenhouse does (https://developers.greenhouse.io/assessment.html): lists the
tests, sends one to a candidate, polls ``test_status``, and receives "PATCH - Mark Test as
Completed" at the URL it gave in ``send_test``, after which it reads the status once more. The
candidate does the take-home in between, and grading runs for real (tasks in process).
"""

import base64
import json
import re
import urllib.error
import urllib.request

import pytest

from takehomes.models import PartnerCallback
from takehomes.services import submission_finalise, submission_upload, take_home_open
from tests.takehomes.conftest import predictions_csv
from tests.takehomes.partners.conftest import CompletionReceiver
from tests.takehomes.test_grading import Upload

pytestmark = pytest.mark.django_db(transaction=True)

# Straight to the live server on loopback, whatever proxy the environment names.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Greenhouse:
    """Greenhouse's side: its calls to the partner, with the organisation's key in Basic auth."""

    def __init__(self, base: str, key: str):
        self.base = base
        self.authorization = "Basic " + base64.b64encode(f"{key}:".encode()).decode()

    def call(self, method: str, name: str, *, query: str = "", body: dict | None = None):
        request = urllib.request.Request(  # noqa: S310 - http(s) to the live server only
            f"{self.base}/partners/greenhouse/{name}{query}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": self.authorization, "Content-Type": "application/json"},
        )
        try:
            with NO_PROXY.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def list_tests(self):
        return self.call("GET", "list_tests")

    def send_test(self, partner_test_id: str, url: str):
        return self.call(
            "POST",
            "send_test",
            body={
                "partner_test_id": partner_test_id,
                "candidate": {
                    "first_name": "Kate",
                    "last_name": "Austen",
                    "resume_url": None,
                    "phone_number": "123-456-7890",
                    "email": "kate_austen@example.com",
                    "greenhouse_profile_url": "https://www.greenhouse.io/people/5345178?application_id=5699620",
                },
                "url": url,
            },
        )

    def test_status(self, partner_interview_id: str):
        return self.call("GET", "test_status", query=f"?partner_interview_id={partner_interview_id}")


def test_greenhouse_lists_sends_polls_and_hears_of_the_completion(
    live_server, settings, partner_key, ds_exercise, mailoutbox
):
    _, secret = partner_key()
    greenhouse = Greenhouse(live_server.url, secret)
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    statuses_after_patch = []
    receiver = CompletionReceiver(
        on_patch=lambda: statuses_after_patch.append(greenhouse.test_status(interview_id))
    )

    with receiver:
        status, tests = greenhouse.list_tests()
        assert status == 200
        chosen = next(test for test in tests if test["partner_test_name"] == str(ds_exercise))

        status, answer = greenhouse.send_test(chosen["partner_test_id"], receiver.url)
        assert status == 200
        interview_id = answer["partner_interview_id"]
        assert greenhouse.send_test(chosen["partner_test_id"], receiver.url) == (200, answer)  # a retry
        assert len(mailoutbox) == 1

        status, polled = greenhouse.test_status(interview_id)
        assert (status, polled["partner_status"], polled["partner_score"]) == (200, "sent", None)

        # The candidate, from the e-mail: opens the link, hands in predictions; grading runs.
        token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[0].body).group(1)
        take_home = take_home_open(token=token)
        assert greenhouse.test_status(interview_id)[1]["partner_status"] == "in_progress"
        submission_upload(take_home=take_home, predictions=Upload(predictions_csv(ds_exercise)))
        submission_finalise(take_home=take_home)

    (patch,) = receiver.requests
    assert patch["path"] == "/integrations/testing_partners/take_home_tests/12345"
    assert patch["headers"]["Authorization"] == greenhouse.authorization
    # Greenhouse reads test_status when the PATCH arrives: the grade is already committed.
    ((status, complete),) = statuses_after_patch
    assert status == 200
    assert complete["partner_status"] == "complete"
    assert 0.5 < complete["partner_score"] <= 1.0
    assert complete["partner_profile_url"] == f"{settings.SITE_URL}/review/take-homes/{take_home.pk}/"
    assert complete["metadata"]["Primary Metric"] == "F1"
    assert all(
        isinstance(value, str | int | float | bool | type(None)) for value in complete["metadata"].values()
    )
    callback = PartnerCallback.objects.get()
    assert callback.status == PartnerCallback.Status.SUCCEEDED
    assert list(callback.attempts.values_list("status_code", flat=True)) == [200]


def test_a_polling_greenhouse_sees_the_result_when_its_callback_url_is_down(
    live_server, settings, partner_key, ds_exercise, mailoutbox
):
    from tests.faults.conftest import free_port

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    _, secret = partner_key()
    greenhouse = Greenhouse(live_server.url, secret)
    down = f"http://127.0.0.1:{free_port()}/integrations/testing_partners/take_home_tests/9"
    _, answer = greenhouse.send_test(str(ds_exercise.pk), down)
    token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[0].body).group(1)
    take_home = take_home_open(token=token)
    submission_upload(take_home=take_home, predictions=Upload(predictions_csv(ds_exercise)))
    submission_finalise(take_home=take_home)

    status, polled = greenhouse.test_status(answer["partner_interview_id"])

    assert (status, polled["partner_status"]) == (200, "complete")
    callback = PartnerCallback.objects.get()
    assert callback.status == PartnerCallback.Status.PENDING
    assert callback.attempts.get().error == "Connection refused or unreachable."
