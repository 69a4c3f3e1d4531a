"""Greenhouse's Assessment Partner API, as its developer documentation describes it field by field.

Reference: https://developers.greenhouse.io/assessment.html (sections List Tests, Send Test,
Test Status, Response Error, PATCH - Mark Test as Completed, Authentication, Errors). The
partner (us) hosts four endpoints and Greenhouse calls them:

``GET list_tests``
    Answer: a JSON array of ``{"partner_test_id": String, "partner_test_name": String}``
    ("Each test object should contain the keys partner_test_id and partner_test_name").
``POST send_test``
    Body: ``{"partner_test_id": String, "candidate": {"first_name", "last_name", "resume_url",
    "phone_number", "email", "greenhouse_profile_url"}, "url": String}``. ``email`` is where the
    test is sent; ``greenhouse_profile_url`` links to the application
    (``https://app.greenhouse.io/people/<candidate id>?application_id=<application id>``): we read
    Greenhouse's candidate and application ids from it. ``url`` is where the partner may send
    "PATCH - Mark Test as Completed". Answer: "a single object that contains a single key:
    partner_interview_id" (a String).
``GET test_status?partner_interview_id=…``
    Answer: ``{"partner_status", "partner_profile_url", "partner_score", "metadata"}``.
    ``partner_status`` is ``"complete"`` once results are available (Greenhouse polls hourly until
    then, for up to 8 weeks); ``partner_profile_url`` is "required only if status is complete";
    ``partner_score`` a Number; ``metadata`` "a non-nested object" whose values "must be
    Javascript primitives". Properties without a value are ``null`` ("General considerations").
``POST response_error``
    Body: ``{"api_call", "errors": [String], "partner_test_id", "partner_test_name",
    "partner_interview_id", "candidate_email"}``; only ``api_call`` and ``errors`` are always
    there. Answer: 200 (the documented example body is ``{"status": 200}``).

Completion: ``PATCH <url from send_test>`` with the organisation's key in Basic authentication
and no parameters; Greenhouse answers with a status only and then calls ``test_status``.

Authentication: "HTTP Basic Authentication over HTTPS"; Greenhouse sends the organisation's API
key as the username, a colon and no password, Base64-encoded. Keys are fewer than 171 characters.

Errors: "Successful requests should generate a response with a 200-level status code"; the
documented failures are ``401`` ("Unsuccessful authentication with the provided API key") and
``404`` ("The requested resource could not be found"): an unknown ``partner_test_id`` or
``partner_interview_id``. A body we cannot read is ``400``. Greenhouse documents no error body; ours
is ``{"errors": [String]}``, the shape Greenhouse itself uses when it reports errors to us.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from takehomes.partners import (
    CallbackRequest,
    ErrorReport,
    PartnerTest,
    ProtocolError,
    TestOrderRequest,
    TestState,
)

# Our take-home states as Greenhouse's partner_status. Only "complete" means something to
# Greenhouse (results are available: it stops polling and shows the score); the others are
# shown as they are, so a recruiter sees how far the candidate got.
PARTNER_STATUS = {
    "sent": "sent",
    "opened": "in_progress",
    "submitted": "grading",
    "graded": "complete",
    "expired": "expired",
}
COMPLETE = "complete"
MAX_FIELD = 2000
PEOPLE_PATH = re.compile(r"/people/(\d+)")
USER_AGENT = "Scorecards-Assessments/1.0"


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "The body must be JSON.") from None
    if not isinstance(data, dict):
        raise ProtocolError(400, "The body must be a JSON object.")
    return data


def _text(data: dict, name: str, *, where: str = "", numbers: bool = False) -> str:
    """A string field ("" when absent or null); a number is read as text where Greenhouse has sent one."""
    value = data.get(name)
    if value is None:
        return ""
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ProtocolError(400, f"{where}{name} must be a string.")
    if len(value) > MAX_FIELD:
        raise ProtocolError(400, f"{where}{name} is longer than {MAX_FIELD} characters.")
    return value.strip()


def profile_ids(profile_url: str) -> tuple[str, str]:
    """Greenhouse's (candidate id, application id) from a ``greenhouse_profile_url``; "" where absent."""
    try:
        parts = urlsplit(profile_url)
    except ValueError:
        return "", ""
    person = PEOPLE_PATH.search(parts.path or "")
    application = parse_qs(parts.query).get("application_id", [""])[0]
    return (person.group(1) if person else ""), (application if application.isdigit() else "")


