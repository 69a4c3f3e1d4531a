"""The engine's accuracy on simulated panels with known truth: the fast fixed-seed cut of bench-accuracy."""

import pytest

from benchmarks import accuracy

SEEDS = range(1, 11)


@pytest.fixture(scope="module")
def profiles():
    return accuracy.role_profiles()


@pytest.mark.parametrize("name", ["base", "disconnected"])
def test_the_engine_ranks_better_than_the_plain_mean_and_its_80_percent_intervals_hold(name, profiles):
    design = next(design for design in accuracy.DESIGNS if design.name == name)

    figures = accuracy.evaluate(design, SEEDS, profiles, profiles.roles.index(accuracy.ROLE))

    engine, mean, oracle = figures["engine"], figures["mean"], figures["oracle"]
    assert engine["spearman"] > mean["spearman"] + 0.05
    assert engine["precision_at_10"] > mean["precision_at_10"]
    assert engine["spearman"] >= oracle["spearman"] - 0.03
    assert 0.70 <= engine["coverage"] <= 0.90


def test_the_benchmark_prints_one_json_line_in_the_documented_shape(capsys):
    accuracy.main(["--seeds", "1", "--design", "base"])

    import json

    line = capsys.readouterr().out.strip()
    result = json.loads(line)
    assert set(result["designs"]["base"]) == {"engine", "mean", "oracle"}
    assert {"spearman", "precision_at_10", "coverage"} <= set(result["designs"]["base"]["engine"])
    assert result["seeds"] == 1
