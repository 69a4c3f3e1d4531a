"""Greenhouse's four calls against our endpoints: the documented fields and status codes, in process."""

import secrets

import pytest

from hiring.models import Application, Candidate, Opening
from integrations.models import AuditEvent
from takehomes.models import GradingReport, PartnerResponseError, PartnerTestOrder, TakeHome
from takehomes.partners.services import partner_key_revoke
from tests.takehomes.partners.conftest import GreenhouseClient, order

pytestmark = pytest.mark.django_db


def test_list_tests_answers_every_published_exercise_as_partner_test_id_and_name(greenhouse, exercises):
    response = greenhouse.get("list_tests")

    assert response.status_code == 200
    tests = response.json()
    assert isinstance(tests, list)
    assert {test["partner_test_id"] for test in tests} == {str(e.pk) for e in exercises.values()}
    assert all(set(test) == {"partner_test_id", "partner_test_name"} for test in tests)
    assert all(isinstance(test["partner_test_id"], str) for test in tests)


def test_send_test_creates_candidate_application_and_take_home_and_mails_the_link(
    greenhouse, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.post("send_test", order(ds_exercise.pk))

    assert response.status_code == 200
    assert set(response.json()) == {"partner_interview_id"}
    interview_id = response.json()["partner_interview_id"]
    assert isinstance(interview_id, str)
    order_row = PartnerTestOrder.objects.get(partner_interview_id=interview_id)
    take_home = order_row.take_home
    assert take_home.source == "greenhouse"
    assert take_home.exercise == ds_exercise
    candidate = take_home.application.candidate
    assert (candidate.name, candidate.email, candidate.source, candidate.external_id) == (
        "Harry Potter",
        "hpotter@hogwarts.edu",
        "greenhouse",
        "17681532",
    )
    assert take_home.application.external_id == "26234709"
    assert take_home.application.opening.external_id == f"assessments-{ds_exercise.role.key}"
    assert order_row.callback_url.endswith("/take_home_tests/12345")
    assert [mail.to for mail in mailoutbox] == [["hpotter@hogwarts.edu"]]
    assert AuditEvent.objects.filter(
        action="partner.test_ordered", actor_label__startswith="partner key"
    ).exists()


def test_send_test_again_answers_the_same_id_and_sends_no_second_email(
    greenhouse, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = greenhouse.post("send_test", order(ds_exercise.pk))
    with django_capture_on_commit_callbacks(execute=True):
        again = greenhouse.post("send_test", order(ds_exercise.pk))

    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(mailoutbox) == 1
    assert (TakeHome.objects.count(), PartnerTestOrder.objects.count(), Candidate.objects.count()) == (
        1,
        1,
        1,
    )


def test_an_application_already_synced_by_the_same_ats_receives_the_take_home(
    greenhouse, ds_exercise, application, django_capture_on_commit_callbacks
):
    application.external_id = "555"
    application.save()
    body = order(ds_exercise.pk, application=555, email=application.candidate.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.post("send_test", body)

    assert response.status_code == 200
    assert PartnerTestOrder.objects.get().take_home.application == application
    assert not Opening.objects.filter(external_id__startswith="assessments-").exists()


def test_test_status_follows_the_take_home_and_gives_score_link_and_verdicts_once_graded(
    greenhouse, ds_exercise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        interview_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]

    sent = greenhouse.get("test_status", partner_interview_id=interview_id)
    assert sent.status_code == 200
    assert sent.json()["partner_status"] == "sent"
    assert sent.json()["partner_score"] is None
    assert sent.json()["partner_profile_url"] is None
    assert set(sent.json()) == {"partner_status", "partner_profile_url", "partner_score", "metadata"}

    take_home = PartnerTestOrder.objects.get().take_home
    TakeHome.objects.filter(pk=take_home.pk).update(status=TakeHome.Status.GRADED)
    GradingReport.objects.create(
        take_home=take_home,
        status=GradingReport.Status.GRADED,
        metrics={"f1": {"value": 0.912345678}},
        contract={
            "items": [{"key": "f1", "verdict": "within"}, {"key": "accuracy", "verdict": "over_claimed"}]
        },
    )

    graded = greenhouse.get("test_status", partner_interview_id=interview_id).json()
    assert graded["partner_status"] == "complete"
    assert graded["partner_score"] == pytest.approx(0.9123, abs=1e-4)
    assert graded["partner_profile_url"].endswith(f"/review/take-homes/{take_home.pk}/")
    assert graded["metadata"]["Contract: f1"] == "within"
    assert graded["metadata"]["Contract: accuracy"] == "over_claimed"
    assert all(not isinstance(value, dict | list) for value in graded["metadata"].values())


@pytest.mark.parametrize(
    ("status", "partner_status"),
    [("sent", "sent"), ("opened", "in_progress"), ("submitted", "grading"), ("expired", "expired")],
)
def test_each_state_before_grading_is_not_complete(
    greenhouse, ds_exercise, django_capture_on_commit_callbacks, status, partner_status
):
    with django_capture_on_commit_callbacks(execute=True):
        interview_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]
    TakeHome.objects.update(status=status)

    answer = greenhouse.get("test_status", partner_interview_id=interview_id).json()

    assert answer["partner_status"] == partner_status
    assert answer["partner_score"] is None


def test_a_take_home_past_its_expiry_reads_expired(
    greenhouse, ds_exercise, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        interview_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]
    TakeHome.objects.update(expires_at=timezone.now())

    assert (
        greenhouse.get("test_status", partner_interview_id=interview_id).json()["partner_status"] == "expired"
    )


def test_response_error_is_recorded_audited_and_answered_200(
    greenhouse, ds_exercise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        interview_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]
    report = {
        "api_call": "test_status",
        "errors": ["partner_status is 'complete' but partner_profile url is missing"],
        "partner_test_id": 12345,
        "partner_test_name": "Personality Test",
        "partner_interview_id": interview_id,
        "candidate_email": "hpotter@hogwarts.edu",
    }

    response = greenhouse.post("response_error", report)

    assert response.status_code == 200
    error = PartnerResponseError.objects.get()
    assert (error.api_call, error.errors, error.partner_test_id) == ("test_status", report["errors"], "12345")
    assert error.order == PartnerTestOrder.objects.get()
    assert "hpotter" not in str(PartnerResponseError.objects.values().get())
    assert AuditEvent.objects.filter(action="partner.response_error", target_id=str(error.pk)).exists()


# Authentication and sources --------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["list_tests", "test_status"])
def test_no_key_a_wrong_key_and_a_revoked_key_get_401(greenhouse, exercises, call):
    partner_key_revoke(key=greenhouse.key)
    for client in (GreenhouseClient(None), GreenhouseClient("dspk_0000.wrong"), greenhouse):
        response = client.get(call, partner_interview_id="x")
        assert response.status_code == 401
        assert response.json() == {"errors": ["The API key is missing, not valid or revoked."]}
        assert response["WWW-Authenticate"].startswith("Basic")


def test_a_key_longer_than_greenhouse_allows_is_refused(greenhouse):
    assert GreenhouseClient("dspk_" + "a" * 200).get("list_tests").status_code == 401


def test_a_rest_integration_token_cannot_call_partner_endpoints(token_client, exercises):
    rest = token_client(["candidates:read"])
    for authorization in (
        f"Bearer {rest.secret}",
        GreenhouseClient(rest.secret).headers["HTTP_AUTHORIZATION"],
    ):
        client = GreenhouseClient(None)
        client.headers = {"HTTP_AUTHORIZATION": authorization}
        assert client.get("list_tests").status_code == 401


def test_a_lever_key_cannot_read_greenhouse_take_homes(
    greenhouse, partner_key, ds_exercise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        interview_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]
    _, lever_secret = partner_key(source="lever", name="Lever")
    lever = GreenhouseClient(lever_secret)

    response = lever.get("test_status", partner_interview_id=interview_id)

    assert response.status_code == 404
    assert response.json() == {"errors": ["No test with that partner_interview_id."]}
    assert "Potter" not in response.content.decode()


def test_a_lever_key_sending_the_same_people_makes_records_of_its_own_source(
    greenhouse, partner_key, ds_exercise, django_capture_on_commit_callbacks
):
    _, lever_secret = partner_key(source="lever", name="Lever")
    with django_capture_on_commit_callbacks(execute=True):
        greenhouse_id = greenhouse.post("send_test", order(ds_exercise.pk)).json()["partner_interview_id"]
        lever_id = (
            GreenhouseClient(lever_secret)
            .post("send_test", order(ds_exercise.pk))
            .json()["partner_interview_id"]
        )

    assert greenhouse_id != lever_id
    assert set(Candidate.objects.values_list("source", flat=True)) == {"greenhouse", "lever"}
    assert set(Application.objects.values_list("source", flat=True)) == {"greenhouse", "lever"}


# Bad input: the error shape, a clear message, nothing written ------------------------------------------


def _unchanged():
    return (
        Candidate.objects.count(),
        Application.objects.count(),
        Opening.objects.count(),
        TakeHome.objects.count(),
        PartnerTestOrder.objects.count(),
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (lambda body: body.pop("partner_test_id"), 400, "partner_test_id is required"),
        (lambda body: body.update(partner_test_id="999999"), 404, "No test with partner_test_id '999999'"),
        (lambda body: body.update(partner_test_id="not-a-test"), 404, "No test with partner_test_id"),
        (lambda body: body["candidate"].pop("email"), 400, "candidate.email is required"),
        (lambda body: body["candidate"].update(email=""), 400, "candidate.email is required"),
        (
            lambda body: body["candidate"].update(email="not-an-address"),
            400,
            "candidate.email is not an e-mail",
        ),
        (lambda body: body["candidate"].update(email=["a@b.c"]), 400, "candidate.email must be a string"),
        (lambda body: body.pop("candidate"), 400, "candidate is required"),
        (lambda body: body["candidate"].update(first_name="", last_name=None), 400, "first_name"),
        (lambda body: body.update(url="javascript:alert(1)"), 400, "url must be an http(s) URL"),
    ],
)
def test_send_test_refuses_bad_input_in_greenhouse_error_shape_and_writes_nothing(
    greenhouse, ds_exercise, mailoutbox, django_capture_on_commit_callbacks, change, status, message
):
    body = order(ds_exercise.pk)
    change(body)
    before = _unchanged()

    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.post("send_test", body)

    assert response.status_code == status
    assert list(response.json()) == ["errors"]
    assert message in response.json()["errors"][0]
    assert _unchanged() == before
    assert mailoutbox == []


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b'"text"', "\u00e9".encode("latin-1")])
def test_a_malformed_body_is_400_with_a_message(greenhouse, raw):
    for call in ("send_test", "response_error"):
        response = greenhouse.post(call, raw=raw)
        assert response.status_code == 400
        assert response.json()["errors"][0].startswith("The body must be")


