"""Each pytest-xdist worker has a Redis database of its own: no worker consumes another's Celery messages."""

import os

import pytest
from django.conf import settings

from tests.plugins import xdist_services
from tests.plugins.xdist_services import worker_redis_url


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache:6380/5", "gw2", "redis://:secret@cache:6380/8"),
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/0"),  # Redis has 16 databases
    ],
)
def test_each_worker_moves_to_the_database_after_the_one_it_was_given(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_this_process_s_cache_and_broker_use_its_worker_s_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    given = xdist_services.given_redis_url
    expected = given if worker is None else worker_redis_url(given, worker)

    assert settings.CELERY_BROKER_URL == settings.CELERY_RESULT_BACKEND == expected
    assert settings.CACHES["default"]["LOCATION"] == expected
    assert worker is None or expected != given
