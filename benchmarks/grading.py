"""Take-home grading speed: one JSON line.

- grade_s: parsing a predictions file of ``--rows`` rows (row_id,label,score) and computing the binary
  metrics with their intervals (``takehomes.grader``); target GRADE_TARGET_S.
- runner_overhead_s: a sandboxed model run (``takehomes.sandbox.model_run``) of a logistic regression
  (skl2onnx, breast-cancer shaped: 30 features) on ``--rows`` test rows, minus the runner's own
  measured calls: start-up, loading, reading the features, writing the result; target
  RUNNER_OVERHEAD_TARGET_S. runner_peak_rss_mb is that process's peak RSS.

Each figure is the best of ``--repeat`` runs. No database.

    python -m benchmarks.grading [--rows 100000] [--repeat 3] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from takehomes import grader, sandbox

GRADE_TARGET_S = 1.0
RUNNER_OVERHEAD_TARGET_S = 2.0
CLASSES = ("benign", "malignant")


def predictions_file(rows: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray, bytes]:
    ids = [f"row-{i}" for i in range(rows)]
    truth = rng.choice(np.array(CLASSES), size=rows, p=[0.63, 0.37])
    right = rng.random(rows) < 0.93
    predicted = np.where(right, truth, np.where(truth == "benign", "malignant", "benign"))
    score = np.clip(np.where(predicted == "malignant", 0.8, 0.2) + rng.normal(0, 0.15, rows), 0, 1)
    lines = [
        "row_id,label,score",
        *(f"{i},{p},{s:.6f}" for i, p, s in zip(ids, predicted, score, strict=True)),
    ]
    return ids, truth, ("\n".join(lines) + "\n").encode()


def grade_seconds(ids: list[str], truth: np.ndarray, data: bytes) -> float:
    started = time.perf_counter()
    parsed = grader.predictions_parse(
        data, expected_ids=ids, classes=CLASSES, needs_score=True, max_bytes=len(data) + 1
    )
    grader.classification_metrics(truth, parsed.labels, positive="malignant", y_score=parsed.scores)
    return time.perf_counter() - started


def model_files(rows: int, rng: np.random.Generator, folder: Path) -> tuple[Path, Path]:
    features, target = load_breast_cancer(return_X_y=True)
    features = features.astype(np.float32)
    model = LogisticRegression(max_iter=5000).fit(features, target)
    model_path = folder / "model.onnx"
    model_path.write_bytes(to_onnx(model, features[:1], options={"zipmap": False}).SerializeToString())
    test = features[rng.integers(0, len(features), rows)]
    features_path = folder / "features.csv"
    header = "row_id," + ",".join(f"f{i}" for i in range(features.shape[1]))
    np.savetxt(
        features_path,
        np.column_stack([np.arange(rows), test]),
        delimiter=",",
        header=header,
        comments="",
        fmt=["r%d"] + ["%.6g"] * features.shape[1],
    )
    return model_path, features_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)

    ids, truth, data = predictions_file(args.rows, rng)
    grade_s = min(grade_seconds(ids, truth, data) for _ in range(args.repeat))

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        model_path, features_path = model_files(args.rows, rng, Path(folder))
        outcomes = [
            sandbox.model_run(model_path=model_path, features_path=features_path, positive="1")
            for _ in range(args.repeat)
        ]
    failed = [outcome for outcome in outcomes if outcome.status != "ok"]
    if failed:
        print(json.dumps({"error": failed[0].status, "detail": failed[0].detail}), file=sys.stderr)
        return 1
    best = min(outcomes, key=lambda outcome: outcome.overhead_s)
    result = {
        "rows": args.rows,
        "grade_s": round(grade_s, 4),
        "grade_target_s": GRADE_TARGET_S,
        "runner_overhead_s": round(best.overhead_s, 4),
        "runner_overhead_target_s": RUNNER_OVERHEAD_TARGET_S,
        "runner_wall_s": round(best.wall_s, 4),
        "runner_peak_rss_mb": round(max(outcome.peak_rss_mb for outcome in outcomes), 1),
        "runner_latency_p95_ms": round(best.latency_p95_ms, 4),
        "network_isolated": best.network_isolated,
    }
    print(json.dumps(result))
    if args.check:
        misses = []
        if grade_s > GRADE_TARGET_S:
            misses.append(f"grading took {grade_s:.3f} s, target {GRADE_TARGET_S} s")
        if best.overhead_s > RUNNER_OVERHEAD_TARGET_S:
            misses.append(f"runner overhead {best.overhead_s:.3f} s, target {RUNNER_OVERHEAD_TARGET_S} s")
        for miss in misses:
            print(miss, file=sys.stderr)
        return 1 if misses else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
