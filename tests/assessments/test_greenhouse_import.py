"""Importing Greenhouse Harvest scorecards: rating and recommendation mapping, attribute mappings, errors."""

import pytest
from django.db import IntegrityError

from assessments.models import AttributeMapping, Scorecard
from hiring.models import InterviewerIdentity
from integrations.models import Event

pytestmark = pytest.mark.django_db

WRITE = ["scorecards:write"]


@pytest.fixture
def mappings(db):
    for name, area_key in [
        ("Code quality", "software_engineering"),
        ("Testing", "software_engineering"),
        ("Experiment design", "statistics_experimentation"),
        ("Communication", "communication"),
        ("Kubernetes", "cloud_containers"),  # not a focus area of the interview
    ]:
        AttributeMapping.objects.create(source="greenhouse", attribute_name=name, area_key=area_key)


def import_url(interview) -> str:
    return f"/api/v1/interviews/{interview.pk}/scorecards/greenhouse/"


def harvest(user, **overrides) -> dict:
    """A scorecard as Greenhouse Harvest returns it."""
    person = {
        "id": 4080,
        "first_name": "Ivan",
        "last_name": "I",
        "name": "Ivan I",
        "email": user.email,
    }
    data = {
        "id": 211231,
        "interview": "Technical Interview",
        "interview_step": {"id": 432, "name": "Technical Interview"},
        "candidate_id": 2131415,
        "application_id": 23558552,
        "interviewed_at": "2026-03-02T09:00:00.000Z",
        "submitted_at": "2026-03-02T11:38:51.013Z",
        "submitted_by": person,
        "interviewer": person,
        "overall_recommendation": "yes",
        "attributes": [
            {"name": "Code quality", "type": "Skills", "note": "Wrote tests first.", "rating": "strong_yes"},
            {"name": "TESTING", "type": "Skills", "note": "Covered the edge cases.", "rating": "yes"},
            {"name": "Experiment design", "type": "Skills", "note": "Sized an A/B test.", "rating": "mixed"},
            {"name": "Communication", "type": "Personality Traits", "note": None, "rating": "no_decision"},
            {"name": "Culture add", "type": "Personality Traits", "note": "Curious.", "rating": "yes"},
            {"name": "Kubernetes", "type": "Skills", "note": "", "rating": "no"},
        ],
        "ratings": {"definitely_not": [], "no": ["Kubernetes"], "mixed": [], "yes": [], "strong_yes": []},
        "questions": [
            {"id": None, "question": "Key Take-Aways", "answer": "Strong on testing."},
            {"id": 7385, "question": "Anything else?", "answer": None},
        ],
    }
    return {**data, **overrides}


def test_a_greenhouse_scorecard_is_imported_with_mapped_ratings_evidence_and_a_report(
    token_client, interview, interviewer, mappings
):
    response = token_client(WRITE).post(import_url(interview), harvest(interviewer), format="json")

    assert response.status_code == 201, response.json()
    result = response.json()
    assert result["submitted"] is True
    ratings = {r["area"]: r for r in result["scorecard"]["ratings"]}
    # strong_yes (5) and yes (4) average 4.5, rounded half up.
    assert ratings["software_engineering"]["level"] == 5
    assert ratings["software_engineering"]["evidence"] == (
        "Code quality: Wrote tests first.\n\nTESTING: Covered the edge cases."
    )
    assert (
        ratings["statistics_experimentation"]["level"],
        ratings["statistics_experimentation"]["evidence"],
    ) == (
        3,
        "Sized an A/B test.",
    )
    assert (ratings["communication"]["level"], ratings["communication"]["not_assessed"]) == (None, True)
    assert result["scorecard"]["recommendation"] == "yes"
    assert result["scorecard"]["summary"] == "Key Take-Aways\nStrong on testing."
    assert result["unmapped_attributes"] == [
        {"name": "Culture add", "area": None, "reason": "no_mapping"},
        {"name": "Kubernetes", "area": "cloud_containers", "reason": "area_not_in_interview"},
    ]
    assert result["not_assessed_areas"] == ["communication"]
    scorecard = Scorecard.objects.get(interview=interview, interviewer=interviewer)
    assert scorecard.status == Scorecard.Status.SUBMITTED
    event = Event.objects.get()
    assert (event.type, event.resource) == ("scorecard.submitted", result["scorecard"])


