"""Cursor pages for API lists: stable under inserts, a fixed number of queries per page."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from rest_framework.pagination import CursorPagination

from config.errors import ApplicationError


class CursorPage(CursorPagination):
    """Opaque cursors, newest first by default; ``page_size`` up to ``API_MAX_PAGE_SIZE``.

    A page size above the maximum is refused (400 ``page_size_too_large``),
    not silently cut, so a client never mistakes a short page for the end.
    """

    page_size = 50
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        maximum = settings.API_MAX_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ApplicationError(
                "invalid_page_size", "page_size must be a whole number from 1.", field="page_size"
            )
        if size > maximum:
            raise ApplicationError(
                "page_size_too_large", f"page_size may be at most {maximum}.", field="page_size"
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # what a cursor's position must be read as (decode_cursor)
        return super().paginate_queryset(queryset, request, view)

    def invalid_cursor(self) -> ApplicationError:
        return ApplicationError(
            "invalid_cursor", "The cursor is not one this API gave out.", field=self.cursor_query_param
        )

    def decode_cursor(self, request):
        """DRF's cursor, with its position checked against the ordering field's type.

        DRF answers 404 for a cursor it cannot decode and passes a decodable one's
        position to the database as it is: base64 of ``p=abc`` on an id ordering
        was a 500. Both are bad input: 400 ``invalid_cursor`` at the parameter.
        """
        from rest_framework.exceptions import NotFound

        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self.invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            self.position_check(cursor.position)
        return cursor

    def position_check(self, position: str) -> None:
        """Refuse a position the ordering's first field cannot hold (and any NUL, which no column can).

        The cursors this API gives out hold times with their offset: a time without one is crafted.
        """
        if "\x00" in position:
            raise self.invalid_cursor()
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        model = getattr(self, "_model", None)
        if model is None:
            return
        try:
            field = model._meta.get_field(ordering.lstrip("-"))
        except FieldDoesNotExist:
            return
        try:
            value = field.to_python(position)
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise self.invalid_cursor() from None
        if value is None or (isinstance(value, int) and not -(2**63) <= value < 2**63):
            raise self.invalid_cursor()
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            raise self.invalid_cursor()


class UpdatedCursorPage(CursorPage):
    """Oldest change first: what incremental sync with ``updated_since`` walks through."""

    ordering = ("updated_at", "id")
