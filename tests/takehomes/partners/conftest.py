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
