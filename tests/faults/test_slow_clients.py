"""Clients that send their request slowly do not stall the app, even with no proxy in front.

A real gunicorn is started as production starts it, with the repo's config
(config/gunicorn.conf.py), ``DEBUG`` off, an empty STATIC_ROOT and fewer worker
processes than slow clients, on this test's database. Everything is measured
with real sockets. Each slow client sends the headers of a sign-in form
post (any visitor can), then its body at 1 byte/s. The app waits for that body:
the CSRF check reads the form. With sync workers two such clients took both
workers, and ``/healthz`` waited for a minute.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from integrations.services import token_create
from tests.faults.conftest import REPO, database_url_of_this_test, free_port

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 2
SLOW_CLIENTS = 6  # more than the workers, within what their threads hold
SLOW_BODY_BYTES = 100_000  # under API_MAX_BODY_BYTES and nginx's client_max_body_size
ANSWER_BOUND_SECONDS = 1.0
SOCKET_TIMEOUT_SECONDS = 5.0  # a request that has not been answered by then counts as stalled
START_TIMEOUT_SECONDS = 120.0  # start-up collects the static files first


class Gunicorn:
    """``gunicorn -c config/gunicorn.conf.py`` on 127.0.0.1:``port``, as its own process group."""

    def __init__(self, *, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(REPO / "config" / "gunicorn.conf.py"),
                    "config.wsgi:application",
                ],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopping it takes the workers too
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while request(self.port, "/healthz", timeout=2)[0] != 200:
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, f"gunicorn did not answer /healthz\n{self.output()}"
            time.sleep(0.2)
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None


def request(port: int, path: str, *, headers: dict[str, str] | None = None, timeout: float) -> tuple:
    """GET ``path`` on a fresh socket: (status, body, seconds); status 0 when it was not answered in time."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    except (TimeoutError, ConnectionRefusedError):
        return 0, b"", time.monotonic() - started
    seconds = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body, seconds


class SlowClients:
    """``count`` connections that send a sign-in form post's headers, then its body at 1 byte/s.

    ``finish()`` sends the rest of each body and reads the answers, so the server
    is done with them (and their audit rows) before the test database is flushed.
    """

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.sent: list[int] = []
        self.stopping = threading.Event()
        self.dripper = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> SlowClients:
        head = (
            "POST /accounts/login/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {SLOW_BODY_BYTES}\r\n"
            "Connection: close\r\n"
            # A well-formed CSRF cookie, which anyone can make up: the check then reads the form.
            "Cookie: csrftoken=slowclientslowclientslowclient00\r\n\r\n"
        ).encode()
        try:
            for _ in range(self.count):
                connection = socket.create_connection(
                    ("127.0.0.1", self.port), timeout=SOCKET_TIMEOUT_SECONDS
                )
                self.sockets.append(connection)
                connection.sendall(head + b"u")
                self.sent.append(1)
            self.dripper.start()
        except BaseException:
            self.close()
            raise
        return self

    def _drip(self) -> None:
        while not self.stopping.wait(1.0):
            for index, connection in enumerate(self.sockets):
                with contextlib.suppress(OSError):  # answered and closed: unanswered() reports it
                    connection.sendall(b"u")
                    self.sent[index] += 1

    def unanswered(self) -> int:
        """How many slow requests the server still holds open without a byte of answer."""
        waiting = 0
        for connection in self.sockets:
            connection.setblocking(False)
            try:
                connection.recv(1)
            except BlockingIOError:
                waiting += 1
            except OSError:
                pass
            finally:
                connection.settimeout(SOCKET_TIMEOUT_SECONDS)
        return waiting

    def finish(self) -> list[int]:
        """Send the rest of every body at once; the status of each answer."""
        self.stopping.set()
        self.dripper.join(timeout=5)
        statuses = []
        for connection, sent in zip(self.sockets, self.sent, strict=True):
            connection.settimeout(30)
            connection.sendall(b"u" * (SLOW_BODY_BYTES - sent))
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
            statuses.append(int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0)
        return statuses

    def close(self) -> None:
        self.stopping.set()
        if self.dripper.is_alive():
            self.dripper.join(timeout=5)
        for connection in self.sockets:
            connection.close()
        self.sockets = []

    def __exit__(self, *exc_info) -> None:
        self.close()


@pytest.fixture(scope="module")
def production_server(django_db_setup, tmp_path_factory):
    """gunicorn as production runs it without Docker: the repo's config, DEBUG off, nothing collected."""
    directory = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_of_this_test(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(directory / "static"),
        "WEB_CONCURRENCY": str(WORKERS),
        # Plain http on 127.0.0.1.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = Gunicorn(env=env, log_path=directory / "gunicorn.log")
    try:
        yield server.start()
    finally:
        server.stop()


def warm_up(port: int, paths_and_headers: list[tuple[str, dict]]) -> None:
    """Send each request a few times at once, so every worker has loaded the views before timing."""
    threads = [
        threading.Thread(target=request, args=(port, path), kwargs={"headers": headers, "timeout": 30})
        for path, headers in paths_and_headers * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_healthz_and_an_api_read_answer_within_a_second_while_slow_clients_hold_more_sockets_than_workers(
    production_server, rubric_version
):
    _, secret = token_create(name="Slow-client probe", source="greenhouse", scopes=["roles:read"])
    probes = [("/healthz", {}), ("/api/v1/roles/", {"Authorization": f"Bearer {secret}"})]
    port = production_server.port
    warm_up(port, probes)

    with SlowClients(port, SLOW_CLIENTS) as slow:
        time.sleep(1.5)  # the server has read their headers and waits for their bodies
        timings = []
        for _ in range(3):
            for path, headers in probes:
                status, body, seconds = request(port, path, headers=headers, timeout=SOCKET_TIMEOUT_SECONDS)
                timings.append((path, status, round(seconds, 3)))
        still_held = slow.unanswered()
        finally_answered = slow.finish()

    assert all(status == 200 for _, status, _ in timings), timings
    assert max(seconds for *_, seconds in timings) < ANSWER_BOUND_SECONDS, timings
    assert b"data_scientist" in body
    # The slow requests were still in progress while the others were answered; then they were
    # answered too (403: the form carries no CSRF token).
    assert still_held == SLOW_CLIENTS
    assert finally_answered == [403] * SLOW_CLIENTS


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/api/docs/"])
def test_pages_with_static_files_answer_200_when_production_starts_without_collected_static_files(
    production_server, path
):
    status, body, _ = request(production_server.port, path, timeout=30)

    assert status == 200, production_server.output()[-2000:]
    # Linked by their hashed names, from the manifest start-up wrote.
    assert re.search(rb"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)", body)
    assert (Path(production_server.env["STATIC_ROOT"]) / "staticfiles.json").is_file()
