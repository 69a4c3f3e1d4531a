"""Request bodies read through a serializer: the one way every API view validates its input."""

from __future__ import annotations

from rest_framework.request import Request


def validated_body(serializer_class, request: Request, *, data=None, **context) -> dict:
    """The request's body (or ``data``) validated by ``serializer_class``, as a dict.

    Invalid input raises DRF's ``ValidationError``, which the API answers 400 with
    the messages per dotted field path (``config.errors``). The serializer's context
    holds ``request`` and any ``context`` given (``source=...``).
    """
    serializer = serializer_class(
        data=request.data if data is None else data, context={"request": request, **context}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
