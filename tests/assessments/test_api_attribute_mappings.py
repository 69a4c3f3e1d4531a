"""Greenhouse attribute mappings through the API: what the scorecard import maps onto skill areas."""

import pytest

from assessments.models import AttributeMapping
from integrations.models import AuditEvent
from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

MAPPINGS = "/api/v1/attribute-mappings/"
CODE_QUALITY = {"attribute_name": "Code quality", "area_key": "software_engineering"}


@pytest.fixture
def mapper(token_client, rubric_version):
    """A Greenhouse token managing attribute mappings."""
    return token_client(["attribute_mappings:read", "attribute_mappings:write"])


def test_a_token_maps_an_attribute_of_its_own_source(mapper):
    response = mapper.post(MAPPINGS, CODE_QUALITY, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["source"], body["attribute_name"], body["area_key"]) == (
        "greenhouse",
        "Code quality",
        "software_engineering",
    )
    assert response["Location"] == f"{MAPPINGS}{body['id']}/"
    assert AuditEvent.objects.filter(action="attribute_mapping.created").exists()


def test_the_greenhouse_import_then_rates_the_area_from_that_attribute(
    token_client, rubric_version, interviewer, application
):
    client = token_client(["attribute_mappings:write", "scorecards:write"])
    interview = InterviewFactory(
        application=application, interviewers=[interviewer], focus=["software_engineering"]
    )
    client.post(MAPPINGS, CODE_QUALITY, format="json")

    response = client.post(
        f"/api/v1/interviews/{interview.pk}/scorecards/greenhouse/",
        {
            "interviewer": {"email": interviewer.email},
            "overall_recommendation": "yes",
            "attributes": [{"name": "code QUALITY", "rating": "strong_yes", "note": "Tests first."}],
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["unmapped_attributes"] == []
    assert response.json()["scorecard"]["ratings"][0]["level"] == 5


def test_a_name_mapped_already_in_any_letter_case_is_409(mapper):
    mapper.post(MAPPINGS, CODE_QUALITY, format="json")

    again = mapper.post(MAPPINGS, {**CODE_QUALITY, "attribute_name": " CODE QUALITY "}, format="json")

    assert again.status_code == 409
    assert (again.json()["code"], again.json()["field"]) == ("attribute_mapping_exists", "attribute_name")
    assert AttributeMapping.objects.count() == 1


def test_another_source_may_map_the_same_name(mapper, token_client):
    lever = token_client(["attribute_mappings:write"], source="lever")
    mapper.post(MAPPINGS, CODE_QUALITY, format="json")

    response = lever.post(MAPPINGS, CODE_QUALITY, format="json")

    assert (response.status_code, response.json()["source"]) == (201, "lever")


def test_an_unknown_skill_area_is_400_at_area_key(mapper):
    response = mapper.post(MAPPINGS, {**CODE_QUALITY, "area_key": "astrology"}, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_skill_area", "area_key")
    assert not AttributeMapping.objects.exists()


def test_bad_fields_are_400_with_a_message_per_field(mapper):
    response = mapper.post(MAPPINGS, {"attribute_name": "", "area_key": "not a slug"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"attribute_name", "area_key"}


def test_a_token_cannot_map_another_source_s_attributes(mapper):
    response = mapper.post(MAPPINGS, {**CODE_QUALITY, "source": "lever"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "source_mismatch"
    assert not AttributeMapping.objects.exists()


def test_a_mapping_is_changed_and_deleted_and_its_source_stays(mapper):
    created = mapper.post(MAPPINGS, CODE_QUALITY, format="json").json()
    url = f"{MAPPINGS}{created['id']}/"

    moved = mapper.patch(url, {"area_key": "communication", "source": "lever"}, format="json")
    changed = mapper.patch(url, {"area_key": "communication"}, format="json")
    deleted = mapper.delete(url)

    assert (moved.status_code, moved.json()["code"], list(moved.json()["fields"])) == (
        400,
        "unknown_field",
        ["source"],
    )
    assert changed.status_code == 200
    assert (changed.json()["area_key"], changed.json()["source"]) == ("communication", "greenhouse")
    assert deleted.status_code == 204
    assert not AttributeMapping.objects.exists()


def test_a_token_neither_sees_nor_changes_another_source_s_mappings(mapper):
    lever = AttributeMapping.objects.create(source="lever", attribute_name="SQL", area_key="communication")
    url = f"{MAPPINGS}{lever.pk}/"

    answers = [
        mapper.get(url).status_code,
        mapper.patch(url, {"area_key": "software_engineering"}, format="json").status_code,
        mapper.delete(url).status_code,
    ]

    assert answers == [404, 404, 404]
    assert mapper.get(MAPPINGS).json()["results"] == []
    lever.refresh_from_db()
    assert lever.area_key == "communication"


def test_mappings_are_listed_in_cursor_pages_and_filtered_by_name_in_any_case(mapper):
    mapper.post(MAPPINGS, CODE_QUALITY, format="json")
    mapper.post(MAPPINGS, {"attribute_name": "Communication", "area_key": "communication"}, format="json")

    page = mapper.get(MAPPINGS, {"page_size": 1}).json()
    found = mapper.get(MAPPINGS, {"attribute_name": "code quality"}).json()["results"]

    assert len(page["results"]) == 1
    assert page["next"]
    assert [row["attribute_name"] for row in found] == ["Code quality"]


@pytest.mark.parametrize(
    ("method", "scope"), [("get", "attribute_mappings:read"), ("post", "attribute_mappings:write")]
)
def test_a_token_without_the_mappings_scope_gets_403(token_client, rubric_version, method, scope):
    client = token_client(
        ["scorecards:write", "attribute_mappings:read" if method == "post" else "roles:read"]
    )

    response = getattr(client, method)(MAPPINGS, CODE_QUALITY if method == "post" else None, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "missing_scope", "detail": f"This needs the '{scope}' scope."}


@pytest.mark.parametrize(
    ("persona", "status"), [("recruiter", 201), ("committee_member", 403), ("interviewer", 403)]
)
def test_signed_in_only_recruiters_manage_mappings_greenhouse_s_by_default(
    session_client, request, rubric_version, persona, status
):
    response = session_client(request.getfixturevalue(persona)).post(MAPPINGS, CODE_QUALITY, format="json")

    assert response.status_code == status
    if status == 201:
        assert response.json()["source"] == "greenhouse"
