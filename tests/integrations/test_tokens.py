import hashlib
import io

import pytest
from django.core.management import call_command

from config.errors import ApplicationError
from integrations.models import AuditEvent, IntegrationToken
from integrations.services import token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash():
    token, secret = token_create(name="Greenhouse", source="greenhouse", scopes=["roles:read"])

    stored = IntegrationToken.objects.get(pk=token.pk)
    assert secret.startswith("dsk_")
    assert len(secret) > 40
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(IntegrationToken.objects.filter(pk=token.pk).values().first())
    assert AuditEvent.objects.filter(action="token.created", target_id=str(token.pk)).exists()


def test_an_unknown_scope_is_refused_at_the_field():
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        token_create(name="x", source="greenhouse", scopes=["everything:write"])

    assert (caught.value.code, caught.value.field) == ("unknown_scope", "scopes")
    assert not IntegrationToken.objects.exists()


def test_the_command_prints_the_secret_once_and_it_works(client):
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "create_integration_token", "Lever", "--source", "lever", "--scope", "read", stdout=out, stderr=err
    )

    secret = out.getvalue().strip()
    assert "cannot be shown again" in err.getvalue()
    response = client.get("/api/v1/roles/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert IntegrationToken.objects.get().last_used_at is not None


def test_a_token_made_with_share_writes_the_web_app_s_records_and_one_without_does_not(client):
    from tests.factories import CandidateFactory

    candidate = CandidateFactory(source="manual")
    secrets, said = {}, {}
    for name, extra in (("Sharing", ["--share", "manual"]), ("Own only", [])):
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "create_integration_token", name, "--source", "lever", "--scope", "candidates:write",
            *extra, stdout=out, stderr=err,
        )  # fmt: skip
        secrets[name], said[name] = out.getvalue().strip(), err.getvalue()
    assert "also writes records of: manual" in said["Sharing"]
    assert "also writes" not in said["Own only"]

    def patch(secret):
        return client.patch(
            f"/api/v1/candidates/{candidate.pk}/",
            {"notes": "From Lever."},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    refused = patch(secrets["Own only"])
    assert refused.status_code == 403
    assert refused.json()["code"] == "source_mismatch"
    candidate.refresh_from_db()
    assert candidate.notes == ""
    assert patch(secrets["Sharing"]).status_code == 200
    candidate.refresh_from_db()
    assert candidate.notes == "From Lever."
    assert IntegrationToken.objects.get(name="Sharing").shared_sources == ["manual"]


def test_a_shared_source_that_is_not_a_source_name_is_refused_and_no_token_is_made():
    with pytest.raises(ApplicationError) as caught:
        token_create(name="Bad", source="lever", scopes=["candidates:read"], shared_sources=["man ual"])

    assert (caught.value.code, caught.value.field) == ("invalid_source", "shared_sources")
    assert not IntegrationToken.objects.exists()


def test_a_token_reads_within_its_scopes_and_gets_403_outside_them(token_client):
    client = token_client(["openings:read"])

    response = client.get("/api/v1/roles/")

    assert response.status_code == 403
    assert response.json() == {"code": "missing_scope", "detail": "This needs the 'roles:read' scope."}


@pytest.mark.parametrize(
    "header", ["Bearer dsk_not-a-real-token", "Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"]
)
def test_a_bad_or_missing_token_is_401_with_a_bearer_challenge(client, header):
    response = client.get("/api/v1/roles/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_a_revoked_token_is_rejected_and_the_revocation_audited(token_client, recruiter):
    client = token_client(["roles:read"])
    assert client.get("/api/v1/roles/").status_code == 200

    token_revoke(token=client.token, actor=recruiter)

    assert client.get("/api/v1/roles/").status_code == 401
    event = AuditEvent.objects.get(action="token.revoked")
    assert (event.actor_user, event.target_id) == (recruiter, str(client.token.pk))


def test_every_answer_carries_the_rate_limit_and_429_says_when_to_retry(token_client, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = token_client(["openings:read"])

    answers = [client.get("/api/v1/rubric-versions/") for _ in range(4)]

    assert [a.status_code for a in answers] == [403, 403, 403, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a["X-RateLimit-Limit"] == "3" for a in answers)
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["code"] == "throttled"


def test_an_oversized_body_is_413_before_anything_reads_it(token_client, settings):
    settings.API_MAX_BODY_BYTES = 100
    client = token_client(["roles:read"])

    response = client.post("/api/v1/roles/", {"padding": "x" * 200}, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_an_oversized_body_counts_in_the_tokens_window_and_reports_it_like_any_answer(token_client, settings):
    settings.API_MAX_BODY_BYTES = 100
    settings.API_RATE_LIMIT = "5/min"
    client = token_client(["roles:read"])

    refused = client.post("/api/v1/roles/", {"padding": "x" * 200}, format="json")
    then = client.get("/api/v1/roles/")

    assert refused.status_code == 413
    assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("5", "4")
    assert (then["X-RateLimit-Limit"], then["X-RateLimit-Remaining"]) == ("5", "3")


@pytest.mark.parametrize("credentials", ["none", "bad token", "session"])
def test_an_oversized_body_reports_the_rate_of_whoever_sent_it(credentials, settings, db, client):
    from django.core.cache import cache

    from tests.factories import UserFactory

    settings.API_MAX_BODY_BYTES = 100
    settings.API_RATE_LIMIT = "7/min"
    address = "198.51.100.7"
    headers = {"REMOTE_ADDR": address}
    if credentials == "bad token":
        headers["HTTP_AUTHORIZATION"] = "Bearer dsk_not_a_token"
    cache.delete(f"throttle_api_addr:{address}")  # the window outlives tests (the cache is Redis)
    if credentials == "session":
        user = UserFactory(username="rhea", groups=["recruiter"])
        cache.delete(f"throttle_api_user:{user.pk}")
        client.force_login(user)

    refused = client.post("/api/v1/candidates/", "x" * 200, content_type="application/json", **headers)
    then = client.get("/api/v1/roles/", **headers)

    assert refused.status_code == 413
    assert (refused["X-RateLimit-Limit"], refused["X-RateLimit-Remaining"]) == ("7", "6")
    assert then["X-RateLimit-Remaining"] == "5"  # the same window


def test_a_method_an_endpoint_does_not_serve_is_405(token_client):
    client = token_client(["roles:read"])

    assert client.post("/api/v1/rubric-versions/", {}, format="json").status_code == 405


def test_the_admin_shows_a_new_tokens_secret_once(admin_client):
    response = admin_client.post(
        "/admin/integrations/integrationtoken/add/",
        {"name": "Ashby", "source": "ashby", "scopes": ["roles:read", "scores:read"]},
    )

    assert response.status_code == 200
    secret = response.context["secret"]
    token = IntegrationToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.scopes == ["roles:read", "scores:read"]
    page = admin_client.get(f"/admin/integrations/integrationtoken/{token.pk}/change/")
    assert secret not in page.content.decode()


def test_the_schema_and_the_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "IntegrationToken" in schema.json()["components"]["securitySchemes"]
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_erasing_a_candidate_redacts_stored_responses_that_quote_them(token_client, recruiter):
    from integrations.models import IdempotencyRecord
    from integrations.tasks import idempotency_records_purge

    client = token_client(["candidates:write", "candidates:erase"])
    ada = {"name": "Ada Lovelace", "email": "ada@example.com"}
    created = client.post("/api/v1/candidates/", ada, format="json", HTTP_IDEMPOTENCY_KEY="create-ada")
    other = client.post(
        "/api/v1/candidates/",
        {"name": "Grace Hopper", "email": "grace@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="create-grace",
    )
    assert created.status_code == other.status_code == 201

    erased = client.post(f"/api/v1/candidates/{created.json()['id']}/erase/", format="json")
    replay = client.post("/api/v1/candidates/", ada, format="json", HTTP_IDEMPOTENCY_KEY="create-ada")

    assert erased.status_code == 200
    stored = {record.key: record.response_body for record in IdempotencyRecord.objects.all()}
    assert (stored["create-ada"]["name"], stored["create-ada"]["email"]) == ("[erased]", "[erased]")
    assert stored["create-grace"]["name"] == "Grace Hopper"
    # The key still holds: the replay sends the redacted answer and creates no second Ada.
    assert (replay.status_code, replay["Idempotent-Replayed"], replay.json()["id"]) == (
        201,
        "true",
        created.json()["id"],
    )
    assert "ada" not in str(replay.json()).lower()
    assert idempotency_records_purge() == 0  # younger than the TTL


def test_idempotency_records_are_purged_after_their_ttl(token_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import IdempotencyRecord
    from integrations.tasks import idempotency_records_purge

    client = token_client(["candidates:write"])
    client.post(
        "/api/v1/candidates/",
        {"name": "A", "email": "a@example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )

    assert idempotency_records_purge() == 1
    assert not IdempotencyRecord.objects.exists()


def test_requests_still_go_through_when_the_rate_limit_cache_is_down(token_client, settings, caplog):
    # Nothing listens on port 1: the throttle's cache is unreachable.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = token_client(["roles:read"])

    response = client.get("/api/v1/roles/")

    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == response["X-RateLimit-Remaining"]
    assert "Rate limiting skipped" in caplog.text