def test_a_focus_area_no_attribute_covers_is_not_assessed(token_client, interview, interviewer, mappings):
    attributes = [{"name": "Code quality", "type": "Skills", "note": "Good.", "rating": "definitely_not"}]

    response = token_client(WRITE).post(
        import_url(interview),
        harvest(interviewer, attributes=attributes, overall_recommendation="definitely_not"),
        format="json",
    )

    assert response.status_code == 201, response.json()
    ratings = {r["area"]: (r["level"], r["not_assessed"]) for r in response.json()["scorecard"]["ratings"]}
    assert ratings == {
        "software_engineering": (1, False),
        "statistics_experimentation": (None, True),
        "communication": (None, True),
    }
    assert response.json()["scorecard"]["recommendation"] == "strong_no"
    assert response.json()["not_assessed_areas"] == ["statistics_experimentation", "communication"]


def test_no_decision_overall_saves_a_draft_for_the_interviewer_to_finish(
    token_client, interview, interviewer, mappings
):
    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, overall_recommendation="no_decision"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["submitted"] is False
    assert (response.json()["scorecard"]["status"], response.json()["scorecard"]["recommendation"]) == (
        "draft",
        None,
    )
    scorecard = Scorecard.objects.get()
    assert scorecard.status == Scorecard.Status.DRAFT
    assert scorecard.ratings.get(area__key="software_engineering").level == 5
    assert not Event.objects.exists()


def test_an_import_is_refused_when_no_attribute_maps_and_nothing_is_written(
    token_client, interview, interviewer, mappings
):
    attributes = [
        {"name": "Culture add", "type": "Personality Traits", "note": "Curious.", "rating": "yes"},
        {"name": "Kubernetes", "type": "Skills", "note": "", "rating": "no"},
    ]

    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, attributes=attributes), format="json"
    )

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("no_mapped_attributes", "attributes")
    assert not Scorecard.objects.exists()
    assert not Event.objects.exists()


def test_mappings_of_another_source_are_not_used(token_client, interview, interviewer, mappings):
    # Lever may write Greenhouse's records here, but not with Greenhouse's mappings.
    response = token_client(WRITE, source="lever", shared_sources=["greenhouse"]).post(
        import_url(interview), harvest(interviewer), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "no_mapped_attributes"


def test_the_interviewer_is_found_by_their_greenhouse_id(token_client, interview, interviewer, mappings):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="4080")
    person = {"id": 4080, "name": "Ivan I"}

    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, interviewer=person, submitted_by=person), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["scorecard"]["interviewer"]["id"] == interviewer.pk


def test_submitted_by_names_the_interviewer_when_interviewer_is_absent(
    token_client, interview, interviewer, mappings
):
    response = token_client(WRITE).post(
        import_url(interview),
        harvest(interviewer, interviewer=None, submitted_by={"email": interviewer.email}),
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_an_interviewer_not_assigned_to_the_interview_is_refused(
    token_client, interview, other_interviewer, mappings
):
    response = token_client(WRITE).post(import_url(interview), harvest(other_interviewer), format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("not_assigned", "interviewer")
    assert not Scorecard.objects.exists()


def test_an_unknown_rating_word_is_refused_at_its_attribute(token_client, interview, interviewer, mappings):
    attributes = [{"name": "Code quality", "type": "Skills", "note": "", "rating": "maybe"}]

    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, attributes=attributes), format="json"
    )

    assert response.status_code == 400
    assert "attributes.0.rating" in response.json()["fields"]
    assert not Scorecard.objects.exists()


