"""Greenhouse as an assessment partner's client: keys, a client sending HTTP Basic, a documented order."""

import base64
import json

import pytest
from django.test import Client

from takehomes.partners.services import partner_key_create

BASE = "/partners/greenhouse/"


def basic(secret: str) -> str:
    """Greenhouse's Authorization: the key as username, a colon, no password, Base64-encoded."""
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


class GreenhouseClient:
    """Calls our endpoints as Greenhouse does (test client, in process)."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": basic(secret)} if secret else {}

    def get(self, call: str, **query):
        return self.client.get(BASE + call, query, **self.headers)

    def post(self, call: str, body=None, *, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(BASE + call, data, content_type="application/json", **self.headers)


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server speaks plain http; its middleware reads this when it starts (as in tests/e2e)."""
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture
def partner_key(db):
    """``partner_key(source="greenhouse")``: (PartnerKey, secret)."""

    def make(source: str = "greenhouse", name: str = "Greenhouse production"):
        return partner_key_create(name=name, source=source)

    return make


@pytest.fixture
def greenhouse(partner_key):
    key, secret = partner_key()
    client = GreenhouseClient(secret)
    client.key, client.secret = key, secret
    return client


def order(test_id, *, email="hpotter@hogwarts.edu", person=17681532, application=26234709, url=None):
    """A send_test body as Greenhouse's documentation shows it."""
    return {
        "partner_test_id": str(test_id),
        "candidate": {
            "first_name": "Harry",
            "last_name": "Potter",
            "resume_url": "https://hogwarts.com/resume",
            "phone_number": "123-456-7890",
            "email": email,
            "greenhouse_profile_url": f"https://app.greenhouse.io/people/{person}?application_id={application}",
        },
        "url": url or "https://app.greenhouse.io/integrations/testing_partners/take_home_tests/12345",
    }


class CompletionReceiver:
    """Greenhouse's side of "PATCH - Mark Test as Completed": records each request, answers ``statuses``."""

    def __init__(self, on_patch=None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.on_patch = on_patch
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_PATCH(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {
                        "method": "PATCH",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200 and receiver.on_patch is not None:
                    receiver.on_patch()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.server.server_port}/integrations/testing_partners/take_home_tests/12345"
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def completion_receiver(settings):
    """A live receiver of the completion PATCH; loopback is allowed for it while it runs."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with CompletionReceiver() as running:
        yield running
