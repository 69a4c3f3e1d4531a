"""Assessment-partner protocols: an ATS orders our take-homes in its own language, and we answer in it.

An ATS's assessment-partner API is hosted by the partner (us): the ATS calls our endpoints with an
organisation-level key (``PartnerKey``). What stays the same from one ATS to another lives in
``takehomes.partners.services`` (keys, finding or creating the candidate and application, sending
the take-home, reading its state) and ``takehomes.partners.callbacks`` (telling the ATS of a
completion, retried and recorded). What differs, the wire format, is one adapter module per ATS
implementing ``Adapter`` below: ``greenhouse`` is the first. Another ATS is one more module, one
more entry in ``adapters.ADAPTERS`` and one more ``include`` in ``config/urls.py``.

The adapter only parses and shapes: it reads no database and sends nothing. Its inputs and outputs
are the neutral records here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class ProtocolError(Exception):
    """A request the protocol cannot accept: answered with ``status`` and the protocol's error body."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)


@dataclass(frozen=True)
class PartnerTest:
    """A test the ATS may order: one published exercise version."""

    test_id: str
    name: str


@dataclass(frozen=True)
class TestOrderRequest:
    """The ATS asks us to send a test to a candidate (parsed, checked for shape, not yet for meaning)."""

    test_id: str
    first_name: str
    last_name: str
    email: str
    candidate_external_id: str = ""
    application_external_id: str = ""
    job_external_id: str = ""
    callback_url: str = ""
    phone_number: str = ""
    profile_url: str = ""


@dataclass(frozen=True)
class TestState:
    """Where a take-home stands, for the ATS: our state, the score when graded, a results link, notes."""

    __test__ = False  # not a pytest test class despite the name

    status: str  # TakeHome.status_now(): sent, opened, submitted, graded, expired
    score: float | None
    results_url: str
    metadata: dict[str, str | int | float | bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorReport:
    """The ATS tells us one of our answers was malformed."""

    api_call: str
    errors: list[str]
    test_id: str = ""
    test_name: str = ""
    partner_interview_id: str = ""


@dataclass(frozen=True)
class CallbackRequest:
    """What to send to the ATS's completion URL (the URL and the key's secret come from the order)."""

    method: str
    headers: dict[str, str]
    body: bytes


class Adapter(Protocol):
    """One ATS's assessment-partner protocol: parse what it sends, shape what we answer."""

    name: str

    def key_from(self, authorization: str) -> str | None:
        """The partner key in a request's ``Authorization`` header, or None when there is none."""

    def tests_answer(self, tests: list[PartnerTest]) -> Any:
        """The JSON answer listing the tests."""

    def order_parse(self, body: bytes) -> TestOrderRequest:
        """The order in a send request's body; ``ProtocolError`` (400) when malformed."""

    def order_answer(self, partner_interview_id: str) -> Any:
        """The JSON answer to an accepted order."""

    def status_parse(self, query: dict[str, str]) -> str:
        """The ``partner_interview_id`` a status request asks about; ``ProtocolError`` when missing."""

    def status_answer(self, state: TestState) -> Any:
        """The JSON answer describing a take-home's state."""

    def error_report_parse(self, body: bytes) -> ErrorReport:
        """The report in a response-error request; ``ProtocolError`` (400) when malformed."""

    def error_report_answer(self) -> Any:
        """The JSON answer acknowledging a report."""

    def error_answer(self, error: ProtocolError) -> Any:
        """The JSON body of a refusal (its status is ``error.status``)."""

    def callback_request(self, *, key_secret: str) -> CallbackRequest:
        """The request telling the ATS that a take-home is complete."""
