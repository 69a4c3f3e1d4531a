"""Check that the services the test suite needs are reachable, before it starts.

``python -m config.preflight`` exits 0 when PostgreSQL (``DATABASE_URL``) and
Redis (``REDIS_URL``) answer, and otherwise prints one line per missing
service, naming it and how to start it, and exits 1. ``make test`` and the
test suite's conftest run it so a run never half-starts or skips silently.
Only host and port are printed: never a password.
"""

import os
import sys
from urllib.parse import urlsplit

import environ

CONNECT_TIMEOUT_SECONDS = 3

POSTGRES_HINT = (
    "start it (`pg_ctlcluster <version> main start`, or `docker compose up -d db` "
    "with DATABASE_URL=postgres://assess:assess@127.0.0.1:5432/assess) or point DATABASE_URL at one"
)
REDIS_HINT = (
    "start it (`redis-server --daemonize yes`, or `docker compose up -d redis`) or point REDIS_URL at one"
)


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


def check_postgres(url: str | None) -> str | None:
    """Return a one-line problem description, or None when PostgreSQL answers."""
    if not url:
        return f"PostgreSQL: DATABASE_URL is not set; the suite runs on PostgreSQL: {POSTGRES_HINT}."
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return f"PostgreSQL: DATABASE_URL is not a PostgreSQL URL; the suite needs one: {POSTGRES_HINT}."
    import psycopg

    try:
        psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname=config.get("NAME") or None,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {_where(url)} is unreachable ({type(exc).__name__}): {POSTGRES_HINT}."
    return None


def check_redis(url: str | None) -> str | None:
    """Return a one-line problem description, or None when Redis answers."""
    if not url:
        return f"Redis: REDIS_URL is not set; the suite runs a real Celery worker on it: {REDIS_HINT}."
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at {_where(url)} is unreachable ({type(exc).__name__}): {REDIS_HINT}."
    finally:
        client.close()
    return None


def problems(environ_: dict[str, str] | None = None) -> list[str]:
    environ_ = os.environ if environ_ is None else environ_
    found = [
        check_postgres(environ_.get("DATABASE_URL")),
        check_redis(environ_.get("REDIS_URL")),
    ]
    return [problem for problem in found if problem]


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
