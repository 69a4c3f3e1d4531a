"""The shipped rubric holds what the two source documents say."""

import pytest

from assessments.models import ProfileEntry

pytestmark = pytest.mark.django_db

ROLES = ("data_scientist", "ml_engineer", "full_stack_data_scientist")
AREAS = (
    "software_engineering",
    "statistics_experimentation",
    "exploratory_analysis",
    "ml_modelling",
    "deep_learning",
    "production_deployment",
    "data_pipelines_sql",
    "mlops_monitoring",
    "cloud_containers",
    "problem_formulation",
    "communication",
    "business_impact",
    "handover_contract",
)
ENGINEERING_SIDE = ("software_engineering", "production_deployment", "mlops_monitoring", "cloud_containers")
SCIENCE_SIDE = ("statistics_experimentation", "exploratory_analysis", "communication", "problem_formulation")


@pytest.fixture
def entries(rubric_version):
    """{(role, area): entry} for the current version."""
    rows = ProfileEntry.objects.filter(profile__version=rubric_version).select_related(
        "profile__role", "area"
    )
    return {(row.profile.role.key, row.area.key): row for row in rows}


def test_every_named_skill_area_is_in_the_model(rubric_version):
    assert tuple(rubric_version.areas.values_list("key", flat=True)) == AREAS


def test_every_role_has_an_entry_for_every_area(entries):
    assert set(entries) == {(role, area) for role in ROLES for area in AREAS}


@pytest.mark.parametrize("area", ENGINEERING_SIDE)
def test_ml_engineer_weighs_and_expects_engineering_above_data_scientist(entries, area):
    mle, ds = entries["ml_engineer", area], entries["data_scientist", area]

    assert mle.weight > ds.weight
    assert mle.expected_level > ds.expected_level


@pytest.mark.parametrize("area", SCIENCE_SIDE)
def test_data_scientist_weighs_and_expects_science_above_ml_engineer(entries, area):
    ds, mle = entries["data_scientist", area], entries["ml_engineer", area]

    assert ds.weight > mle.weight
    assert ds.expected_level > mle.expected_level


@pytest.mark.parametrize("area", ENGINEERING_SIDE + SCIENCE_SIDE)
def test_full_stack_expects_at_least_a_working_level_on_both_sides(entries, area):
    assert entries["full_stack_data_scientist", area].expected_level >= 3


def test_the_documents_ratings_carry_through(entries):
    # Comparison page: software engineering 9 vs 5, statistical depth 6 vs 9, business impact 7 vs 5.
    pairs = {
        "software_engineering": (9, 5),
        "statistics_experimentation": (6, 9),
        "business_impact": (7, 5),
    }
    for area, (mle_rating, ds_rating) in pairs.items():
        assert entries["ml_engineer", area].weight == mle_rating
        assert entries["data_scientist", area].weight == ds_rating
        assert f"ML {mle_rating}/10" in entries["ml_engineer", area].source_statement
        assert f"Data {ds_rating}/10" in entries["data_scientist", area].source_statement


def test_every_area_has_five_distinct_anchors_and_two_or_three_questions(rubric_version):
    for area in rubric_version.areas.prefetch_related("anchors"):
        anchors = [anchor.description for anchor in area.anchors.all()]
        assert [anchor.level for anchor in area.anchors.all()] == [1, 2, 3, 4, 5], area.key
        assert len(set(anchors)) == 5, area.key
        assert 2 <= len(area.questions) <= 3, area.key
        assert area.sources, area.key


def test_every_profile_entry_has_a_source(entries, rubric_version):
    for key, entry in entries.items():
        assert entry.source_document, key
        if entry.source_document == "none":
            assert entry.source_reasoning, key
        else:
            assert entry.source_document in rubric_version.documents, key
            assert entry.source_statement, key


def test_the_handover_contract_area_covers_every_item_of_the_contract(rubric_version):
    covers = " ".join(rubric_version.areas.get(key="handover_contract").covers).lower()

    for item in (
        "accuracy",
        "latency",
        "memory",
        "parameters",
        "framework",
        "versions",
        "predictions",
        "ground",
        "dataset",
        "metrics",
        "optimi",
    ):
        assert item in covers, item


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (
            "data_scientist",
            {"outputs", "tools", "compensation_range", "compensation_average", "talent_availability"},
        ),
        (
            "ml_engineer",
            {"outputs", "tools", "compensation_range", "compensation_average", "talent_availability"},
        ),
    ],
)
def test_role_facts_come_from_the_documents(rubric_version, role, kinds):
    facts = rubric_version.profiles.get(role__key=role).facts

    assert kinds <= {fact["kind"] for fact in facts}
    averages = [fact for fact in facts if fact["kind"] == "compensation_average"]
    assert all(fact.get("as_of") == "2025-07-23" for fact in averages)
    assert all(fact["source"].get("statement") or fact["source"].get("reasoning") for fact in facts)


def test_compensation_figures_match_the_documents(rubric_version):
    def values(role):
        return " ".join(f["value"] for f in rubric_version.profiles.get(role__key=role).facts)

    assert "$140k - $250k" in values("ml_engineer")
    assert "$128,769" in values("ml_engineer")
    assert "$130k - $220k" in values("data_scientist")
    assert "$122,738" in values("data_scientist")
