"""Request guards that run before any view reads the body."""

from django.conf import settings
from django.http import JsonResponse


class ApiBodySizeLimitMiddleware:
    """Refuse API request bodies over ``API_MAX_BODY_BYTES`` with 413, before they are read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_BODY_BYTES:
                return self.refusal(request)
        return self.get_response(request)

    def refusal(self, request) -> JsonResponse:
        """413, counted in the client's rate window and reporting it, as every API answer does."""
        from integrations.api.throttling import rate_limit_count, rate_limit_headers

        response = JsonResponse(
            {
                "code": "body_too_large",
                "detail": f"The request body may be at most {settings.API_MAX_BODY_BYTES} bytes.",
            },
            status=413,
        )
        return rate_limit_headers(response, rate_limit_count(request))


DATABASE_RETRY_AFTER_SECONDS = 5

_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><main><h1>Temporarily unavailable</h1>
<p>We could not reach the database. Nothing was lost that you had already saved; please try again in a
few seconds.</p></main></body></html>
"""


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when a view loses the database, instead of a 500 page.

    A dropped connection, a restarting server or a cancelled statement raises
    ``OperationalError``/``InterfaceError``; the request's transaction is rolled
    back, so the client may retry. The API answers ``{"code":
    "database_unavailable", ...}``; pages a short HTML notice. Other database
    errors (integrity, data) are bugs and stay 500s. Django closes the broken
    connection when the request finishes, so the next request connects afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        import logging

        from django.db import InterfaceError, OperationalError
        from django.http import HttpResponse

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        # The class only: messages can carry hosts and database names.
        logging.getLogger("config").warning(
            "Database unavailable during %s %s: %s", request.method, request.path, type(exception).__name__
        )
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "code": "database_unavailable",
                    "detail": "The database is unavailable for a moment; nothing was changed. Retry shortly.",
                },
                status=503,
            )
        else:
            response = HttpResponse(_UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
