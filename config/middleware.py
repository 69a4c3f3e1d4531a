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
                return JsonResponse(
                    {
                        "code": "body_too_large",
                        "detail": f"The request body may be at most {settings.API_MAX_BODY_BYTES} bytes.",
                    },
                    status=413,
                )
        return self.get_response(request)
