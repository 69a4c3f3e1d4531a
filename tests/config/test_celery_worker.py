"""A real Celery worker, in a thread, consuming from the real Redis broker."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app, ping


@pytest.fixture
def celery_worker():
    # start_worker pings the worker before yielding; that needs celery.ping registered.
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=10
    ) as worker:
        yield worker


@pytest.mark.worker
def test_a_real_worker_on_redis_runs_an_enqueued_task(celery_worker):
    assert not app.conf.task_always_eager
    assert app.conf.broker_url.startswith("redis://")

    result = ping.delay()

    assert result.get(timeout=20) == "pong"
    assert result.state == "SUCCESS"
