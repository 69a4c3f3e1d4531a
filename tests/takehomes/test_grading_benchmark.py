"""``python -m benchmarks.grading`` in a small size: one JSON line in the documented shape."""

import json

from benchmarks import grading


def test_the_grading_benchmark_prints_one_json_line_in_the_documented_shape(capsys):
    assert grading.main(["--rows", "2000", "--repeat", "1"]) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert {
        "rows",
        "grade_s",
        "grade_target_s",
        "runner_overhead_s",
        "runner_overhead_target_s",
        "runner_peak_rss_mb",
        "network_isolated",
    } <= set(result)
    assert result["rows"] == 2000
    assert isinstance(result["network_isolated"], bool)
