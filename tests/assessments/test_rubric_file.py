"""Bad rubric data gets a clear error naming the file, the entry and the problem, and loads nothing."""

import pytest

from assessments.models import Anchor, ProfileEntry, RubricVersion, SkillArea
from assessments.rubric_file import RubricFileError, read_rubric_file
from assessments.services import rubric_load
from tests.assessments.rubric_samples import VALID, sample, write_rubric


def problems_for(tmp_path, data) -> list[str]:
    path = write_rubric(tmp_path, data)
    with pytest.raises(RubricFileError) as caught:
        read_rubric_file(path)
    assert str(caught.value).startswith("sample.yaml: ")
    return caught.value.problems


def test_the_valid_sample_reads_cleanly(tmp_path):
    rubric, digest = read_rubric_file(write_rubric(tmp_path, VALID))

    assert list(rubric.areas) == ["software_engineering", "statistics"]
    assert len(digest) == 64


@pytest.mark.parametrize("weight", [0, -2, "heavy", True])
def test_a_weight_that_is_not_positive_is_refused(tmp_path, weight):
    data = sample()
    data["roles"]["ml_engineer"]["profile"]["statistics"]["weight"] = weight

    problems = problems_for(tmp_path, data)

    assert any(p.startswith("roles.ml_engineer.profile.statistics.weight:") for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"), [("expected", 6), ("expected", 0), ("minimum", 7), ("expected", 3.5)]
)
def test_a_level_outside_1_to_5_is_refused(tmp_path, field, value):
    data = sample()
    data["roles"]["data_scientist"]["profile"]["software_engineering"][field] = value

    problems = problems_for(tmp_path, data)

    assert any(p.startswith(f"roles.data_scientist.profile.software_engineering.{field}:") for p in problems)


def test_an_anchor_level_outside_1_to_5_is_refused(tmp_path):
    data = sample()
    data["areas"]["statistics"]["anchors"][6] = "Beyond the scale."

    problems = problems_for(tmp_path, data)

    assert any(p.startswith("areas.statistics.anchors.6") for p in problems), problems


def test_a_minimum_above_the_expected_level_is_refused(tmp_path):
    data = sample()
    data["roles"]["data_scientist"]["profile"]["software_engineering"]["minimum"] = 4

    problems = problems_for(tmp_path, data)

    assert any("minimum 4 is above the expected level 3" in p for p in problems)


def test_an_area_without_all_five_anchors_is_refused(tmp_path):
    data = sample()
    del data["areas"]["software_engineering"]["anchors"][4]

    problems = problems_for(tmp_path, data)

    assert problems == [
        "areas.software_engineering.anchors: Value error, "
        "needs an anchor for each level 1-5; missing level(s) [4]"
    ]


def test_anchors_must_be_distinct(tmp_path):
    data = sample()
    data["areas"]["software_engineering"]["anchors"][5] = data["areas"]["software_engineering"]["anchors"][4]

    problems = problems_for(tmp_path, data)

    assert any("five distinct descriptions" in p for p in problems)


def test_a_role_referring_to_an_unknown_area_is_refused(tmp_path):
    data = sample()
    data["roles"]["ml_engineer"]["profile"]["kubernetes_wizardry"] = data["roles"]["ml_engineer"]["profile"][
        "statistics"
    ]

    problems = problems_for(tmp_path, data)

    assert (
        "roles.ml_engineer.profile.kubernetes_wizardry: unknown skill area 'kubernetes_wizardry'" in problems
    )


def test_a_role_missing_an_area_is_refused(tmp_path):
    data = sample()
    del data["roles"]["ml_engineer"]["profile"]["statistics"]

    problems = problems_for(tmp_path, data)

    assert "roles.ml_engineer.profile: no entry for skill area 'statistics'" in problems


@pytest.mark.parametrize(
    ("original", "duplicate"),
    [
        ("  statistics:\n    name: Statistics", "  software_engineering:\n    name: Statistics"),
        ("  ml_engineer:\n", "  data_scientist:\n"),
    ],
)
def test_a_duplicate_key_is_refused_with_its_line(tmp_path, original, duplicate):
    import yaml

    text = yaml.safe_dump(VALID, sort_keys=False, allow_unicode=True)
    assert original in text
    bad = text.replace(original, duplicate, 1)

    problems = problems_for(tmp_path, bad)

    assert len(problems) == 1
    assert problems[0].startswith("line ")
    assert "found duplicate key" in problems[0]


def test_a_duplicate_advisor_rule_key_is_refused(tmp_path):
    data = sample()
    data["advisor"]["rules"].append(dict(data["advisor"]["rules"][0]))

    problems = problems_for(tmp_path, data)

    assert "advisor.rules.explore: duplicate rule key 'explore'" in problems


def test_a_profile_entry_without_a_source_is_refused(tmp_path):
    data = sample()
    del data["roles"]["data_scientist"]["profile"]["statistics"]["source"]

    problems = problems_for(tmp_path, data)

    assert any(
        p.startswith("roles.data_scientist.profile.statistics.source: Field required") for p in problems
    )


def test_a_silent_document_needs_a_reasoning(tmp_path):
    data = sample()
    data["roles"]["data_scientist"]["profile"]["statistics"]["source"] = {"document": "none"}

    problems = problems_for(tmp_path, data)

    assert any("needs a reasoning" in p for p in problems)


