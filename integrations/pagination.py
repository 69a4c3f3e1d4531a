"""Cursor pages for API lists: stable under inserts, a fixed number of queries per page."""

from django.conf import settings
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

    def decode_cursor(self, request):
        from rest_framework.exceptions import NotFound

        try:
            return super().decode_cursor(request)
        except NotFound:
            # DRF answers 404 for a cursor it cannot read; it is bad input, so 400 at the parameter.
            raise ApplicationError(
                "invalid_cursor", "The cursor is not one this API gave out.", field=self.cursor_query_param
            ) from None


class UpdatedCursorPage(CursorPage):
    """Oldest change first: what incremental sync with ``updated_since`` walks through."""

    ordering = ("updated_at", "id")
