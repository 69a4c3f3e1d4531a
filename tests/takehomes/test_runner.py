"""Uploaded models run in a sandboxed process: measured when they behave, a clear outcome when they do not
(never an exception, never a hung test)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from takehomes import sandbox
from tests.takehomes import models

SHORT = {"cpu_seconds": 2, "wall_seconds": 10, "calls": 20, "warmup": 2}


def test_a_logistic_regression_is_measured_and_its_predictions_match_scikit_learn(
    tmp_path, logistic_model, breast_cancer, features_csv
):
    estimator, onnx_model = logistic_model
    features, _ = breast_cancer

    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, onnx_model), features_path=features_csv, positive="1"
    )

    assert outcome.status == "ok", outcome
    assert outcome.row_ids[:3] == ("r0", "r1", "r2")
    assert list(outcome.labels) == [str(label) for label in estimator.predict(features)]
    assert np.allclose(outcome.scores, estimator.predict_proba(features)[:, 1], atol=1e-4)
    assert 0 < outcome.latency_p50_ms <= outcome.latency_p95_ms
    assert outcome.throughput_rows_per_s > 0
    assert 20 < outcome.peak_rss_mb < 512
    # The runtime's own footprint is not the model's: a 31-parameter model takes a few MB at most.
    assert outcome.baseline_rss_mb + outcome.model_memory_mb == pytest.approx(outcome.peak_rss_mb, abs=0.01)
    assert 0 <= outcome.model_memory_mb < 20
    assert 0 < outcome.overhead_s < outcome.wall_s
    assert outcome.network_isolated == bool(sandbox.network_isolation())
    assert "labels" not in outcome.as_dict()
    assert len(outcome.as_dict(predictions=True)["labels"]) == features.shape[0]


@pytest.mark.parametrize("model", ["logistic_zipmap_onnx", "forest_onnx"])
def test_zipmap_outputs_and_tree_ensembles_give_labels_and_scores(request, tmp_path, model, features_csv):
    onnx_model = request.getfixturevalue(model)

    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, onnx_model), features_path=features_csv, positive="1", **SHORT
    )

    assert outcome.status == "ok", outcome
    assert set(outcome.labels) == {"0", "1"}
    assert all(0 <= score <= 1 for score in outcome.scores)
    high = [label for label, score in zip(outcome.labels, outcome.scores, strict=True) if score > 0.5]
    assert set(high) == {"1"}


def test_a_model_allocating_past_the_memory_limit_comes_back_as_exceeded_memory(tmp_path, features_csv):
    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, models.memory_bomb()),
        features_path=features_csv,
        positive=None,
        **SHORT,
    )

    assert outcome.status == "exceeded_memory", outcome
    assert outcome.latency_p95_ms is None


def test_an_endless_loop_is_stopped_by_the_cpu_limit(tmp_path, features_csv):
    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, models.endless_loop()),
        features_path=features_csv,
        positive=None,
        **SHORT,
    )

    assert (outcome.status, outcome.error) == ("exceeded_time", "cpu"), outcome
    assert outcome.wall_s < SHORT["wall_seconds"]


def test_an_endless_loop_is_stopped_by_the_wall_clock_when_cpu_time_remains(tmp_path, features_csv):
    limits = {**SHORT, "cpu_seconds": 30, "wall_seconds": 1.5}

    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, models.endless_loop()),
        features_path=features_csv,
        positive=None,
        **limits,
    )

    assert (outcome.status, outcome.error) == ("exceeded_time", "wall"), outcome
    assert outcome.wall_s < 5


@pytest.mark.parametrize(
    ("model", "status", "error"),
    [
        (models.custom_op_model, "rejected", "invalid_model"),
        (models.external_data_model, "rejected", "external_data"),
        (models.failing_model, "runner_failed", "model_failed"),
    ],
)
def test_models_the_runtime_cannot_or_must_not_run_come_back_as_outcomes(
    tmp_path, features_csv, model, status, error
):
    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, model()), features_path=features_csv, positive=None, **SHORT
    )

    assert (outcome.status, outcome.error) == (status, error), outcome
    assert outcome.detail


def test_the_runner_environment_holds_no_secrets_of_the_worker(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/app")

    env = sandbox.child_env()

    assert set(env) == {*sandbox.CHILD_ENV, "PYTHONPATH"}
    assert "do-not-leak" not in json.dumps(env)
    assert env["PYTHONPATH"] == str(sandbox.PROJECT_ROOT)


def test_the_runner_writes_an_error_and_exits_non_zero_on_bad_features(tmp_path, logistic_model):
    bad = tmp_path / "features.csv"
    bad.write_text("row_id,f1\nr0,not-a-number\n")
    out = tmp_path / "out.json"

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "takehomes.runner",
            "--model",
            str(models.model_write(tmp_path, logistic_model[1])),
            "--features",
            str(bad),
            "--out",
            str(out),
        ],
        cwd=sandbox.PROJECT_ROOT,
        capture_output=True,
        timeout=30,
        check=False,
    )

    assert run.returncode != 0
    assert json.loads(out.read_text())["error"] == "bad_features"


def test_a_large_worker_does_not_pass_its_own_size_on_as_the_model_s_memory(
    tmp_path, logistic_model, features_csv
):
    # A grading worker is a big process; the runner forks from it. Its peak is the runner's own.
    ballast = np.ones(700 * 1024 * 1024 // 8)  # 700 MB, touched, so it is resident
    _, onnx_model = logistic_model

    outcome = sandbox.model_run(
        model_path=models.model_write(tmp_path, onnx_model), features_path=features_csv, positive="1", **SHORT
    )

    assert ballast.sum() > 0
    assert outcome.status == "ok", outcome
    assert outcome.peak_rss_mb < 512
    assert outcome.model_memory_mb < 20
