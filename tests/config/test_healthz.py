import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_is_up_with_database_and_broker_named(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert body["checks"]["database"] == {"state": "up", "vendor": "postgresql"}
    assert body["checks"]["broker"] == {"state": "up", "kind": "redis"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_naming_the_broker_when_redis_cannot_be_reached(client, settings):
    # Port 1 on loopback refuses connections at once: a real unreachable broker.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["state"] == "down"
    assert body["checks"]["database"]["state"] == "up"


def test_healthz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == {
        "state": "down",
        "vendor": "postgresql",
        "error": "OperationalError",
    }


def test_healthz_does_not_leak_connection_details(client, settings):
    settings.CELERY_BROKER_URL = "redis://:sekret-password@127.0.0.1:1/0"

    response = client.get("/healthz")

    assert b"sekret-password" not in response.content


def test_healthz_answers_plain_http_even_when_ssl_redirect_is_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200


def test_healthz_rejects_writes(client):
    assert client.post("/healthz").status_code == 405