class GreenhouseAdapter:
    name = "greenhouse"

    def key_from(self, authorization: str) -> str | None:
        return basic_username(authorization)

    def tests_answer(self, tests: list[PartnerTest]) -> Any:
        return [{"partner_test_id": test.test_id, "partner_test_name": test.name} for test in tests]

    def order_parse(self, body: bytes) -> TestOrderRequest:
        data = _json_object(body)
        test_id = _text(data, "partner_test_id", numbers=True)
        if not test_id:
            raise ProtocolError(400, "partner_test_id is required: one of the ids list_tests answers.")
        candidate = data.get("candidate")
        if not isinstance(candidate, dict):
            raise ProtocolError(400, "candidate is required: an object with the candidate's name and email.")
        where = "candidate."
        email = _text(candidate, "email", where=where)
        if not email:
            raise ProtocolError(400, "candidate.email is required: the test is sent to that address.")
        try:
            validate_email(email)
        except ValidationError:
            raise ProtocolError(400, "candidate.email is not an e-mail address.") from None
        first_name = _text(candidate, "first_name", where=where)
        last_name = _text(candidate, "last_name", where=where)
        if not (first_name or last_name):
            raise ProtocolError(400, "candidate.first_name and candidate.last_name are required.")
        profile_url = _text(candidate, "greenhouse_profile_url", where=where)
        candidate_id, application_id = profile_ids(profile_url)
        callback_url = _text(data, "url")
        if callback_url and urlsplit(callback_url).scheme not in ("https", "http"):
            raise ProtocolError(400, "url must be an http(s) URL.")
        return TestOrderRequest(
            test_id=test_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            candidate_external_id=candidate_id,
            application_external_id=application_id,
            callback_url=callback_url,
            phone_number=_text(candidate, "phone_number", where=where),
            profile_url=profile_url,
        )

    def order_answer(self, partner_interview_id: str) -> Any:
        return {"partner_interview_id": partner_interview_id}

    def status_parse(self, query: dict[str, str]) -> str:
        partner_interview_id = (query.get("partner_interview_id") or "").strip()
        if not partner_interview_id:
            raise ProtocolError(400, "partner_interview_id is required: the id send_test answered.")
        if len(partner_interview_id) > 64:
            raise ProtocolError(404, "No test with that partner_interview_id.")
        return partner_interview_id

    def status_answer(self, state: TestState) -> Any:
        status = PARTNER_STATUS[state.status]
        complete = status == COMPLETE
        return {
            "partner_status": status,
            "partner_profile_url": state.results_url if complete else None,
            "partner_score": state.score if complete else None,
            "metadata": state.metadata,
        }

    def error_report_parse(self, body: bytes) -> ErrorReport:
        data = _json_object(body)
        api_call = _text(data, "api_call")
        if not api_call:
            raise ProtocolError(400, "api_call is required.")
        errors = data.get("errors")
        if not isinstance(errors, list) or not all(isinstance(error, str) for error in errors):
            raise ProtocolError(400, "errors is required: an array of strings.")
        return ErrorReport(
            api_call=api_call[:64],
            errors=[error[:MAX_FIELD] for error in errors[:100]],
            # The documentation's table spells it "parnter_test_id"; its example, "partner_test_id".
            test_id=(
                _text(data, "partner_test_id", numbers=True) or _text(data, "parnter_test_id", numbers=True)
            )[:64],
            test_name=_text(data, "partner_test_name")[:200],
            partner_interview_id=_text(data, "partner_interview_id", numbers=True)[:64],
        )

    def error_report_answer(self) -> Any:
        return {"status": 200}

    def error_answer(self, error: ProtocolError) -> Any:
        return {"errors": error.messages}

    def callback_request(self, *, key_secret: str) -> CallbackRequest:
        credentials = base64.b64encode(f"{key_secret}:".encode()).decode("ascii")
        return CallbackRequest(
            method="PATCH",
            headers={"Authorization": f"Basic {credentials}", "User-Agent": USER_AGENT},
            body=b"",
        )


def basic_username(header: str) -> str | None:
    """The username of an ``Authorization: Basic`` header (Greenhouse's key), or None when it is not one."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, _, _password = decoded.partition(":")
    return username or None


GREENHOUSE = GreenhouseAdapter()
