"""Predictions parsed and graded against hidden labels, copying flagged, the handover contract checked and
measurements turned into levels: the pure half of take-home grading."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn import metrics as skm

from takehomes import grader
from takehomes.grader import UploadRejected

CLASSES = ("benign", "malignant")
IDS = [str(i) for i in range(1, 21)]


def predictions_csv(rows, header="row_id,label,score") -> bytes:
    return ("\n".join([header, *(",".join(map(str, row)) for row in rows)]) + "\n").encode()


def parse(data: bytes, *, ids=IDS, needs_score=True, **kwargs):
    return grader.predictions_parse(
        data, expected_ids=ids, classes=CLASSES, needs_score=needs_score, max_bytes=1_000_000, **kwargs
    )


def rejected(data: bytes, **kwargs) -> dict[str, str]:
    with pytest.raises(UploadRejected) as caught:
        parse(data, **kwargs)
    return {problem.code: problem.message for problem in caught.value.problems}


def valid_rows():
    return [(row_id, CLASSES[int(row_id) % 2], 0.1 * (int(row_id) % 10)) for row_id in IDS]


# --- Parsing ---


def test_a_valid_file_in_any_row_order_comes_back_aligned_to_the_expected_ids():
    rows = valid_rows()[::-1]
    data = b"\xef\xbb\xbf" + predictions_csv(rows).replace(b"\n", b"\r\n")

    parsed = parse(data)

    assert parsed.row_ids == tuple(IDS)
    assert parsed.labels.tolist() == [CLASSES[int(i) % 2] for i in IDS]
    assert parsed.scores[:3].tolist() == pytest.approx([0.1, 0.2, 0.3])


def test_missing_duplicate_and_unknown_ids_are_each_named_in_one_rejection():
    rows = valid_rows()
    rows = [*rows[:10], rows[0], ("999", "benign", 0.5), ("1000", "benign", 0.5)]

    problems = rejected(predictions_csv(rows))

    assert problems["missing_id"] == "Row ids 11, 12, 13 and 7 more are missing."
    assert problems["duplicate_id"] == "Row id 1 appears more than once; give each row one prediction."
    assert problems["unknown_id"] == "Row ids 999 and 1000 are not in the test set."


def test_an_unknown_label_names_the_label_and_its_line():
    rows = valid_rows()
    rows[3] = ("4", "Malignant ", 0.2)

    problems = rejected(predictions_csv(rows))

    assert set(problems) == {"unknown_label"}
    assert "'Malignant'" in problems["unknown_label"]
    assert "line 5" in problems["unknown_label"]
    assert "'benign', 'malignant'" in problems["unknown_label"]


@pytest.mark.parametrize(
    ("score", "code"),
    [("nan", "nan_score"), ("", "nan_score"), ("inf", "nan_score"), ("1.5", "score_out_of_range")],
)
def test_a_score_must_be_a_finite_probability(score, code):
    rows = valid_rows()
    rows[0] = ("1", "malignant", score)

    assert set(rejected(predictions_csv(rows))) == {code}


def test_a_score_column_is_required_when_the_exercise_grades_scores():
    rows = [row[:2] for row in valid_rows()]

    assert set(rejected(predictions_csv(rows, header="row_id,label"))) == {"score_required"}
    assert parse(predictions_csv(rows, header="row_id,label"), needs_score=False).scores is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"row_id,prediction\n1,benign\n", "wrong_columns"),
        (b"row_id,label,score\n1,benign\n", "wrong_columns"),
        (b"row_id,label\x00,score\n", "not_csv"),
        (b"row_id,label\n1,b\xe9nin\n", "not_csv"),
        (b"   \n\n", "not_csv"),
        (b'row_id,label,score\n"1,benign,0.5\n', "not_csv"),
    ],
)
def test_files_that_are_not_the_expected_csv_are_refused_with_a_code(data, code):
    assert code in rejected(data)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(UploadRejected) as caught:
        grader.predictions_parse(
            b"x" * 101, expected_ids=IDS, classes=CLASSES, needs_score=False, max_bytes=100
        )
    assert caught.value.codes == ["too_large"]
    assert caught.value.as_dict()[0]["message"] == "The file is 101 bytes; the limit is 100 bytes."


def test_regression_labels_must_be_numbers():
    rows = [(row_id, float(row_id) / 3) for row_id in IDS]
    parsed = grader.predictions_parse(
        predictions_csv(rows, header="row_id,label"),
        expected_ids=IDS,
        classes=(),
        needs_score=False,
        max_bytes=10_000,
        task_type="regression",
    )
    assert parsed.labels.dtype == np.float64

    rows[2] = ("3", "three")
    with pytest.raises(UploadRejected) as caught:
        grader.predictions_parse(
            predictions_csv(rows, header="row_id,label"),
            expected_ids=IDS,
            classes=(),
            needs_score=False,
            max_bytes=10_000,
            task_type="regression",
        )
    assert caught.value.codes == ["not_a_number"]


# --- Metrics ---


def simulated(n: int, *, accuracy: float, seed: int):
    rng = np.random.default_rng(seed)
    truth = rng.choice(np.array(CLASSES), size=n, p=[0.6, 0.4])
    right = rng.random(n) < accuracy
    flipped = np.where(truth == "benign", "malignant", "benign")
    predicted = np.where(right, truth, flipped)
    score = np.clip(np.where(predicted == "malignant", 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    return truth, predicted, score


def test_point_values_equal_scikit_learns():
    truth, predicted, score = simulated(3000, accuracy=0.85, seed=3)
    is_true, is_predicted = truth == "malignant", predicted == "malignant"

    result = grader.classification_metrics(truth, predicted, positive="malignant", y_score=score)

    assert result["accuracy"]["value"] == pytest.approx(skm.accuracy_score(truth, predicted))
    assert result["precision"]["value"] == pytest.approx(skm.precision_score(is_true, is_predicted))
    assert result["sensitivity"]["value"] == pytest.approx(skm.recall_score(is_true, is_predicted))
    assert result["specificity"]["value"] == pytest.approx(skm.recall_score(~is_true, ~is_predicted))
    assert result["f1"]["value"] == pytest.approx(skm.f1_score(is_true, is_predicted))
    assert result["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(is_true, score))
    assert result["confusion"] == {
        "labels": ["malignant", "benign"],
        "matrix": skm.confusion_matrix(truth, predicted, labels=["malignant", "benign"]).tolist(),
    }
    for name in ("accuracy", "precision", "sensitivity", "specificity", "f1", "roc_auc"):
        assert result[name]["lower"] < result[name]["value"] < result[name]["upper"]


def test_the_bootstrap_is_seeded_so_the_same_file_gets_the_same_interval():
    truth, predicted, _ = simulated(500, accuracy=0.8, seed=4)

    first = grader.classification_metrics(truth, predicted, positive="malignant")
    second = grader.classification_metrics(truth, predicted, positive="malignant")

    assert first == second
    assert first["roc_auc"] is None


def test_95_percent_intervals_cover_the_true_accuracy_about_95_percent_of_the_time():
    true_accuracy = 0.8
    covered = []
    for seed in range(200):
        truth, predicted, _ = simulated(400, accuracy=true_accuracy, seed=seed)
        interval = grader.classification_metrics(truth, predicted, positive="malignant", resamples=1000)[
            "accuracy"
        ]
        covered.append(interval["lower"] <= true_accuracy <= interval["upper"])

    assert 0.9 <= np.mean(covered) <= 0.99


def test_the_delong_auc_interval_covers_the_true_auc_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    true_auc = float(norm.cdf(1 / np.sqrt(2)))  # two unit normals one apart: P(X > Y) = Phi(1 / sqrt 2)
    covered = []
    for _ in range(200):
        positives, negatives = rng.normal(1, 1, 150), rng.normal(0, 1, 250)
        scores = np.concatenate([positives, negatives])
        truth = np.array(["malignant"] * 150 + ["benign"] * 250)
        auc = grader.classification_metrics(truth, truth, positive="malignant", y_score=scores)["roc_auc"]
        covered.append(auc["lower"] <= true_auc <= auc["upper"])

    assert 0.9 <= np.mean(covered) <= 0.99


def test_multiclass_metrics_are_macro_averages_equal_to_scikit_learns():
    rng = np.random.default_rng(6)
    classes = ["a", "b", "c"]
    truth = rng.choice(classes, 2000)
    predicted = np.where(rng.random(2000) < 0.7, truth, rng.choice(classes, 2000))

    result = grader.multiclass_metrics(truth, predicted, classes=classes)

    assert result["f1"]["value"] == pytest.approx(skm.f1_score(truth, predicted, average="macro"))
    assert result["precision"]["value"] == pytest.approx(
        skm.precision_score(truth, predicted, average="macro")
    )
    assert result["sensitivity"]["value"] == pytest.approx(
        skm.recall_score(truth, predicted, average="macro")
    )
    assert result["accuracy"]["lower"] < result["accuracy"]["value"] < result["accuracy"]["upper"]
    assert result["confusion"]["matrix"] == skm.confusion_matrix(truth, predicted, labels=classes).tolist()


def test_regression_metrics_equal_scikit_learns_with_intervals():
    rng = np.random.default_rng(7)
    truth = rng.normal(size=1000)
    predicted = truth + rng.normal(scale=0.5, size=1000)

    result = grader.regression_metrics(truth, predicted)

    assert result["mae"]["value"] == pytest.approx(skm.mean_absolute_error(truth, predicted))
    assert result["rmse"]["value"] == pytest.approx(skm.root_mean_squared_error(truth, predicted))
    assert result["r2"]["value"] == pytest.approx(skm.r2_score(truth, predicted))
    for name in ("mae", "rmse", "r2"):
        assert result[name]["lower"] < result[name]["value"] < result[name]["upper"]


def test_task_metrics_dispatches_on_the_task_type():
    parsed = parse(predictions_csv(valid_rows()))
    truth = [CLASSES[int(i) % 2] for i in IDS]

    result = grader.task_metrics("binary", truth, parsed, positive="malignant", classes=CLASSES)

    assert result["accuracy"]["value"] == 1.0
    assert result["confusion"]["labels"] == ["malignant", "benign"]


# --- Copying ---


def test_near_identical_predictions_are_flagged_only_when_neither_model_is_near_perfect():
    a = ["x"] * 990 + ["y"] * 10
    b = ["x"] * 995 + ["y"] * 5

    assert grader.agreement(a, b) == pytest.approx(0.995)
    assert grader.copy_suspected(a, b, a_accuracy=0.85, b_accuracy=0.86)
    assert not grader.copy_suspected(a, b, a_accuracy=0.99, b_accuracy=0.985)
    assert not grader.copy_suspected(a, ["y"] * 1000, a_accuracy=0.85, b_accuracy=0.2)


# --- The handover contract ---

MEASURED = {
    "accuracy": {"value": 0.91, "lower": 0.88, "upper": 0.94},
    "precision": {"value": 0.89, "lower": 0.85, "upper": 0.93},
    "sensitivity": {"value": 0.86, "lower": 0.81, "upper": 0.90},
    "f1": {"value": 0.875, "lower": 0.84, "upper": 0.91},
    "latency_p95_ms": 0.05,
    "peak_memory_mb": 80.0,
    "parameters": 31,
    "producer_name": "skl2onnx",
    "producer_version": "1.20.0",
    "opset": {"": 17, "ai.onnx.ml": 1},
}
FULL_CLAIM = {
    "accuracy": 0.92,
    "precision": "90%",
    "sensitivity": 85,
    "f1": 0.88,
    "latency_p95_ms": 0.06,
    "peak_memory_mb": 100,
    "parameters": 31,
    "framework": "Scikit-Learn",
    "framework_version": "scikit-learn 1.5.2, skl2onnx 1.20",
    "opset": "17",
    "data_split": "Stratified 80/20 split, seed 0",
    "optimisation_metrics": "F1 on the malignant class",
}


def test_a_full_honest_contract_is_within_everywhere_and_complete():
    report = grader.contract_check(FULL_CLAIM, MEASURED, {})

    verdicts = {item.key: item.verdict for item in report.items}
    assert verdicts == {
        **dict.fromkeys(grader.METRIC_ITEMS + grader.RESOURCE_ITEMS + grader.MODEL_ITEMS, "within"),
        "data_split": "present",
        "optimisation_metrics": "present",
    }
    assert report.completeness == 1.0
    assert report.honesty == 1.0
    assert report.item("precision").claimed == pytest.approx(0.9)


def test_an_over_claimed_f1_is_called_over_claimed_and_lowers_honesty():
    claim = {**FULL_CLAIM, "f1": 0.97, "latency_p95_ms": 0.01, "parameters": 60, "framework": "PyTorch"}

    report = grader.contract_check(claim, MEASURED, {})

    assert report.item("f1").verdict == "over_claimed"
    assert "0.970" in report.item("f1").detail
    assert "0.840-0.910" in report.item("f1").detail
    assert report.item("latency_p95_ms").verdict == "over_claimed"  # claims faster than measured
    assert report.item("parameters").verdict == "under_claimed"  # claims more than it has
    assert report.item("framework").verdict == "mismatch"
    assert report.honesty == pytest.approx(7 / 10)


def test_missing_items_lower_completeness_and_unmeasured_ones_say_so():
    claim = {"f1": 0.88, "latency_p95_ms": 2.0, "framework": "", "data_split": None}
    measured = {key: MEASURED[key] for key in ("accuracy", "precision", "sensitivity", "f1")}

    report = grader.contract_check(claim, measured, {"latency_p95_ms": 5, "f1": 0.9})

    assert report.item("framework").verdict == "missing"
    assert report.item("data_split").verdict == "missing"
    assert report.item("latency_p95_ms").verdict == "not_measured"
    assert report.completeness == pytest.approx(2 / 12)
    assert report.item("f1").budget_verdict == "missed"
    assert report.item("latency_p95_ms").budget_verdict == "not_measured"
    assert report.item("accuracy").budget_verdict is None
    assert report.as_dict()["items"][0]["key"] == "accuracy"


def test_budgets_read_lower_as_better_for_latency_memory_and_parameters():
    report = grader.contract_check({}, MEASURED, {"latency_p95_ms": 1, "peak_memory_mb": 50, "accuracy": 0.9})

    assert report.item("latency_p95_ms").budget_verdict == "met"
    assert report.item("peak_memory_mb").budget_verdict == "missed"
    assert report.item("accuracy").budget_verdict == "met"
    assert (report.budgets_met, report.budgets_set) == (2, 3)


def test_a_framework_version_only_the_converter_records_cannot_be_checked():
    report = grader.contract_check({"framework_version": "1.5.2"}, MEASURED, {})
    assert report.item("framework_version").verdict == "not_measured"

    torch = {**MEASURED, "producer_name": "pytorch", "producer_version": "2.3.1"}
    assert grader.contract_check({"framework_version": "2.1"}, torch, {}).item(
        "framework_version"
    ).verdict == ("mismatch")
    assert grader.contract_check({"framework": "torch"}, torch, {}).item("framework").verdict == "within"


def test_contract_measured_gathers_metrics_model_facts_and_the_run():
    metrics = {name: MEASURED[name] for name in grader.METRIC_ITEMS}
    model = {"parameters": 31, "producer_name": "skl2onnx", "producer_version": "1.20.0", "opset": {"": 17}}
    run = {"status": "ok", "latency_p95_ms": 0.05, "peak_rss_mb": 80.0}

    measured = grader.contract_measured(metrics=metrics, model=model, run=run)

    assert measured["peak_memory_mb"] == 80.0
    assert measured["f1"] == MEASURED["f1"]
    assert "latency_p95_ms" not in grader.contract_measured(run={"status": "exceeded_time"})


# --- Levels ---

MAPPING = {
    "model_quality": {"item": "f1", "thresholds": [0.6, 0.75, 0.85, 0.92]},
    "deployment": {"item": "latency_p95_ms", "thresholds": [100, 20, 5, 1], "direction": "lower"},
    "handover": {"item": "contract_completeness_honesty", "thresholds": [0.25, 0.5, 0.75, 0.95]},
    "robustness": {"item": "roc_auc", "thresholds": [0.6, 0.7, 0.8, 0.9]},
}


def test_levels_follow_the_thresholds_in_the_stated_direction():
    report = grader.contract_check(FULL_CLAIM, MEASURED, {})
    measurements = grader.grade_measurements(
        metrics={"f1": MEASURED["f1"]}, run={"status": "ok", "latency_p95_ms": 3.0}, contract=report
    )

    levels = grader.levels_from_grade(measurements, MAPPING)

    assert levels["model_quality"] == (4, "F1 0.875 gives level 4 (≥ 0.85); level 5 needs ≥ 0.92.")
    assert levels["deployment"][0] == 4  # 3 ms: within 5, not within 1
    assert levels["handover"][0] == 5
    assert "robustness" not in levels  # no scores, no AUC: no evidence is not a level 1


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({}, "at least one skill area"),
        ({"a": {"item": "charisma", "thresholds": [1, 2, 3, 4]}}, "not a measurement"),
        ({"a": {"item": "f1", "thresholds": [0.9, 0.8, 0.7, 0.6]}}, "must rise"),
        ({"a": {"item": "f1", "thresholds": [0.1, 0.2]}}, "four numbers"),
        ({"a": {"item": "latency_p95_ms", "thresholds": [100, 20, 5, 1]}}, 'state "direction": "lower"'),
        ({"a": {"item": "latency_p95_ms", "thresholds": [1, 5, 20, 100], "direction": "lower"}}, "must fall"),
        ({"a": {"item": "f1", "thresholds": [0.6, 0.7, 0.8, 0.9], "direction": "lower"}}, "higher is better"),
        ({"a": {"item": "f1", "thresholds": [0.6, 0.7, 0.8, 0.9], "weight": 2}}, "unknown keys"),
    ],
)
def test_mapping_validate_explains_what_is_wrong(mapping, fragment):
    problems = grader.mapping_validate(mapping)

    assert any(fragment in problem for problem in problems), problems
    if mapping:
        with pytest.raises(ValueError, match="a:"):
            grader.levels_from_grade({}, mapping)


def test_a_valid_mapping_has_no_problems():
    assert grader.mapping_validate(MAPPING) == []
