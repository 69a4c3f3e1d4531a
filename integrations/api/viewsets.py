"""Base classes every API view uses: scopes, rate-limit headers, idempotency, cursor pages, errors.

Subclass ``ApiView`` or one of the viewsets and set ``required_scopes`` (by
method) or ``required_scopes_by_action``. The base then:

* counts the request against its token's (or user's) rate before checking
  permissions, so every answer, 403 included, carries ``X-RateLimit-Limit``
  and ``X-RateLimit-Remaining``, and a 429 carries ``Retry-After``;
* honours ``Idempotency-Key`` on POST (see ``integrations.idempotency``);
* parses JSON bodies with ``SafeJSONParser`` (deep nesting is a 400, not a crash);
* answers errors in the one shape of ``config.errors``.

Request bodies are read with ``integrations.serializers.StrictSerializer`` (a key the operation does not
take is a 400 ``unknown_field``; only Greenhouse's own documents are taken as
they come) and datetimes with ``AwareDateTimeField`` (no time zone, no guess:
400 ``timezone_required``).
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApplicationError
from integrations import idempotency
from integrations.api.throttling import ApiRateThrottle, rate_limit_headers
from integrations.models import IntegrationToken


def named_source_check(request, given: str | None) -> str | None:
    """The source a write names (a path's or a body's), held to the token's own.

    A token's writes are of its own source: naming another is 403 ``source_mismatch``
    at ``source``. Returns the token's source, or for people what they named (or None).
    """
    token = request.auth
    if not isinstance(token, IntegrationToken):
        return given
    if given is not None and given != token.source:
        raise ApplicationError(
            "source_mismatch",
            f"This token writes records of '{token.source}', not '{given}'.",
            field="source",
            status_code=403,
        )
    return token.source


def writable_source_check(request, source: str) -> None:
    """403 ``source_mismatch`` unless the caller may change a record that came from ``source``.

    A token writes the records of its own source and of the sources it explicitly
    shares (``IntegrationToken.shared_sources``); records made in the web app are
    ``manual``. People are limited by their role and what they see instead.
    """
    token = request.auth
    if isinstance(token, IntegrationToken) and not token.writes_source(source):
        raise ApplicationError(
            "source_mismatch",
            f"This record came from '{source}'; this token writes records of '{token.source}'"
            + (
                f" and {', '.join(repr(name) for name in token.shared_sources)}."
                if token.shared_sources
                else "."
            ),
            status_code=403,
        )


# No API body nests anywhere near this deep (a Greenhouse scorecard: 4 levels).
MAX_JSON_DEPTH = 32


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether parsed JSON nests arrays/objects more than ``limit`` levels (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 ``parse_error`` for bodies nested deeper than ``MAX_JSON_DEPTH``.

    Python's json module raises RecursionError (a 500) on about a thousand levels
    of ``[``; and a body just under that would still crash later code that walks
    it recursively (hashing it for idempotency, error flattening). So both are
    refused here, before any view sees the body.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        message = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(message) from None
        if _nested_deeper_than(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(message)
        return data


def _idempotency_key_check(key: str) -> None:
    """1-255 printable ASCII characters (``idempotency.KEY_PATTERN``, as the schema says).

    Control characters (NUL above all) cannot be stored or logged safely; other
    characters do not survive every proxy unchanged.
    """
    if len(key) > idempotency.MAX_KEY_LENGTH or not re.fullmatch(idempotency.KEY_PATTERN, key):
        raise ApplicationError(
            "invalid_idempotency_key",
            f"The {idempotency.HEADER} header must be 1-{idempotency.MAX_KEY_LENGTH} printable ASCII "
            "characters, without a space at either end.",
            field=idempotency.HEADER,
        )


class _Replay(Exception):
    def __init__(self, record) -> None:
        self.record = record


class ApiMixin:
    throttle_classes = [ApiRateThrottle]
    parser_classes = [SafeJSONParser]
    # Methods whose requests may carry an Idempotency-Key.
    idempotent_methods = ("POST",)

    def perform_authentication(self, request):
        try:
            request.user  # noqa: B018 - authenticates
        except exceptions.AuthenticationFailed:
            # Count failed attempts per client address, so guessing tokens is throttled too.
            self.check_throttles(request)
            raise
        user = request.user
        if getattr(user, "token", None) is not None:
            request._api_token_for_throttle = user.token
        elif user.is_authenticated:
            request._api_user_for_throttle = user

    def check_permissions(self, request):
        # Throttle first: a refused request still counts, and still reports the rate.
        self.check_throttles(request)
        self._throttled = True
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(self, "_throttled", False):
            return
        super().check_throttles(request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(idempotency.HEADER)
        if key is not None and request.method in self.idempotent_methods:
            _idempotency_key_check(key)
            record, replay = idempotency.record_claim(request, key)
            if replay:
                raise _Replay(record)
            request._idempotency_record = record

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            record = exc.record
            response = Response(
                record.response_body, status=record.status_code, headers=record.response_headers
            )
            response[idempotency.REPLAYED_HEADER] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(request, "_idempotency_record", None)
        if record is not None:
            request._idempotency_record = None
            idempotency.record_finish(record, response)
        rate_limit_headers(response, getattr(request, "_rate_limit", None))
        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(lambda rendered: _references_release(self, request, rendered))
        return response


def _references_release(view, request, response) -> None:
    """Once the answer is rendered, drop the references that make the request's objects a cycle.

    DRF links the view, its request and its response to one another (``view.request``,
    ``request.parser_context["view"]``, ``response.renderer_context``), and Django's ``View``
    binds ``view.head``. Left linked, everything the request built (querysets, the page, the data
    rendered) outlives it until the cycle collector finds it, so a page of 50 items is ~500
    objects for each collection to walk. Unlinked, they are freed as the response is. The
    response keeps its ``data``; the view instance is spent.
    """
    response.renderer_context = None
    request.parser_context = None
    view.__dict__.clear()


class ApiView(ApiMixin, APIView):
    pass


class ApiGenericViewSet(ApiMixin, viewsets.GenericViewSet):
    pass


class ApiReadOnlyViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


# OpenAPI: the error shape, and the answers every endpoint can give.


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, e.g. 'missing_scope'.")
    detail = serializers.CharField(help_text="A sentence for people.")
    field = serializers.CharField(
        required=False, help_text="The input it concerns, when one (a dotted path, as in `fields`)."
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages per input, by dotted path: nested objects add their key, list items "
        'their index, e.g. `{"attributes.0.rating": [""great" is not a valid choice."]}`. Errors '
        "about the body as a whole are at `non_field_errors`.",
    )


_ERROR_TEXT = {
    400: ("invalid", "The request has invalid fields."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("missing_scope", "This needs the 'candidates:write' scope."),
    404: ("not_found", "No such resource, or not one you may see."),
    409: ("conflict", "The resource changed since you read it."),
    413: ("body_too_large", "The request body is larger than the API accepts."),
    422: ("idempotency_key_reused", "This Idempotency-Key was used with a different request."),
    429: ("throttled", "Request was throttled. Expected available in 12 seconds."),
    503: ("unavailable", "The service cannot answer this now; retry later."),
}


_ERROR_EXTRA = {
    400: {
        "field": "ratings.communication.level",
        "fields": {"ratings.communication.level": ["Ensure this value is less than or equal to 5."]},
    },
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the error statuses an operation can answer (400/401/403/429 always).

    400 is always possible: query parameters (page_size, filters) are validated on every operation.
    """
    chosen = sorted({400, 401, 403, 429, *statuses})
    return {
        status: OpenApiResponse(
            ErrorSerializer,
            description=_ERROR_TEXT[status][1],
            examples=[
                OpenApiExample(
                    f"{status}",
                    value={
                        "code": _ERROR_TEXT[status][0],
                        "detail": _ERROR_TEXT[status][1],
                        **_ERROR_EXTRA.get(status, {}),
                    },
                    response_only=True,
                    status_codes=[str(status)],
                )
            ],
        )
        for status in chosen
    }


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    idempotency.HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=f"Any unique string of 1-{idempotency.MAX_KEY_LENGTH} printable ASCII characters, without "
    "a space at either end (a UUID, say); another key is a 400 `invalid_idempotency_key`. Resending the "
    "same key with the same body returns the stored response (with Idempotent-Replayed: true); with "
    "another body, 422 `idempotency_key_reused`; while the first request with the key is still running, "
    "409 `idempotency_in_progress`.",
)
