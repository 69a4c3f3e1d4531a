import pytest
from django.core.management import CommandError, call_command

from assessments.models import Anchor, ProfileEntry, Role, RoleProfile, RubricVersion, SkillArea
from assessments.services import rubric_files, rubric_load, rubric_version_fork
from tests.assessments.rubric_samples import sample, write_rubric

pytestmark = pytest.mark.django_db


def row_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Role, RubricVersion, SkillArea, Anchor, RoleProfile, ProfileEntry)
    )


def test_the_test_database_starts_with_the_shipped_rubric_loaded():
    assert RubricVersion.objects.filter(rubric__key="data_roles").exists()
    assert set(Role.objects.values_list("key", flat=True)) >= {
        "data_scientist",
        "ml_engineer",
        "full_stack_data_scientist",
    }


def test_loading_the_same_file_twice_changes_nothing():
    before = row_counts()

    version, created = rubric_load(path=rubric_files()[0])

    assert created is False
    assert row_counts() == before
    assert version.number == RubricVersion.objects.filter(rubric__key="data_roles").latest("number").number


def test_loading_a_new_file_creates_version_one_with_all_its_content(tmp_path):
    version, created = rubric_load(path=write_rubric(tmp_path, sample()))

    assert created is True
    assert version.number == 1
    assert version.areas.count() == 2
    assert Anchor.objects.filter(area__version=version).count() == 10
    assert ProfileEntry.objects.filter(profile__version=version).count() == 4
    entry = ProfileEntry.objects.get(
        profile__version=version, profile__role__key="ml_engineer", area__key="software_engineering"
    )
    assert (entry.weight, entry.expected_level, entry.minimum_level) == (9, 5, 4)
    assert entry.source_file == "000_4b3c510425667054.txt"


def test_reformatting_or_commenting_the_file_is_not_a_new_version(tmp_path):
    path = write_rubric(tmp_path, sample())
    rubric_load(path=path)

    path.write_text("# a comment\n" + path.read_text())
    _, created = rubric_load(path=path)

    assert created is False


def test_loading_an_edited_file_creates_a_new_version_and_keeps_the_old_one(tmp_path):
    data = sample()
    first, _ = rubric_load(path=write_rubric(tmp_path, data))

    data["roles"]["ml_engineer"]["profile"]["statistics"]["weight"] = 7
    second, created = rubric_load(path=write_rubric(tmp_path, data))

    assert created is True
    assert second.number == first.number + 1
    old = ProfileEntry.objects.get(
        profile__version=first, profile__role__key="ml_engineer", area__key="statistics"
    )
    new = ProfileEntry.objects.get(
        profile__version=second, profile__role__key="ml_engineer", area__key="statistics"
    )
    assert (old.weight, new.weight) == (6, 7)
    assert RubricVersion.objects.current("sample_roles") == second


def test_forking_a_version_copies_everything_into_an_editable_new_version(rubric_version):
    rubric_version.locked_at = rubric_version.created_at
    rubric_version.save(update_fields=["locked_at"])

    fork = rubric_version_fork(version=rubric_version)

    assert fork.number == rubric_version.number + 1
    assert fork.based_on == rubric_version
    assert not fork.is_locked
    assert fork.content_hash == ""
    assert fork.areas.count() == rubric_version.areas.count()
    assert (
        Anchor.objects.filter(area__version=fork).count()
        == Anchor.objects.filter(area__version=rubric_version).count()
    )
    pairs = lambda v: sorted(  # noqa: E731
        ProfileEntry.objects.filter(profile__version=v).values_list(
            "profile__role__key", "area__key", "weight", "expected_level", "minimum_level"
        )
    )
    assert pairs(fork) == pairs(rubric_version)
    # The copy's entries point at the copy's own areas.
    assert not ProfileEntry.objects.filter(profile__version=fork).exclude(area__version=fork).exists()


def test_load_rubrics_command_reports_unchanged_on_a_second_run(capsys):
    call_command("load_rubrics")

    assert "data_roles.yaml: unchanged, already loaded as version" in capsys.readouterr().out


def test_load_rubrics_command_fails_with_the_problems_of_a_bad_file(tmp_path):
    data = sample()
    del data["areas"]["statistics"]["anchors"][2]
    path = write_rubric(tmp_path, data)

    with pytest.raises(CommandError) as caught:
        call_command("load_rubrics", str(path))

    assert "sample.yaml: areas.statistics.anchors" in str(caught.value)
    assert "nothing written" in str(caught.value)
