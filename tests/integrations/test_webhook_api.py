"""The webhook subscription API: scope, ownership, URL checks, secrets, deliveries and redelivery."""

import pytest

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import signature_verify

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"


READS = ["scorecards:read", "scores:read", "shortlists:read", "decisions:read", "take_homes:read"]


@pytest.fixture
def client(token_client, receiver):
    return token_client(["webhooks:manage", *READS])


@pytest.fixture
def own(client, receiver):
    """A subscription created through the API by ``client``; its answer body (with the secret)."""
    response = client.post(WEBHOOKS, {"url": receiver.url, "events": ["scorecard.submitted"]}, format="json")
    assert response.status_code == 201, response.data
    return response.data


def test_creating_a_subscription_returns_its_secret_once(client, receiver):
    response = client.post(
        WEBHOOKS,
        {"url": receiver.url, "events": ["scorecard.submitted", "decision.recorded"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    stored = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"].startswith("whsec_")
    assert body["secret"] == stored.secret
    assert body["token_id"] == client.token.pk
    assert body["events"] == ["decision.recorded", "scorecard.submitted"]
    assert body["is_active"] is True
    assert "secret" not in client.get(f"{WEBHOOKS}{body['id']}/").json()
    assert all("secret" not in item for item in client.get(WEBHOOKS).json()["results"])


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://localhost:8000/hooks",  # resolves to loopback; not allow-listed
        "ftp://files.example.com/hooks",
    ],
)
def test_urls_that_could_reach_internal_services_are_refused(client, settings, url):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    response = client.post(WEBHOOKS, {"url": url, "events": ["scorecard.submitted"]}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_url_refused"
    assert response.json()["field"] == "url"
    assert not WebhookSubscription.objects.exists()


def test_changing_the_url_to_a_private_address_is_refused_and_keeps_the_old_one(
    client, own, receiver, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    response = client.patch(f"{WEBHOOKS}{own['id']}/", {"url": "http://192.168.0.10/"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_url_refused"
    assert WebhookSubscription.objects.get(pk=own["id"]).url == receiver.url


def test_unknown_or_no_event_types_are_refused(client, receiver):
    unknown = client.post(WEBHOOKS, {"url": receiver.url, "events": ["candidate.hired"]}, format="json")
    empty = client.post(WEBHOOKS, {"url": receiver.url, "events": []}, format="json")

    assert unknown.status_code == 400
    assert "events.0" in unknown.json()["fields"]  # the list item, by its index
    assert empty.status_code == 400


def test_a_subscription_can_be_paused_and_deleted(client, own):
    paused = client.patch(f"{WEBHOOKS}{own['id']}/", {"is_active": False}, format="json")
    assert paused.status_code == 200
    assert paused.json()["is_active"] is False

    assert client.delete(f"{WEBHOOKS}{own['id']}/").status_code == 204
    assert not WebhookSubscription.objects.filter(pk=own["id"]).exists()


def test_put_is_not_offered(client, own):
    response = client.put(f"{WEBHOOKS}{own['id']}/", {"events": ["shortlist.ready"]}, format="json")

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("get", "{id}/deliveries/"),
        ("post", "{id}/deliveries/1/redeliver/"),
    ],
)
def test_a_token_without_the_webhooks_scope_is_refused_everywhere(token_client, own, method, path):
    reader = token_client(["scorecards:read", "scores:read"])

    response = getattr(reader, method)(WEBHOOKS + path.format(id=own["id"]), {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "{id}/"),
        ("patch", "{id}/"),
        ("delete", "{id}/"),
        ("get", "{id}/deliveries/"),
        ("post", "{id}/deliveries/{delivery}/redeliver/"),
    ],
)
def test_another_tokens_subscription_is_not_found(token_client, own, emit, method, path):
    emit()
    delivery = WebhookDelivery.objects.get(subscription_id=own["id"])
    stranger = token_client(["webhooks:manage"], source="lever", name="Lever")

    response = getattr(stranger, method)(
        WEBHOOKS + path.format(id=own["id"], delivery=delivery.pk), {"is_active": False}, format="json"
    )

    assert response.status_code == 404
    assert WebhookSubscription.objects.get(pk=own["id"]).is_active


def test_lists_hold_only_the_callers_own_subscriptions(token_client, client, own, receiver):
    stranger = token_client(["webhooks:manage", "shortlists:read"], source="lever", name="Lever")
    theirs = stranger.post(WEBHOOKS, {"url": receiver.url, "events": ["shortlist.ready"]}, format="json")

    assert [item["id"] for item in client.get(WEBHOOKS).json()["results"]] == [own["id"]]
    assert [item["id"] for item in stranger.get(WEBHOOKS).json()["results"]] == [theirs.json()["id"]]


def test_a_token_cannot_create_a_subscription_for_another_token(client, token_client, receiver):
    other = token_client(["webhooks:manage"], source="lever", name="Lever")

    response = client.post(
        WEBHOOKS,
        {"url": receiver.url, "events": ["shortlist.ready"], "token_id": other.token.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token_id"


@pytest.mark.parametrize(
    ("persona", "allowed"), [("recruiter", True), ("committee_member", False), ("interviewer", False)]
)
def test_only_recruiters_manage_webhooks_through_the_session(request, session_client, own, persona, allowed):
    response = session_client(request.getfixturevalue(persona)).get(WEBHOOKS)

    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert [item["id"] for item in response.json()["results"]] == [own["id"]]


def test_a_recruiter_creates_a_subscription_for_a_named_token(session_client, recruiter, client, receiver):
    session = session_client(recruiter)
    payload = {"url": receiver.url, "events": ["fit_scores.updated"]}

    missing = session.post(WEBHOOKS, payload, format="json")
    created = session.post(WEBHOOKS, {**payload, "token_id": client.token.pk}, format="json")

    assert missing.status_code == 400
    assert missing.json()["code"] == "token_required"
    assert created.status_code == 201
    assert created.json()["token_id"] == client.token.pk
    assert [item["id"] for item in client.get(WEBHOOKS).json()["results"]] == [created.json()["id"]]


def test_deliveries_are_listed_newest_first_with_their_attempts(client, own, emit, receiver):
    receiver.statuses = [500]
    first = emit("scorecard.submitted", {"id": 1})
    second = emit("scorecard.submitted", {"id": 2})

    response = client.get(f"{WEBHOOKS}{own['id']}/deliveries/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["event"]["id"] for item in results] == [str(second.id), str(first.id)]
    assert results[0]["status"] == "succeeded"
    assert results[1]["status"] == "pending"
    assert results[1]["event"]["type"] == "scorecard.submitted"
    assert results[1]["attempts"] == [
        {
            "number": 1,
            "attempted_at": results[1]["attempts"][0]["attempted_at"],
            "status_code": 500,
            "duration_ms": results[1]["attempts"][0]["duration_ms"],
            "error": "Answered HTTP 500; 2xx expected.",
        }
    ]


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_deliveries_list_costs_the_same_queries_for_any_page_size(
    client, own, emit, receiver, django_assert_num_queries, page_size
):
    receiver.statuses = [500, 500]
    for number in range(5):
        emit("scorecard.submitted", {"id": number})
    url = f"{WEBHOOKS}{own['id']}/deliveries/?page_size={page_size}"
    client.get(url)  # the token's last-used time is written at most once a minute

    # token, subscription, deliveries page, their attempts
    with django_assert_num_queries(4):
        response = client.get(url)

    assert len(response.json()["results"]) == min(page_size, 5)


def test_redelivering_sends_the_delivery_again_from_its_first_attempt(
    client, own, emit, receiver, django_capture_on_commit_callbacks
):
    emit()
    delivery = WebhookDelivery.objects.get(subscription_id=own["id"])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempt_count=8, next_attempt_at=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{WEBHOOKS}{own['id']}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 202
    assert response.json()["attempt_count"] == 0
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 1
    assert delivery.attempts.count() == 2
    assert len(receiver.requests) == 2
    assert signature_verify(
        own["secret"], receiver.requests[1]["headers"]["X-Scorecards-Signature"], receiver.requests[1]["body"]
    )


def test_a_delivery_being_sent_cannot_be_redelivered(client, own, emit, clock):
    emit(send=False)
    delivery = WebhookDelivery.objects.get(subscription_id=own["id"])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempt_count=1, next_attempt_at=clock.now.replace(year=clock.now.year + 1)
    )

    response = client.post(f"{WEBHOOKS}{own['id']}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 409
    assert response.json()["code"] == "delivery_in_progress"


def test_subscription_changes_are_audited(client, own):
    from integrations.models import AuditEvent

    client.patch(f"{WEBHOOKS}{own['id']}/", {"events": ["shortlist.ready"]}, format="json")
    client.delete(f"{WEBHOOKS}{own['id']}/")

    actions = list(
        AuditEvent.objects.filter(target_id=str(own["id"]))
        .order_by("id")
        .values_list("action", "actor_token")
    )
    assert actions == [
        ("webhook.created", client.token.pk),
        ("webhook.updated", client.token.pk),
        ("webhook.deleted", client.token.pk),
    ]


EVENT_SCOPES = [
    ("scorecard.submitted", "scorecards:read"),
    ("scorecard.amended", "scorecards:read"),
    ("fit_scores.updated", "scores:read"),
    ("shortlist.ready", "shortlists:read"),
    ("decision.recorded", "decisions:read"),
    ("take_home.graded", "take_homes:read"),
]


def test_every_event_type_has_the_read_scope_of_its_resource():
    from integrations.models import EventType
    from integrations.scopes import EVENT_READ_SCOPES

    assert set(EVENT_READ_SCOPES) == set(EventType.values)
    assert dict(EVENT_SCOPES) == EVENT_READ_SCOPES


@pytest.mark.parametrize(("event", "scope"), EVENT_SCOPES)
def test_a_token_that_cannot_read_an_events_resource_cannot_subscribe_to_it(
    token_client, receiver, event, scope
):
    narrow = token_client(["webhooks:manage", *[other for other in READS if other != scope]])

    response = narrow.post(WEBHOOKS, {"url": receiver.url, "events": [event]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert response.json()["field"] == "events"
    assert scope in response.json()["detail"]
    assert not WebhookSubscription.objects.exists()
    allowed = token_client(["webhooks:manage", scope])
    assert allowed.post(WEBHOOKS, {"url": receiver.url, "events": [event]}, format="json").status_code == 201


def test_adding_an_event_the_token_cannot_read_is_refused_and_keeps_the_old_events(token_client, receiver):
    hooks = token_client(["webhooks:manage", "scorecards:read"])
    created = hooks.post(WEBHOOKS, {"url": receiver.url, "events": ["scorecard.submitted"]}, format="json")

    response = hooks.patch(
        f"{WEBHOOKS}{created.json()['id']}/",
        {"events": ["scorecard.submitted", "fit_scores.updated"]},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert WebhookSubscription.objects.get(pk=created.json()["id"]).events == ["scorecard.submitted"]