def test_importing_the_same_scorecard_twice_conflicts(token_client, interview, interviewer, mappings):
    client = token_client(WRITE)
    client.post(import_url(interview), harvest(interviewer), format="json")

    again = client.post(import_url(interview), harvest(interviewer), format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"
    assert Event.objects.count() == 1


def test_an_import_needs_the_scorecards_write_scope(token_client, interview, interviewer, mappings):
    response = token_client(["scorecards:read"]).post(
        import_url(interview), harvest(interviewer), format="json"
    )

    assert response.status_code == 403
    assert not Scorecard.objects.exists()


def test_attribute_names_are_unique_per_source_whatever_their_case(mappings):
    AttributeMapping.objects.create(
        source="lever", attribute_name="code quality", area_key="software_engineering"
    )

    with pytest.raises(IntegrityError):
        AttributeMapping.objects.create(
            source="greenhouse", attribute_name="CODE QUALITY", area_key="software_engineering"
        )


def test_recruiters_edit_attribute_mappings_in_the_admin(client, rubric_version, mappings):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    listing = client.get("/admin/assessments/attributemapping/", {"source": "greenhouse", "q": "code"})
    added = client.post(
        "/admin/assessments/attributemapping/add/",
        {"source": "greenhouse", "attribute_name": "SQL", "area_key": "data_pipelines_sql"},
    )
    refused = client.post(
        "/admin/assessments/attributemapping/add/",
        {"source": "greenhouse", "attribute_name": "Vibes", "area_key": "vibes"},
    )

    assert listing.status_code == 200
    assert "Code quality" in listing.content.decode()
    assert added.status_code == 302
    assert AttributeMapping.objects.get(attribute_name="SQL").area_key == "data_pipelines_sql"
    assert refused.status_code == 200
    assert not AttributeMapping.objects.filter(attribute_name="Vibes").exists()


def _as_json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def test_the_documented_harvest_example_validates_against_the_served_schema_and_is_imported(
    token_client, interview, interviewer, mappings
):
    import jsonschema

    from tests.hostile.world import api_schema

    schema = api_schema()
    operation = schema["paths"]["/api/v1/interviews/{interview_id}/scorecards/greenhouse/"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    example = content["examples"]["AHarvestScorecard"]["value"]
    assert isinstance(example["interviewer"]["id"], int)  # as Greenhouse sends it
    validator = jsonschema.Draft202012Validator(
        {**content["schema"], "components": _as_json_schema(schema["components"])}
    )

    assert [error.message for error in validator.iter_errors(example)] == []
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="4080")
    response = token_client(WRITE).post(import_url(interview), example, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["scorecard"]["interviewer"]["id"] == interviewer.pk


@pytest.mark.parametrize("greenhouse_id", [4080, "4080"])
def test_a_greenhouse_user_id_is_taken_as_an_integer_or_a_string(
    token_client, interview, interviewer, mappings, greenhouse_id
):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="4080")
    person = {"id": greenhouse_id, "name": "Ivan I"}

    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, interviewer=person, submitted_by=person), format="json"
    )

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("greenhouse_id", [4080.5, True, -1, {"id": 4080}])
def test_a_greenhouse_user_id_that_is_no_id_is_refused_at_its_field(
    token_client, interview, interviewer, mappings, greenhouse_id
):
    person = {"id": greenhouse_id, "email": interviewer.email}

    response = token_client(WRITE).post(
        import_url(interview), harvest(interviewer, interviewer=person), format="json"
    )

    assert response.status_code == 400
    assert "interviewer.id" in response.json()["fields"]
    assert not Scorecard.objects.exists()


def test_a_greenhouse_scorecard_for_an_interview_ahead_is_409_interview_not_started(
    token_client, interview, interviewer, mappings
):
    import datetime as dt

    from django.utils import timezone

    interview.scheduled_at = timezone.now() + dt.timedelta(days=3)
    interview.save(update_fields=["scheduled_at"])

    response = token_client(WRITE).post(import_url(interview), harvest(interviewer), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "interview_not_started"
    assert not Scorecard.objects.exists()


def test_greenhouse_fields_we_do_not_use_are_accepted_and_ignored_as_documented(
    token_client, interview, interviewer, mappings
):
    response = token_client(WRITE).post(
        import_url(interview),
        harvest(interviewer, custom_fields={"x": 1}, scorecard_version=3),
        format="json",
    )

    assert response.status_code == 201, response.json()
