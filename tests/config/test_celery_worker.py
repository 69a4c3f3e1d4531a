"""A real Celery worker, in a thread, consuming from the real Redis broker."""

import pytest

from config.celery import app, ping


@pytest.mark.worker
def test_a_real_worker_on_redis_runs_an_enqueued_task(celery_worker):
    assert not app.conf.task_always_eager
    assert app.conf.broker_url.startswith("redis://")

    result = ping.delay()

    assert result.get(timeout=20) == "pong"
    assert result.state == "SUCCESS"