def test_a_statement_not_in_the_document_is_refused(tmp_path):
    data = sample()
    data["roles"]["data_scientist"]["profile"]["statistics"]["source"]["statement"] = "Statistics is 11/10."

    problems = problems_for(tmp_path, data)

    assert problems == [
        "roles.data_scientist.profile.statistics.source: statement not found in "
        "000_4b3c510425667054.txt: 'Statistics is 11/10.'"
    ]


def _fact(data) -> dict:
    return data["roles"]["data_scientist"]["facts"][0]


def test_a_fact_may_rest_on_several_quotes_each_checked_verbatim(tmp_path):
    data = sample()
    fact = _fact(data)
    fact["sources"] = [fact.pop("source"), {"document": "comparison", "statement": "Data $130k - $220k"}]
    assert read_rubric_file(write_rubric(tmp_path, data))[0].roles["data_scientist"].facts[0].sources[1]

    fact["sources"][1]["statement"] = "Data $130k - $990k"
    problems = problems_for(tmp_path, data)

    assert problems == [
        "roles.data_scientist.facts.0.sources.1: statement not found in "
        "000_4b3c510425667054.txt: 'Data $130k - $990k'"
    ]


def test_one_source_is_read_as_a_list_of_one_and_the_basis_defaults_to_the_documents(tmp_path):
    rubric, _ = read_rubric_file(write_rubric(tmp_path, VALID))

    (fact,) = rubric.roles["data_scientist"].facts
    assert fact.basis == "documents"
    assert [source.statement for source in fact.sources] == ["Data $130k - $220k"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"source": {"document": "none", "reasoning": "We think so."}}, "needs a quote in every source"),
        (
            {"source": {"document": "comparison", "statement": "Data $130k - $220k", "reasoning": "Ours."}},
            "states only what its quotes say",
        ),
        ({"basis": "inference"}, "an inference needs a reasoning"),
        ({"basis": "hunch"}, "roles.data_scientist.facts.0.basis"),
        ({"sources": []}, "roles.data_scientist.facts.0.sources"),
    ],
)
def test_a_fact_must_say_honestly_whether_it_is_the_documents_or_our_inference(tmp_path, change, problem):
    data = sample()
    if "sources" in change:
        del _fact(data)["source"]
    _fact(data).update(change)

    problems = problems_for(tmp_path, data)

    assert any(problem in p for p in problems), problems


def test_a_fact_gives_either_source_or_sources(tmp_path):
    data = sample()
    _fact(data)["sources"] = [dict(_fact(data)["source"])]

    problems = problems_for(tmp_path, data)

    assert any("either source or sources, not both" in p for p in problems), problems


def test_an_inference_may_start_from_quotes_and_still_needs_them_verbatim(tmp_path):
    data = sample()
    _fact(data).update(
        basis="inference",
        source={"document": "comparison", "statement": "Data $130k - $221k", "reasoning": "Rounded."},
    )

    problems = problems_for(tmp_path, data)

    assert problems == [
        "roles.data_scientist.facts.0.sources.0: statement not found in "
        "000_4b3c510425667054.txt: 'Data $130k - $221k'"
    ]


def test_an_unknown_document_is_refused(tmp_path):
    data = sample()
    data["areas"]["statistics"]["sources"][0]["document"] = "blog"

    problems = problems_for(tmp_path, data)

    assert "areas.statistics.sources.0: unknown document 'blog'" in problems


def test_an_advisor_rule_for_an_unknown_role_or_choice_is_refused(tmp_path):
    data = sample()
    data["advisor"]["rules"][0]["hire"] = "wizard"
    data["advisor"]["rules"][0]["when"] = {"primary_need": "vibes"}

    problems = problems_for(tmp_path, data)

    assert "advisor.rules.explore: unknown role 'wizard'" in problems
    assert "advisor.rules.explore.when.primary_need: 'vibes' is not one of its choices" in problems


def test_every_problem_is_reported_at_once(tmp_path):
    data = sample()
    data["roles"]["ml_engineer"]["profile"]["statistics"]["weight"] = 0
    data["roles"]["data_scientist"]["profile"]["statistics"]["expected"] = 9

    problems = problems_for(tmp_path, data)

    assert len(problems) == 2


def test_invalid_yaml_names_the_line(tmp_path):
    problems = problems_for(tmp_path, "key: x\nareas: [unclosed\n")

    assert problems[0].startswith("line ")


@pytest.mark.django_db
def test_a_bad_file_loads_nothing(tmp_path):
    data = sample()
    data["roles"]["ml_engineer"]["profile"]["statistics"]["weight"] = -1
    before = (
        RubricVersion.objects.count(),
        SkillArea.objects.count(),
        Anchor.objects.count(),
        ProfileEntry.objects.count(),
    )

    with pytest.raises(RubricFileError):
        rubric_load(path=write_rubric(tmp_path, data))

    after = (
        RubricVersion.objects.count(),
        SkillArea.objects.count(),
        Anchor.objects.count(),
        ProfileEntry.objects.count(),
    )
    assert after == before
    assert not RubricVersion.objects.filter(rubric__key="sample_roles").exists()
