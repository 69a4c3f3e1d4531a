"""Each pytest-xdist worker gets a Redis database of its own (``make test`` runs the suite with ``-n``).

pytest-django already gives each worker its own test database (``test_<name>_gw0``, ...).
Redis is shared the same way unless told otherwise: two workers would consume each other's
Celery messages, and share throttle counters and cached rows. So before Django's settings are
read, a worker's ``REDIS_URL`` moves to the database after the one it was given, one per worker
(``redis://host/0`` becomes ``/1`` for ``gw0``, ``/2`` for ``gw1``). A run without xdist keeps
the URL it was given. Loaded with ``-p tests.plugins.xdist_services`` (pyproject's addopts), so
it runs before pytest-django reads the settings.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

REDIS_DATABASES = 16  # Redis's default number of logical databases
given_redis_url: str | None = None  # REDIS_URL as this worker was started with it


def worker_redis_url(url: str, worker: str) -> str:
    """``url`` moved to the database of xdist worker ``worker`` (``gw0``, ``gw1``, ...)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base + 1 + index) % REDIS_DATABASES}"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global given_redis_url
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    given_redis_url = os.environ.get("REDIS_URL")
    if worker and given_redis_url:
        os.environ["REDIS_URL"] = worker_redis_url(given_redis_url, worker)
