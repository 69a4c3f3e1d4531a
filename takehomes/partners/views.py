"""The endpoints an ATS calls as its assessment partner: one view per call, in the adapter's language.

Plain Django views, not the REST API: they accept a partner key only (the adapter reads it from
the request, for Greenhouse HTTP Basic), and the REST API's authentication never accepts one.
CSRF does not apply: no cookie authenticates these requests. Every answer is JSON in the
protocol's shape, refusals included; a refusal with a credential is audited by
``config.security.FailedAuthorisationAuditMiddleware`` (401) like the API's.

Calls count against the API's rate limit (``API_RATE_LIMIT``), in a window per partner
key (one per ATS account), and a call without a valid key in its address's, so guessing keys
is throttled too. Past it: 429 with ``Retry-After``, in the protocol's error shape; every
answer reports ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.errors import ApplicationError
from integrations.api.throttling import ApiRateThrottle, rate_limit_headers
from takehomes.models import PartnerKey
from takehomes.partners import Adapter, ProtocolError
from takehomes.partners.services import (
    partner_key_authenticate,
    partner_response_error_record,
    partner_test_order,
    partner_test_state,
    partner_tests,
)

REALM = 'Basic realm="assessment partners", charset="UTF-8"'


def _refusal(adapter: Adapter, error: ProtocolError) -> JsonResponse:
    response = JsonResponse(adapter.error_answer(error), status=error.status, safe=False)
    if error.status == HTTPStatus.UNAUTHORIZED:
        response["WWW-Authenticate"] = REALM
    return response


def _messages(error: ApplicationError) -> list[str]:
    if len(error.fields) > 1 or (error.fields and error.field is None):
        return [f"{field}: {message}" for field, message in error.fields.items()]
    return [error.message]


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise ProtocolError(400, "The body is too large.") from None


def _rate_limit_check(request: HttpRequest, key: PartnerKey | None) -> None:
    """Count the call in its key's window (without a valid key, its address's); 429 past the limit."""
    if key is not None:
        request._api_token_for_throttle = key  # the window is named by the key's random prefix
    throttle = ApiRateThrottle()
    if not throttle.allow_request(request, None):
        wait = throttle.wait()
        request._retry_after = None if wait is None else max(math.ceil(wait), 1)
        raise ProtocolError(429, "Too many requests for this API key; retry after the Retry-After seconds.")


def _rate_limit_headers(request: HttpRequest, response: JsonResponse) -> JsonResponse:
    retry_after = getattr(request, "_retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return rate_limit_headers(response, getattr(request, "_rate_limit", None))


def endpoint(method: str) -> Callable:
    """A partner endpoint answering ``method`` only, for a valid partner key, in the adapter's shapes.

    The view is called as ``view(request, adapter=..., key=...)`` and returns the JSON answer.
    """

    def decorate(handler: Callable[..., object]) -> Callable[..., JsonResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, *, adapter: Adapter) -> JsonResponse:
            try:
                raw = adapter.key_from(request.META.get("HTTP_AUTHORIZATION", ""))
                key = partner_key_authenticate(raw=raw) if raw else None
                _rate_limit_check(request, key)
                if key is None:
                    raise ProtocolError(401, "The API key is missing, not valid or revoked.")
                if request.method != method:
                    raise ProtocolError(405, f"Use {method}.")
                answer = handler(request, adapter=adapter, key=key)
            except ProtocolError as error:
                response = _refusal(adapter, error)
                if error.status == HTTPStatus.METHOD_NOT_ALLOWED:
                    response["Allow"] = method
            except ApplicationError as error:
                response = _refusal(adapter, ProtocolError(int(error.status_code), *_messages(error)))
            else:
                response = JsonResponse(answer, safe=False)
            return _rate_limit_headers(request, response)

        return view

    return decorate


@endpoint("GET")
def list_tests(request: HttpRequest, *, adapter: Adapter, key: PartnerKey):
    """The tests this organisation may send: every published exercise version."""
    return adapter.tests_answer(partner_tests())


@endpoint("POST")
def send_test(request: HttpRequest, *, adapter: Adapter, key: PartnerKey):
    """Send a test to a candidate (idempotent per candidate and test); answers its interview id."""
    order, _ = partner_test_order(key=key, protocol=adapter.name, request=adapter.order_parse(_body(request)))
    return adapter.order_answer(order.partner_interview_id)


@endpoint("GET")
def test_status(request: HttpRequest, *, adapter: Adapter, key: PartnerKey):
    """Where a sent test stands, with its score and results link once graded."""
    partner_interview_id = adapter.status_parse(request.GET.dict())
    return adapter.status_answer(partner_test_state(key=key, partner_interview_id=partner_interview_id))


@endpoint("POST")
def response_error(request: HttpRequest, *, adapter: Adapter, key: PartnerKey):
    """The ATS reports that one of our answers was malformed: recorded and audited."""
    partner_response_error_record(
        key=key, protocol=adapter.name, report=adapter.error_report_parse(_body(request))
    )
    return adapter.error_report_answer()
