"""Liveness and dependency checks behind ``GET /healthz``.

The body names each dependency and its state so an operator sees at a glance
which part is down; the status is 200 when all are up and 503 otherwise. Error
details name only the exception class: connection strings and hosts stay out
of responses and logs.
"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the class says which
        logger.warning("healthz: database check failed: %s", type(exc).__name__)
        return {"state": "down", "vendor": connection.vendor, "error": type(exc).__name__}
    return {"state": "up", "vendor": connection.vendor}


def check_broker() -> dict[str, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"state": "up", "kind": "eager", "detail": "no REDIS_URL: tasks run in-process"}
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except Exception as exc:
        logger.warning("healthz: broker check failed: %s", type(exc).__name__)
        return {"state": "down", "kind": "redis", "error": type(exc).__name__}
    finally:
        client.close()
    return {"state": "up", "kind": "redis"}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    failing = sorted(name for name, check in checks.items() if check["state"] != "up")
    body = {"status": "down" if failing else "up", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
