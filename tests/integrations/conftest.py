"""Fixtures for webhook tests: a real HTTP receiver on 127.0.0.1, subscriptions, and a movable clock."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.utils import timezone


class Receiver:
    """An HTTP server in a thread that records every request and answers ``status`` (or the next of
    ``statuses``)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/scorecards?tenant=acme"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    """A live receiver; 127.0.0.1 is allow-listed for webhooks while it runs."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Receiver() as running:
        yield running


@pytest.fixture
def integration_token(db):
    from integrations.services import token_create

    # Hearing about an event needs the scope that reading its resource needs.
    token, _ = token_create(
        name="Greenhouse",
        source="greenhouse",
        scopes=["webhooks:manage", "scorecards:read", "scores:read", "shortlists:read", "decisions:read"],
    )
    return token


@pytest.fixture
def subscribe(receiver, integration_token):
    """``subscribe(events, token=..., url=...)``: a subscription to the receiver; returns (it, secret)."""
    from integrations.webhooks import webhook_subscription_create

    def make(events=("scorecard.submitted",), *, token=None, url=None):
        return webhook_subscription_create(
            token=token or integration_token, url=url or receiver.url, events=list(events)
        )

    return make


class Clock:
    """``timezone.now()`` frozen at ``now``; ``advance(...)`` moves it."""

    def __init__(self) -> None:
        self.now: datetime = timezone.now()

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock():
    frozen = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: frozen.now):
        yield frozen


SCORECARD = {"id": 41, "application_id": 12, "interviewer": {"id": 5}, "overall_recommendation": "yes"}


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """``emit(type, resource, send=True)``: an event in its own transaction; ``send=False`` loses the
    after-commit messages, as a broker outage would."""
    from django.db import transaction

    from integrations.events import event_emit

    def run(type="scorecard.submitted", resource=None, *, send=True):
        with django_capture_on_commit_callbacks(execute=send), transaction.atomic():
            return event_emit(type=type, resource=resource or SCORECARD)

    return run
