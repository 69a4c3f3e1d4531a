"""The one domain error type, and its mapping to HTTP for the REST API.

Services raise ``ApplicationError(code, message, field=...)``; the API turns it
into ``{"code": ..., "detail": ..., "field": ...}`` with its status, and pages
show the message at the field. DRF's own errors get the same shape.
"""

from http import HTTPStatus


class ApplicationError(Exception):
    """A request the domain refuses: bad input or a rule broken.

    ``code`` is a stable machine code (``rubric_version_locked``), ``message``
    a sentence for people, ``field`` the input it concerns, if any, and
    ``fields`` a message per input when several are wrong at once.
    """

    status_code = HTTPStatus.BAD_REQUEST

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        fields: dict[str, str] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.fields = fields or ({field: message} if field else {})
        if status_code is not None:
            self.status_code = status_code


def _encodable(value):
    """``value`` with lone surrogates written as ``\\udxxx``: error bodies echo the input, and a lone
    surrogate from a JSON ``\\ud800`` escape cannot be encoded as UTF-8 (rendering it would be a 500)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


def api_exception_handler(exc, context):
    response = _api_exception_response(exc, context)
    if response is not None:
        response.data = _encodable(response.data)
    return response


def _api_exception_response(exc, context):
    # DRF is imported here, not at the top: services import ApplicationError, and DRF's
    # settings import the authentication classes, which import services.
    from rest_framework import exceptions
    from rest_framework.response import Response
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        if exc.fields:
            body["fields"] = exc.fields
        return Response(body, status=exc.status_code)
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    # Django's own exceptions get the same shape as DRF's.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource, or not one you may see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": "The request has invalid fields.", "fields": exc.detail}
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error",
            "detail": str(exc.detail),
        }
    return response
