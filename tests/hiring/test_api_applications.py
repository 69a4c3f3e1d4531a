import pytest

from assessments.models import Role
from hiring.models import Application, Opening
from tests.factories import ApplicationFactory, CandidateFactory, OpeningFactory

pytestmark = pytest.mark.django_db


def upsert_url(external_id: str, source: str = "greenhouse") -> str:
    return f"/api/v1/applications/external/{source}/{external_id}/"


def test_applying_a_candidate_answers_201_with_the_application(ats, opening):
    candidate = CandidateFactory(source="greenhouse")

    response = ats.post(
        "/api/v1/applications/", {"candidate": candidate.pk, "opening": opening.pk}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["candidate"], body["opening"], body["stage"]) == (candidate.pk, opening.pk, "applied")
    assert (body["role"], body["source"]) == ("data_scientist", "greenhouse")


def test_applying_twice_to_the_same_opening_is_a_409_and_writes_nothing(ats, application):
    response = ats.post(
        "/api/v1/applications/",
        {"candidate": application.candidate_id, "opening": application.opening_id},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "application_exists"
    assert Application.objects.count() == 1


@pytest.mark.parametrize("field", ["candidate", "opening"])
def test_an_unknown_candidate_or_opening_is_400_at_that_field(ats, application, field):
    body = {"candidate": application.candidate_id, "opening": application.opening_id, field: 999_999}

    response = ats.post("/api/v1/applications/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_an_unknown_stage_is_400_at_the_field(ats, application):
    response = ats.patch(f"/api/v1/applications/{application.pk}/", {"stage": "vanished"}, format="json")

    assert response.status_code == 400
    assert "stage" in response.json()["fields"]


def test_patching_the_stage_moves_the_application(ats, application):
    response = ats.patch(f"/api/v1/applications/{application.pk}/", {"stage": "offer"}, format="json")

    assert response.status_code == 200
    application.refresh_from_db()
    assert application.stage == "offer"


def test_upserting_an_application_twice_by_candidate_external_id_gives_one_row_and_the_same_body(
    ats, opening
):
    CandidateFactory(source="greenhouse", external_id="gh-cand-1")
    body = {"candidate_external_id": "gh-cand-1", "opening": opening.pk, "stage": "screening"}

    first = ats.put(upsert_url("gh-app-1"), body, format="json")
    second = ats.put(upsert_url("gh-app-1"), body, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Application.objects.filter(source="greenhouse", external_id="gh-app-1").count() == 1


def test_an_upsert_updates_the_stage_of_the_existing_application(ats, opening):
    candidate = CandidateFactory(source="greenhouse")
    created = ats.put(
        upsert_url("gh-app-1"), {"candidate": candidate.pk, "opening": opening.pk}, format="json"
    )

    response = ats.put(
        upsert_url("gh-app-1"),
        {"candidate": candidate.pk, "opening": opening.pk, "stage": "offer"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["id"] == created.json()["id"]
    assert response.json()["stage"] == "offer"


def test_an_upsert_cannot_move_an_application_to_another_opening(ats, application, other_opening):
    Application.objects.filter(pk=application.pk).update(source="greenhouse", external_id="gh-app-1")
    other_opening.source = "greenhouse"  # one the token may write to: only the mismatch is wrong
    other_opening.save()

    response = ats.put(
        upsert_url("gh-app-1"),
        {"candidate": application.candidate_id, "opening": other_opening.pk},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "application_mismatch"


def test_an_upsert_for_a_candidate_who_already_applied_is_a_409(ats, application):
    body = {"candidate": application.candidate_id, "opening": application.opening_id}

    response = ats.put(upsert_url("gh-app-9"), body, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "application_exists")


def test_an_upsert_naming_an_unknown_candidate_external_id_is_400_at_that_field(ats, opening):
    response = ats.put(
        upsert_url("gh-app-1"), {"candidate_external_id": "nobody", "opening": opening.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["candidate_external_id"]


def test_an_upsert_must_name_the_candidate_one_way(ats, opening):
    response = ats.put(upsert_url("gh-app-1"), {"opening": opening.pk}, format="json")

    assert response.status_code == 400
    assert "candidate" in response.json()["fields"]


def test_an_application_upsert_into_another_source_is_403(ats, opening):
    response = ats.put(
        upsert_url("lv-app-1", source="lever"),
        {"candidate": CandidateFactory().pk, "opening": opening.pk},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (403, "source_mismatch")


def test_applications_filter_by_stage_role_and_opening(ats, opening, other_opening):
    other_opening.role = Role.objects.get(key="ml_engineer")
    other_opening.save()
    screening = ApplicationFactory(opening=opening, stage="screening")
    ApplicationFactory(opening=opening, stage="offer")
    ml = ApplicationFactory(opening=other_opening, stage="screening")

    def ids(**params):
        return sorted(row["id"] for row in ats.get("/api/v1/applications/", params).json()["results"])

    assert ids(stage="screening") == sorted([screening.pk, ml.pk])
    assert ids(role="ml_engineer") == [ml.pk]
    assert ids(opening=opening.pk, stage="screening") == [screening.pk]


def test_an_unknown_stage_filter_is_400_at_the_parameter(ats):
    response = ats.get("/api/v1/applications/", {"stage": "nope"})

    assert response.status_code == 400
    assert "stage" in response.json()["fields"]


def test_openings_created_through_the_api_use_the_current_rubric_version(ats, rubric_version):
    response = ats.post("/api/v1/openings/", {"title": "Staff MLE", "role": "ml_engineer"}, format="json")

    assert response.status_code == 201
    opening = Opening.objects.get(pk=response.json()["id"])
    assert (opening.role.key, opening.rubric_version_id) == ("ml_engineer", rubric_version.pk)
    assert response.json()["rubric_version"] == rubric_version.pk


def test_an_opening_for_an_unknown_role_is_400_at_role(ats, rubric_version):
    response = ats.post("/api/v1/openings/", {"title": "Wizard", "role": "wizard"}, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_role", "role")
    assert not Opening.objects.exists()


def test_patching_an_opening_changes_its_status(ats, opening):
    response = ats.patch(f"/api/v1/openings/{opening.pk}/", {"status": "closed"}, format="json")

    assert response.status_code == 200
    opening.refresh_from_db()
    assert opening.status == "closed"


def test_openings_filter_by_role_and_status(ats, opening):
    closed = OpeningFactory(status="closed")

    response = ats.get("/api/v1/openings/", {"status": "closed", "role": "data_scientist"})

    assert [row["id"] for row in response.json()["results"]] == [closed.pk]
