"""The shipped rubric holds what the two source documents say."""

import math
import re
from pathlib import Path

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
    assert all(fact["sources"] for fact in facts)
    assert all(
        source.get("statement") or source.get("reasoning") for fact in facts for source in fact["sources"]
    )


def test_compensation_figures_match_the_documents(rubric_version):
    def values(role):
        return " ".join(f["value"] for f in rubric_version.profiles.get(role__key=role).facts)

    assert "$140k - $250k" in values("ml_engineer")
    assert "$128,769" in values("ml_engineer")
    assert "$130k - $220k" in values("data_scientist")
    assert "$122,738" in values("data_scientist")


# Facts say no more than their quotes --------------------------------------------------------------

SOURCES_DIR = Path(__file__).resolve().parents[2] / "assessments" / "rubrics" / "sources"
# Things a fact can name that a reader would take as the documents' word: tools, publishers, figures.
NAMED = (
    "Airflow", "Apache Spark", "AWS", "Azure", "Bureau of Labor Statistics", "C++", "Docker", "Fortune",
    "GCP", "Java", "Jupyter", "Keras", "Kubernetes", "million", "MLflow", "numpy", "pandas", "Power BI",
    "PyTorch", "RStudio", "scikit-learn", "Spark", "statsmodels", "Tableau", "TensorFlow",
    "World Economic Forum", "ZipRecruiter",
)  # fmt: skip
FIGURE = re.compile(r"\d[\d,.]*")


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.fixture
def document_texts(rubric_version) -> dict[str, str]:
    return {
        key: _normalised((SOURCES_DIR / document["file"]).read_text(encoding="utf-8"))
        for key, document in rubric_version.documents.items()
    }


def _facts(rubric_version, basis: str):
    for profile in rubric_version.profiles.select_related("role"):
        for fact in profile.facts:
            if fact["basis"] == basis:
                yield profile.role.key, fact


def test_every_fact_says_whether_it_is_the_documents_or_our_inference(rubric_version):
    bases = {fact["basis"] for profile in rubric_version.profiles.all() for fact in profile.facts}

    assert bases == {"documents", "inference"}


def test_every_fact_from_the_documents_rests_on_verbatim_quotes_only(rubric_version, document_texts):
    facts = list(_facts(rubric_version, "documents"))

    assert len(facts) > 20
    for role, fact in facts:
        assert fact["sources"], (role, fact["label"])
        for source in fact["sources"]:
            assert source["document"] in document_texts, (role, fact["label"])
            quoted = _normalised(source["statement"])
            assert quoted in document_texts[source["document"]], (role, fact["label"])
            assert not source.get("reasoning"), (role, fact["label"])


def test_a_fact_from_the_documents_names_no_tool_source_or_figure_its_quotes_do_not(rubric_version):
    for role, fact in _facts(rubric_version, "documents"):
        quoted = _normalised(" ".join(source["statement"] for source in fact["sources"]))
        claimed = _normalised(f"{fact['label']} {fact['value']}")
        for name in NAMED:
            if _normalised(name) in claimed:
                assert _normalised(name) in quoted, (role, fact["label"], name)
        for figure in FIGURE.findall(fact["value"]):
            assert figure.rstrip(".,") in quoted, (role, fact["label"], figure)


@pytest.mark.parametrize(
    ("role", "label", "named"),
    [
        ("ml_engineer", "Frameworks and platforms", ("TensorFlow", "PyTorch", "Apache Spark", "GCP")),
        ("data_scientist", "Languages in more detail", ("Tableau", "Power BI", "Java")),
    ],
)
def test_facts_that_draw_on_several_sentences_quote_each_of_them(rubric_version, role, label, named):
    fact = next(f for f in rubric_version.profiles.get(role__key=role).facts if f["label"] == label)
    quotes = [source["statement"] for source in fact["sources"]]

    assert len(quotes) >= 2
    for name in named:
        assert any(name in quote for quote in quotes), name


def test_the_fortune_figure_is_not_shown_under_the_world_economic_forums_label(rubric_version):
    facts = rubric_version.profiles.get(role__key="ml_engineer").facts
    wef = next(fact for fact in facts if "World Economic Forum" in fact["label"])
    fortune = next(fact for fact in facts if "million" in fact["value"])

    assert "million" not in wef["value"]
    assert "Fortune" in fortune["label"]
    assert "says Fortune" in fortune["sources"][0]["statement"]


def test_the_full_stack_tools_and_outputs_are_marked_as_our_inference(rubric_version):
    profile = rubric_version.profiles.get(role__key="full_stack_data_scientist")
    facts = {fact["label"]: fact for fact in profile.facts}

    for label in ("Tools", "Typical outputs"):
        assert facts[label]["basis"] == "inference"
        assert any(source.get("reasoning") for source in facts[label]["sources"])
    how = facts["How people get here"]
    assert how["basis"] == "documents"
    assert any("goes “full-stack”" in source["statement"] for source in how["sources"])
    assert not any("Many data scientists transition" in source["statement"] for source in how["sources"])


# Expected levels ------------------------------------------------------------------------------


def expected_level_for_rating(rating: int) -> int:
    """The rubric's rule: half the comparison page's 1-10 rating, rounded up, capped at Strong (4)."""
    return min(math.ceil(rating / 2), 4)


def test_the_comparison_pages_ratings_map_to_expected_levels_capped_at_strong(entries):
    for (role, area), entry in entries.items():
        ratings = re.findall(r"ML (\d+)/10 Data (\d+)/10", entry.source_statement)
        if ratings:
            mle_rating, ds_rating = map(int, ratings[0])
            rating = {"ml_engineer": mle_rating, "data_scientist": ds_rating}.get(role)
            if rating is not None:
                assert entry.weight == rating, (role, area)
                assert entry.expected_level == expected_level_for_rating(rating), (role, area)


def test_no_role_expects_the_staff_level_anchor(entries):
    # Level 5 (Leading) is headroom: fit gives 80% at the expected level and the rest above it.
    assert max(entry.expected_level for entry in entries.values()) == 4
