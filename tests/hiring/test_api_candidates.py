import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from assessments.models import Role
from hiring.models import Candidate
from integrations.models import IdempotencyRecord
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "notes": "Met at PyData."}


def upsert_url(source: str, external_id: str) -> str:
    return f"/api/v1/candidates/external/{source}/{external_id}/"


def test_upserting_the_same_candidate_twice_creates_one_row_and_answers_the_same_body(ats):
    first = ats.put(upsert_url("greenhouse", "gh-1001"), ADA, format="json")
    second = ats.put(upsert_url("greenhouse", "gh-1001"), ADA, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Candidate.objects.filter(source="greenhouse", external_id="gh-1001").count() == 1
    assert (first.json()["name"], first.json()["source"]) == ("Ada Lovelace", "greenhouse")


def test_an_upsert_with_changes_updates_the_existing_candidate(ats):
    created = ats.put(upsert_url("greenhouse", "gh-1001"), ADA, format="json").json()

    changed = {**ADA, "email": "ada@new.example"}
    response = ats.put(upsert_url("greenhouse", "gh-1001"), changed, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert Candidate.objects.get(pk=created["id"]).email == "ada@new.example"


def _lock_waiters() -> int:
    """How many other sessions of this database wait for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_upsert_racing_another_first_upsert_of_the_candidate_updates_the_row_it_lost_to(ats):
    # Given another request's insert of the candidate, not yet committed when ours looks for the row,
    inserted, seen = threading.Event(), {}

    def other_request() -> None:
        try:
            with transaction.atomic():
                seen["id"] = Candidate.objects.create(
                    name="Ada Lovelace", email="ada@example.com", source="greenhouse", external_id="gh-race"
                ).pk
                inserted.set()
                # Commit once ours waits on the unique index behind this insert.
                deadline = time.monotonic() + 15
                while not (waited := _lock_waiters()) and time.monotonic() < deadline:
                    time.sleep(0.02)
                seen["waited"] = waited
        finally:
            inserted.set()
            connections.close_all()

    thread = threading.Thread(target=other_request)
    thread.start()
    assert inserted.wait(timeout=15)

    # when ours inserts too, its insert fails on the constraint once the other commits,
    response = ats.put(upsert_url("greenhouse", "gh-race"), {**ADA, "name": "Ada King"}, format="json")
    thread.join(timeout=30)

    # then it runs again and updates that row: no 500, no second row.
    assert seen["waited"], "our upsert never waited behind the other insert"
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == seen["id"]
    assert list(Candidate.objects.values_list("name", flat=True)) == ["Ada King"]


def test_a_token_cannot_upsert_into_another_systems_source(ats):
    response = ats.put(upsert_url("lever", "lv-1"), ADA, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "source_mismatch"
    assert not Candidate.objects.exists()


def test_a_recruiter_may_upsert_into_any_source(session_client, recruiter):
    response = session_client(recruiter).put(upsert_url("lever", "lv-1"), ADA, format="json")

    assert response.status_code == 201
    assert (response.json()["source"], response.json()["external_id"]) == ("lever", "lv-1")


def test_an_upsert_with_a_bad_email_is_400_at_the_field(ats):
    response = ats.put(upsert_url("greenhouse", "gh-1"), {**ADA, "email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "email" in response.json()["fields"]


def test_creating_a_candidate_records_the_tokens_source(ats):
    response = ats.post("/api/v1/candidates/", {**ADA, "external_id": "gh-7"}, format="json")

    assert response.status_code == 201
    assert response["Location"] == f"/api/v1/candidates/{response.json()['id']}/"
    assert Candidate.objects.get().source == "greenhouse"


def test_creating_a_candidate_with_a_taken_external_id_is_a_409(ats):
    CandidateFactory(source="greenhouse", external_id="gh-7")

    response = ats.post("/api/v1/candidates/", {**ADA, "external_id": "gh-7"}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("candidate_exists", "external_id")
    assert Candidate.objects.count() == 1


def test_patching_a_candidate_changes_only_the_given_fields(ats):
    candidate = CandidateFactory(name="Ada", email="ada@example.com", source="greenhouse")

    response = ats.patch(f"/api/v1/candidates/{candidate.pk}/", {"name": "Ada King"}, format="json")

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert (candidate.name, candidate.email) == ("Ada King", "ada@example.com")


def test_the_same_idempotency_key_and_body_replay_the_response_and_create_one_row(ats):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-ada-1"}

    first = ats.post("/api/v1/candidates/", ADA, format="json", **headers)
    second = ats.post("/api/v1/candidates/", ADA, format="json", **headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Candidate.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_422(ats):
    ats.post("/api/v1/candidates/", ADA, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = ats.post(
        "/api/v1/candidates/", {**ADA, "name": "Grace"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Candidate.objects.count() == 1


def test_candidates_filter_by_source_and_external_id(ats):
    wanted = CandidateFactory(source="greenhouse", external_id="gh-1")
    CandidateFactory(source="greenhouse", external_id="gh-2")
    CandidateFactory(source="lever", external_id="gh-1")

    response = ats.get("/api/v1/candidates/", {"source": "greenhouse", "external_id": "gh-1"})

    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_candidates_filter_by_opening_and_role_lists_each_candidate_once(ats, opening, other_opening):
    both = CandidateFactory()
    ApplicationFactory(candidate=both, opening=opening)
    ApplicationFactory(candidate=both, opening=other_opening)
    only_other = ApplicationFactory(opening=other_opening).candidate
    other_opening.role = Role.objects.get(key="ml_engineer")
    other_opening.save()

    by_opening = ats.get("/api/v1/candidates/", {"opening": other_opening.pk}).json()["results"]
    by_role = ats.get("/api/v1/candidates/", {"role": "data_scientist"}).json()["results"]

    assert sorted(row["id"] for row in by_opening) == sorted([both.pk, only_other.pk])
    assert [row["id"] for row in by_role] == [both.pk]


def test_updated_since_lists_only_later_changes_oldest_first(ats):
    now = timezone.now()
    old, newer, newest = CandidateFactory(), CandidateFactory(), CandidateFactory()
    for candidate, hours_ago in ((old, 5), (newer, 2), (newest, 1)):
        Candidate.objects.filter(pk=candidate.pk).update(updated_at=now - dt.timedelta(hours=hours_ago))

    since = (now - dt.timedelta(hours=3)).isoformat()
    response = ats.get("/api/v1/candidates/", {"updated_since": since})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [newer.pk, newest.pk]


def test_an_invalid_updated_since_is_400_at_the_parameter(ats):
    response = ats.get("/api/v1/candidates/", {"updated_since": "yesterday"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "updated_since" in response.json()["fields"]


@pytest.mark.parametrize(
    "params", [{}, {"updated_since": "2000-01-01T00:00:00Z"}, {"ordering": "created_at"}]
)
def test_cursor_pages_walk_every_candidate_exactly_once(ats, params):
    created = {CandidateFactory().pk for _ in range(7)}

    seen, url, query = [], "/api/v1/candidates/", {**params, "page_size": 3}
    while url:
        body = ats.get(url, query).json()
        seen += [row["id"] for row in body["results"]]
        url, query = body["next"], None

    assert sorted(seen) == sorted(created)


def test_a_page_size_above_the_maximum_is_refused(ats, settings):
    settings.API_MAX_PAGE_SIZE = 10

    response = ats.get("/api/v1/candidates/", {"page_size": 11})

    assert (response.status_code, response.json()["code"]) == (400, "page_size_too_large")


def test_ordering_is_limited_to_the_whitelisted_fields(ats):
    first, second = CandidateFactory(name="Zed"), CandidateFactory(name="Amy")

    by_created = ats.get("/api/v1/candidates/", {"ordering": "created_at"}).json()["results"]
    by_name = ats.get("/api/v1/candidates/", {"ordering": "name"}).json()["results"]

    assert [row["id"] for row in by_created] == [first.pk, second.pk]
    assert [row["id"] for row in by_name] == [second.pk, first.pk]  # ignored: newest first, the default


@pytest.mark.parametrize(
    ("source", "external_id", "field"),
    [("greenhouse", "x" * 129, "external_id"), ("not a slug!", "gh-1", "source")],
)
def test_a_bad_upsert_path_is_400_at_that_part(session_client, recruiter, source, external_id, field):
    response = session_client(recruiter).put(upsert_url(source, external_id), ADA, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Candidate.objects.exists()


def test_an_updated_since_with_any_valid_offset_is_compared_in_utc(ats):
    candidate = CandidateFactory()

    response = ats.get("/api/v1/candidates/", {"updated_since": "2000-01-01T00:00:00+20:54"})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [candidate.pk]


@pytest.mark.parametrize("value", ["2.5", "1e9", "0", str(2**63)])
def test_an_id_filter_takes_only_whole_ids(ats, value):
    response = ats.get("/api/v1/candidates/", {"opening": value})

    assert response.status_code == 400
    assert "opening" in response.json()["fields"]


def test_services_refuse_invalid_records_with_an_application_error():
    from config.errors import ApplicationError
    from hiring.services import candidate_create

    with pytest.raises(ApplicationError) as caught:
        candidate_create(name="Ada", email="not-an-email")

    assert (caught.value.code, caught.value.field) == ("invalid", "email")