def test_an_erased_candidate_is_refused_and_nothing_is_half_written(
    greenhouse, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    Candidate.objects.create(
        name="(erased)",
        email="erased@example.invalid",
        source="greenhouse",
        external_id="17681532",
        erased_at="2026-01-01T00:00:00Z",
    )
    before = _unchanged()

    with django_capture_on_commit_callbacks(execute=True):
        response = greenhouse.post("send_test", order(ds_exercise.pk))

    assert response.status_code == 409
    assert "erased" in response.json()["errors"][0]
    assert _unchanged() == before
    assert mailoutbox == []


def test_test_status_without_an_id_is_400_and_an_unknown_id_404(greenhouse):
    assert greenhouse.get("test_status").status_code == 400
    assert "partner_interview_id is required" in greenhouse.get("test_status").json()["errors"][0]
    assert greenhouse.get("test_status", partner_interview_id="nope").status_code == 404


@pytest.mark.parametrize(
    "body", [{"errors": ["x"]}, {"api_call": "list_tests"}, {"api_call": "list_tests", "errors": "x"}]
)
def test_response_error_needs_api_call_and_errors(greenhouse, body):
    response = greenhouse.post("response_error", body)

    assert response.status_code == 400
    assert PartnerResponseError.objects.count() == 0


@pytest.mark.parametrize(("call", "method"), [("list_tests", "post"), ("send_test", "get")])
def test_the_wrong_method_is_405(greenhouse, call, method):
    response = greenhouse.post(call, {}) if method == "post" else greenhouse.get(call)

    assert response.status_code == 405
    assert "errors" in response.json()


def test_each_partner_key_has_its_own_rate_window_and_past_it_gets_a_429_in_greenhouse_s_shape(
    settings, partner_key
):
    settings.API_RATE_LIMIT = "3/min"
    us = GreenhouseClient(partner_key(source="greenhouse")[1])
    eu = GreenhouseClient(partner_key(source="greenhouse-eu", name="Greenhouse EU")[1])

    answers = [us.get("list_tests") for _ in range(4)]
    other = eu.get("list_tests")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a["X-RateLimit-Limit"] for a in answers} == {"3"}
    refused = answers[-1]
    assert set(refused.json()) == {"errors"}
    assert "Too many requests" in refused.json()["errors"][0]
    assert 1 <= int(refused["Retry-After"]) <= 120
    # Another ATS account's key counts in its own window.
    assert (other.status_code, other["X-RateLimit-Remaining"]) == (200, "2")


def test_calls_without_a_valid_key_count_in_their_address_s_window_so_guessing_keys_is_throttled(settings):
    settings.API_RATE_LIMIT = "3/min"
    guesser = GreenhouseClient("dspk_0123456789abcdef.not-the-secret")
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # a window no other run has
    guesser.client.defaults["REMOTE_ADDR"] = address

    statuses = [guesser.get("list_tests").status_code for _ in range(4)]
    elsewhere = GreenhouseClient(None)
    elsewhere.client.defaults["REMOTE_ADDR"] = f"2001:db8::1:{secrets.token_hex(2)}:{secrets.token_hex(2)}"

    assert statuses == [401, 401, 401, 429]
    assert elsewhere.get("list_tests").status_code == 401
