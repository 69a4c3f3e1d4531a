"""Fault-test fixtures: a private Redis that tests may stop, and real Celery workers as processes.

The shared Redis and PostgreSQL are never stopped: a test that needs a broker
outage starts its own ``redis-server`` on a free port and stops that one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.conftest import wait_for

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A throwaway ``redis-server`` on 127.0.0.1:``port``, without persistence; ``stop``/``start`` it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        # No client-side retries: a refused connection answers at once.
        return redis.Redis(
            port=self.port, socket_connect_timeout=1, socket_timeout=5, retry=Retry(NoBackoff(), 0)
        )

    def ping(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=15, interval=0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis():
    """A private Redis, started and answering PING; stopped at teardown whatever the test did."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_<name>``), for subprocesses."""
    from django.db import connection

    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class WorkerProcess:
    """``celery -A config worker`` as a separate process group, logging to a file we can read."""

    def __init__(self, *, env: dict[str, str], log_path: Path, pool: str = "prefork") -> None:
        self.env = env
        self.log_path = log_path
        self.pool = pool
        self.process: subprocess.Popen | None = None
        self.name = f"faults-{uuid.uuid4().hex[:8]}@%h"

    def start(self) -> WorkerProcess:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={self.pool}",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                self.name,
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killing it takes its pool children too
        )
        wait_for(lambda: " ready." in self.output() or self.process.poll() is not None, timeout=60)
        assert self.process.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as the OOM killer or a lost host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()
        self.process = None

    def stop(self) -> None:
        """At teardown: SIGKILL too. Nothing is in flight any more, and a warm shutdown costs seconds."""
        if self.process is None:
            return
        try:
            self.kill()
        except ProcessLookupError:
            self.process = None


@pytest.fixture
def worker_processes(private_redis, tmp_path):
    """``start(**env)``: a real worker process on the private Redis and this test's database.

    Every worker started is stopped at teardown. ``env`` adds or overrides
    environment variables (e.g. ``CELERY_VISIBILITY_TIMEOUT``).
    """
    started: list[WorkerProcess] = []

    def start(**extra: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_this_test(),
            "REDIS_URL": private_redis.url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **extra,
        }
        worker = WorkerProcess(env=env, log_path=tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def celery_on(private_redis):
    """Point this process's Celery app (broker and results) at the private Redis, not eager.

    Connection and producer pools are dropped before and after, so no
    connection to the other Redis is reused in either direction.
    """
    from config.celery import app

    def reset() -> None:
        from kombu import pools

        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu's process-wide connection and producer pools hold the closed connections too:
        # drop them, or later tests acquire from a closed pool.
        pools.reset()
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {key: app.conf[key] for key in keys}
    reset()
    app.conf.broker_url = private_redis.url()
    app.conf.result_backend = private_redis.url()
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        reset()
        app.conf.update(previous)
        reset()


def elapsed(action) -> tuple[object, float]:
    """``action()``'s result and how long it took, in seconds."""
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started
