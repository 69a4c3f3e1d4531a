"""The one domain error type, and its mapping to HTTP for the REST API.

Services raise ``ApplicationError(code, message, field=...)``; the API turns it
into ``{"code": ..., "detail": ..., "field": ..., "fields": ...}`` with its status,
and pages show the message at the field. DRF's own errors get the same shape.

``fields`` always maps a dotted path to a list of messages:
``{"ratings.communication.level": ["Ensure this value is less than or equal to 5."]}``.
Nested objects add their key, list items their index (``attributes.0.rating``),
and errors about the body as a whole are at ``non_field_errors``. When exactly
one input is wrong, ``field`` names it too.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django import forms


class ApplicationError(Exception):
    """A request the domain refuses: bad input or a rule broken.

    ``code`` is a stable machine code (``rubric_version_locked``), ``message``
    a sentence for people, ``field`` the input it concerns, if any, and
    ``fields`` a message (or a list of them) per input when several are wrong at once.
    """

    status_code = HTTPStatus.BAD_REQUEST

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        fields: dict[str, str | list[str]] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.fields = fields or ({field: message} if field else {})
        if status_code is not None:
            self.status_code = status_code


def form_add_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Show an ``ApplicationError`` on a page's form: each message at the field it concerns.

    Messages for inputs the form does not have, and an error about no input, go
    above the form (its non-field errors).
    """
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, message in error.fields.items():
        form.add_error(field if field in form.fields else None, message)


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


# Field error codes specific enough to be the answer's own ``code`` when every field error has it
# (``{"code": "unknown_field", ...}``); any other mix of field errors is ``invalid``.
PROMOTED_FIELD_CODES = frozenset({"unknown_field", "timezone_required"})
NON_FIELD = "non_field_errors"


def error_fields(detail, prefix: str = "") -> dict[str, list]:
    """DRF's error detail (nested dicts, lists, ``ErrorDetail``) as ``{"dotted.path": [message, ...]}``.

    Messages keep their ``code`` (they stay ``ErrorDetail``), for ``error_code``.
    """
    if isinstance(detail, dict):
        flat: dict[str, list] = {}
        for key, value in detail.items():
            # A nested object's own errors (its validate()) are at the object's path.
            name = prefix if key == NON_FIELD else f"{prefix}.{key}" if prefix else str(key)
            for path, messages in error_fields(value, name).items():
                flat.setdefault(path, []).extend(messages)
        return flat
    if isinstance(detail, list | tuple) and any(isinstance(item, dict | list | tuple) for item in detail):
        # A list serializer's errors: one entry per item, ``{}`` for the valid ones.
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, dict | list | tuple):
                for path, messages in error_fields(
                    item, f"{prefix}.{index}" if prefix else str(index)
                ).items():
                    flat.setdefault(path, []).extend(messages)
            elif item:
                flat.setdefault(prefix or NON_FIELD, []).append(item)
        return flat
    messages = list(detail) if isinstance(detail, list | tuple) else [detail]
    messages = [message for message in messages if message]
    return {prefix or NON_FIELD: messages} if messages else {}


def error_code(fields: dict[str, list]) -> str:
    """``invalid``, or the one promoted code (``PROMOTED_FIELD_CODES``) every field message has."""
    codes = {getattr(message, "code", None) for messages in fields.values() for message in messages}
    if len(codes) == 1 and (code := codes.pop()) in PROMOTED_FIELD_CODES:
        return code
    return "invalid"


def _fields_body(fields: dict) -> dict[str, list[str]]:
    return {
        str(name): [
            str(message) for message in (messages if isinstance(messages, list | tuple) else [messages])
        ]
        for name, messages in fields.items()
    }


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
            body["fields"] = _fields_body(exc.fields)
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
        fields = error_fields(exc.detail)
        body = {"code": error_code(fields), "detail": "The request has invalid fields."}
        if len(fields) == 1 and NON_FIELD not in fields:
            body["field"] = next(iter(fields))
        body["fields"] = _fields_body(fields)
        response.data = body
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error",
            "detail": str(exc.detail),
        }
    return response
