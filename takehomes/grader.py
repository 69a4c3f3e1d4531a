"""Take-home grading: uploaded predictions checked, measured against hidden labels, and set against the
handover contract the candidate claimed. Pure NumPy / scikit-learn, no Django.

1. Parsing (``predictions_parse``)
   A predictions file is UTF-8 CSV (a byte-order mark is tolerated), header ``row_id,label`` or
   ``row_id,label,score``, one row per test row id, each id exactly once. Every fault found is
   reported at once, as ``Problem(code, message)`` inside one ``UploadRejected``; messages name the
   first few offending ids or lines so a candidate can fix the file. Labels are compared as strings
   (after trimming spaces); a binary score is the probability of the positive class, a finite float
   in [0, 1]. For a regression task the label column holds the predicted number.

2. Metrics (``classification_metrics``, ``multiclass_metrics``, ``regression_metrics``)
   Point values come from scikit-learn (``accuracy_score``, ``precision_score``, ``recall_score``,
   ``f1_score``, ``roc_auc_score``, ``confusion_matrix``), zero_division=0. Each has a 95% interval:

   Binary. Write the confusion counts c = (tp, fn, fp, tn), n = sum c. Every metric except AUC is a
   function of c alone:

       accuracy    = (tp + tn) / n            precision   = tp / (tp + fp)
       sensitivity = tp / (tp + fn)           specificity = tn / (tn + fp)
       f1          = 2 tp / (2 tp + fp + fn)  (0 where a denominator is 0, as scikit-learn)

   A bootstrap resample of the n test rows (drawn with replacement) has counts c* ~ Multinomial(n,
   c / n), exactly, so BOOTSTRAP_RESAMPLES resamples are BOOTSTRAP_RESAMPLES multinomial draws over
   four cells (microseconds, whatever n). The interval is the percentile interval, the 2.5th and
   97.5th percentiles of the metric over the resamples; the generator is seeded, so the same file
   always gets the same interval.

   ROC AUC (only with scores). DeLong's variance: with m positives scored X_i and k negatives
   scored Y_j, psi(x, y) = 1 if x > y, 1/2 if equal, 0 otherwise, the placements are

       V10_i = mean_j psi(X_i, Y_j),   V01_j = mean_i psi(X_i, Y_j),   AUC = mean_i V10_i

   computed from mid-ranks in O(n log n) (V10_i = (rank of X_i among all - rank among X) / k), and

       Var(AUC) = s10^2 / m + s01^2 / k     (sample variances of V10 and V01)

   The interval is AUC +- 1.96 sqrt(Var), clipped to [0, 1].

   Multiclass. Macro averages over the exercise's classes (each class's one-vs-rest precision,
   sensitivity, specificity and F1, averaged with equal weight). The k x k confusion matrix is
   resampled the same way (multinomial over its k^2 cells).

   Regression. MAE, RMSE and R^2; rows are resampled directly (REGRESSION_RESAMPLES resamples, the
   percentile interval), which costs O(n) per resample, so fewer of them.

3. Copying (``agreement``, ``copy_suspected``)
   Agreement is the share of test rows two candidates labelled alike. Two good models agree because
   both match the truth, so agreement alone proves nothing near the ceiling: a pair is flagged only
   with agreement >= COPY_AGREEMENT_MIN while both accuracies are below COPY_ACCURACY_CEILING.

4. The handover contract (``contract_check``)
   Each item the candidate claims is set against what was measured (see ``ContractItem`` for the
   verdicts and ``contract_check`` for the tolerances), and against the exercise's budget if it has
   one. completeness = share of CONTRACT_ITEMS claimed; honesty = share of the checked claims that
   were neither over-claimed nor contradicted.

5. Levels (``levels_from_grade``)
   An exercise maps skill areas to one measurement each, with four thresholds for levels 2-5; see
   ``mapping_validate`` for the rules an admin form enforces.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm


class TaskType(StrEnum):
    """What a take-home's predictions are: binary is the full path; multiclass and regression are
    graded too (macro-averaged metrics, MAE / RMSE / R^2), without scores."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


BOOTSTRAP_RESAMPLES = 4000  # multinomial draws: cheap, so many (the percentiles settle to ~0.002)
REGRESSION_RESAMPLES = 400  # row resamples, O(n) each
BOOTSTRAP_SEED = 20_240_601  # fixed: the same file always gets the same interval
CONFIDENCE = 0.95
Z95 = 1.959963984540054  # two-sided 95% normal quantile (DeLong's interval for AUC)

COPY_AGREEMENT_MIN = 0.98  # share of test rows labelled alike from which a pair is worth a look
COPY_ACCURACY_CEILING = 0.97  # at or above this, two honest models agree because both are right

SHOWN = 3  # offending ids or lines a message names before "and N more"
SHOWN_CHARS = 40  # a value quoted in a message is cut to this many characters

METRIC_ITEMS = ("accuracy", "precision", "sensitivity", "f1")
RESOURCE_ITEMS = ("latency_p95_ms", "peak_memory_mb", "parameters")
MODEL_ITEMS = ("framework", "framework_version", "opset")
TEXT_ITEMS = ("data_split", "optimisation_metrics")
CONTRACT_ITEMS = METRIC_ITEMS + RESOURCE_ITEMS + MODEL_ITEMS + TEXT_ITEMS

METRIC_ROUNDING = 0.005  # a claimed metric rounded to two decimals still counts as inside the interval
RELATIVE_TOLERANCE = {
    # Latency and memory are claimed on the candidate's machine and measured on ours (one thread, the
    # whole runner process's peak RSS), so only a large gap means anything. Parameter counts differ by
    # counting convention (biases, mirrored binary rows), not by machine.
    "latency_p95_ms": 0.5,
    "peak_memory_mb": 0.5,
    "parameters": 0.05,
}

# Which way is better, for every measurement a level mapping or a budget may name.
DIRECTIONS: dict[str, str] = {
    "accuracy": "higher",
    "precision": "higher",
    "sensitivity": "higher",
    "specificity": "higher",
    "f1": "higher",
    "roc_auc": "higher",
    "mae": "lower",
    "rmse": "lower",
    "r2": "higher",
    "latency_p50_ms": "lower",
    "latency_p95_ms": "lower",
    "throughput_rows_per_s": "higher",
    "peak_memory_mb": "lower",
    "parameters": "lower",
    "contract_completeness": "higher",
    "contract_honesty": "higher",
    "contract_completeness_honesty": "higher",
}

# Converters record their own name as the ONNX producer, not the framework's: skl2onnx writes
# scikit-learn models (and LightGBM / XGBoost pipelines registered with it), onnxmltools the gradient
# boosting libraries, tf2onnx TensorFlow and Keras. PyTorch's exporter writes "pytorch" itself.
PRODUCER_FRAMEWORKS: dict[str, frozenset[str]] = {
    "skl2onnx": frozenset({"scikitlearn", "lightgbm", "xgboost", "catboost"}),
    "onnxmltools": frozenset(
        {"lightgbm", "xgboost", "catboost", "scikitlearn", "sparkml", "coreml", "keras"}
    ),
    "tf2onnx": frozenset({"tensorflow", "keras", "tflite", "jax"}),
    "pytorch": frozenset({"pytorch"}),
    "keras2onnx": frozenset({"keras", "tensorflow"}),
    "paddle2onnx": frozenset({"paddlepaddle"}),
}
FRAMEWORK_ALIASES = {
    "sklearn": "scikitlearn",
    "scikit": "scikitlearn",
    "torch": "pytorch",
    "tf": "tensorflow",
    "tfkeras": "keras",
    "lgbm": "lightgbm",
    "xgb": "xgboost",
    "paddle": "paddlepaddle",
}
DEFAULT_DOMAINS = ("", "ai.onnx")


# --- Rejections ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One fault in an upload: ``code`` for machines, ``message`` for the candidate."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class UploadRejected(Exception):
    """An uploaded file (predictions or model) was refused; ``problems`` says every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]

    def as_dict(self) -> list[dict[str, str]]:
        return [problem.as_dict() for problem in self.problems]


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def few(items: Sequence[object], *, quote: bool = False) -> str:
    """'17, 42 and 3 more' style: the first SHOWN items of ``items`` and how many others."""
    shown = [repr(_shown(item)) if quote else _shown(item) for item in items[:SHOWN]]
    rest = len(items) - len(shown)
    if rest > 0:
        return f"{', '.join(shown)} and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _plural(items: Sequence[object], one: str, many: str) -> str:
    return one if len(items) == 1 else many


# --- Parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPredictions:
    """A valid predictions file, put in the order of ``expected_ids`` (so it lines up with the
    hidden labels): ``labels`` are strings (floats for regression), ``scores`` floats or None."""

    row_ids: tuple[str, ...]
    labels: np.ndarray
    scores: np.ndarray | None

    def __len__(self) -> int:
        return len(self.row_ids)


def predictions_parse(
    data: bytes,
    *,
    expected_ids: Sequence[str],
    classes: Sequence[str],
    needs_score: bool,
    max_bytes: int,
    task_type: str = TaskType.BINARY,
) -> ParsedPredictions:
    """Validate an uploaded predictions CSV and return it aligned to ``expected_ids``.

    Raises ``UploadRejected`` listing every problem found, with codes: too_large, not_csv (not UTF-8,
    NUL bytes, empty, broken quoting), wrong_columns (header, or a row's field count), missing_id,
    duplicate_id, unknown_id, unknown_label (not one of ``classes``), not_a_number (regression label),
    nan_score, score_out_of_range, score_required (``needs_score`` and no score column). A file too
    large, not text, or with a wrong header is refused on that alone (nothing further is readable).
    Scores are only for binary tasks; ``classes`` is unused for regression.
    """
    task_type = TaskType(task_type)
    if needs_score and task_type is not TaskType.BINARY:
        raise ValueError("scores are graded for binary tasks only")
    if len(data) > max_bytes:
        raise UploadRejected(
            [Problem("too_large", f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")]
        )
    if b"\x00" in data:
        raise UploadRejected(
            [Problem("not_csv", "The file contains NUL bytes; it must be a plain-text CSV.")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UploadRejected(
            [Problem("not_csv", f"The file is not UTF-8 text (line {line}, byte {error.start}).")]
        ) from None
    if not text.strip():
        raise UploadRejected([Problem("not_csv", "The file is empty.")])

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if row:  # blank lines carry nothing
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as error:
        raise UploadRejected(
            [Problem("not_csv", f"Line {reader.line_num + 1} is not valid CSV ({error}).")]
        ) from None

    header = [name.strip().lower() for name in rows[0]]
    allowed = (["row_id", "label", "score"], ["row_id", "label"])
    if header not in allowed:
        wanted = "row_id,label,score" if needs_score else "row_id,label (or row_id,label,score)"
        found = ",".join(_shown(name) for name in rows[0][:5])
        raise UploadRejected(
            [Problem("wrong_columns", f"The first line must be the header {wanted}; it is {found}.")]
        )
    width = len(header)
    has_score = width == 3
    body, body_lines = rows[1:], lines[1:]
    problems: list[Problem] = []

    if needs_score and not has_score:
        problems.append(
            Problem(
                "score_required",
                "This exercise needs a score column: add 'score', the probability of the positive class.",
            )
        )
    ragged = [line for row, line in zip(body, body_lines, strict=True) if len(row) != width]
    if ragged:
        problems.append(
            Problem(
                "wrong_columns",
                f"{_plural(ragged, 'Line', 'Lines')} {few(ragged)} {_plural(ragged, 'does', 'do')} not have "
                f"{width} fields.",
            )
        )
        keep = [len(row) == width for row in body]
        body = [row for row, ok in zip(body, keep, strict=True) if ok]
        body_lines = [line for line, ok in zip(body_lines, keep, strict=True) if ok]

    ids = [row[0].strip() for row in body]
    labels = [row[1].strip() for row in body]
    problems += _id_problems(ids, expected_ids)
    if task_type is TaskType.REGRESSION:
        values, bad = _floats(labels)
        if bad:
            problems.append(
                Problem(
                    "not_a_number",
                    f"The label must be a finite number; it is not on {_plural(bad, 'line', 'lines')} "
                    f"{few([body_lines[i] for i in bad])}.",
                )
            )
        label_array: np.ndarray = values
    else:
        known = set(classes)
        if not set(labels) <= known:
            unknown_at = [i for i, label in enumerate(labels) if label not in known]
            distinct = list(dict.fromkeys(labels[i] for i in unknown_at))
            problems.append(
                Problem(
                    "unknown_label",
                    f"{_plural(distinct, 'Label', 'Labels')} {few(distinct, quote=True)} on "
                    f"{_plural(unknown_at, 'line', 'lines')} {few([body_lines[i] for i in unknown_at])}: "
                    f"labels must be one of {', '.join(repr(_shown(c)) for c in classes)}.",
                )
            )
        label_array = np.asarray(labels, dtype=str)

    score_array = None
    if has_score:
        score_array, bad = _floats([row[2] for row in body])
        if bad:
            problems.append(
                Problem(
                    "nan_score",
                    f"The score must be a finite number; it is not on {_plural(bad, 'line', 'lines')} "
                    f"{few([body_lines[i] for i in bad])}.",
                )
            )
        outside = np.flatnonzero(np.isfinite(score_array) & ((score_array < 0) | (score_array > 1)))
        if outside.size:
            problems.append(
                Problem(
                    "score_out_of_range",
                    f"The score is a probability between 0 and 1; it is outside that on "
                    f"{_plural(outside, 'line', 'lines')} {few([body_lines[i] for i in outside])}.",
                )
            )
    if problems:
        raise UploadRejected(problems)

    position = {row_id: i for i, row_id in enumerate(ids)}
    order = np.fromiter(
        (position[row_id] for row_id in expected_ids), dtype=np.int64, count=len(expected_ids)
    )
    return ParsedPredictions(
        row_ids=tuple(expected_ids),
        labels=label_array[order],
        scores=None if score_array is None else score_array[order],
    )


def _id_problems(ids: list[str], expected_ids: Sequence[str]) -> list[Problem]:
    problems = []
    if len(set(ids)) != len(ids):
        duplicated = [row_id for row_id, count in Counter(ids).items() if count > 1]
        problems.append(
            Problem(
                "duplicate_id",
                f"Row {_plural(duplicated, 'id', 'ids')} {few(duplicated)} "
                f"{_plural(duplicated, 'appears', 'appear')} more than once; give each row one prediction.",
            )
        )
    expected = set(expected_ids)
    seen = set(ids)
    if not seen <= expected:
        unknown = list(dict.fromkeys(row_id for row_id in ids if row_id not in expected))
        problems.append(
            Problem(
                "unknown_id",
                f"Row {_plural(unknown, 'id', 'ids')} {few(unknown)} {_plural(unknown, 'is', 'are')} not in "
                "the test set.",
            )
        )
    if not expected <= seen:
        missing = [row_id for row_id in expected_ids if row_id not in seen]
        problems.append(
            Problem(
                "missing_id",
                f"Row {_plural(missing, 'id', 'ids')} {few(missing)} "
                f"{_plural(missing, 'is', 'are')} missing.",
            )
        )
    return problems


def _floats(texts: list[str]) -> tuple[np.ndarray, list[int]]:
    """Parse ``texts`` as floats; returns the values (NaN where unparseable) and the bad positions."""
    try:
        values = np.asarray(texts, dtype=np.float64)
    except ValueError:
        values = np.empty(len(texts))
        for i, text in enumerate(texts):
            try:
                values[i] = float(text)
            except ValueError:
                values[i] = np.nan
    bad = np.flatnonzero(~np.isfinite(values)).tolist()
    return values, bad


# --- Metrics -------------------------------------------------------------------------------------


def _interval(value: float, resampled: np.ndarray | None = None, *, lower=None, upper=None) -> dict:
    if resampled is not None:
        lower, upper = np.quantile(resampled, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return {"value": float(value), "lower": float(lower), "upper": float(upper)}


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    numerator, denominator = (
        np.asarray(numerator, dtype=np.float64),
        np.asarray(denominator, dtype=np.float64),
    )
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def _binary_from_cells(cells: np.ndarray) -> dict[str, np.ndarray]:
    """The confusion-count metrics for cells[..., (tp, fn, fp, tn)], vectorised over leading axes."""
    tp, fn, fp, tn = (cells[..., i] for i in range(4))
    n = cells.sum(axis=-1)
    return {
        "accuracy": _ratio(tp + tn, n),
        "precision": _ratio(tp, tp + fp),
        "sensitivity": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def classification_metrics(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    positive: Any,
    y_score: Sequence[float] | None = None,
    negative: Any = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Binary metrics of ``y_pred`` against ``y_true``, each ``{"value", "lower", "upper"}``.

    Labels equal to ``positive`` are positive, every other label negative; ``negative`` names the
    negative class in the confusion matrix (inferred when the labels have exactly one other value).
    Returns accuracy, precision, sensitivity, specificity, f1, roc_auc (None without scores or with one
    class only), ``confusion`` {"labels": [positive, negative], "matrix": [[tp, fn], [fp, tn]]} (rows
    true, columns predicted), ``rows`` and ``interval`` (how the intervals were made). Formulas in the
    module docstring.
    """
    truth = np.asarray(y_true)
    predicted = np.asarray(y_pred)
    if truth.shape != predicted.shape or truth.ndim != 1 or truth.size == 0:
        raise ValueError("y_true and y_pred must be non-empty sequences of the same length")
    is_true = truth == positive
    is_predicted = predicted == positive
    if negative is None:
        others = (set(truth.tolist()) | set(predicted.tolist())) - {positive}
        negative = others.pop() if len(others) == 1 else f"not {positive}"

    matrix = skm.confusion_matrix(is_true, is_predicted, labels=[True, False])
    (tp, fn), (fp, tn) = matrix.tolist()
    point = {
        "accuracy": skm.accuracy_score(is_true, is_predicted),
        "precision": skm.precision_score(is_true, is_predicted, zero_division=0.0),
        "sensitivity": skm.recall_score(is_true, is_predicted, zero_division=0.0),
        "specificity": skm.recall_score(~is_true, ~is_predicted, zero_division=0.0),
        "f1": skm.f1_score(is_true, is_predicted, zero_division=0.0),
    }
    cells = np.array([tp, fn, fp, tn])
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=resamples)
    resampled = _binary_from_cells(draws)
    result: dict[str, Any] = {
        "task_type": TaskType.BINARY.value,
        "rows": int(truth.size),
        "positive": str(positive),
        **{name: _interval(point[name], resampled[name]) for name in point},
        "roc_auc": None,
        "confusion": {"labels": [str(positive), str(negative)], "matrix": [[tp, fn], [fp, tn]]},
        "interval": {
            "confidence": CONFIDENCE,
            "method": "percentile bootstrap over test rows (multinomial over the confusion cells)",
            "resamples": resamples,
            "seed": seed,
            "roc_auc_method": "DeLong variance, normal interval",
        },
    }
    if y_score is not None:
        scores = np.asarray(y_score, dtype=np.float64)
        if scores.shape != truth.shape:
            raise ValueError("y_score must have one score per row")
        if 0 < is_true.sum() < is_true.size:
            auc = skm.roc_auc_score(is_true, scores)
            half_width = Z95 * math.sqrt(delong_variance(scores[is_true], scores[~is_true]))
            result["roc_auc"] = _interval(
                auc, lower=max(0.0, auc - half_width), upper=min(1.0, auc + half_width)
            )
    return result


def delong_variance(positive_scores: np.ndarray, negative_scores: np.ndarray) -> float:
    """DeLong's variance of the AUC of positives vs negatives (formula in the module docstring)."""
    m, k = positive_scores.size, negative_scores.size
    combined = rankdata(np.concatenate([positive_scores, negative_scores]))
    v10 = (combined[:m] - rankdata(positive_scores)) / k
    v01 = 1.0 - (combined[m:] - rankdata(negative_scores)) / m
    s10 = v10.var(ddof=1) if m > 1 else 0.0
    s01 = v01.var(ddof=1) if k > 1 else 0.0
    return float(s10 / m + s01 / k)


def multiclass_metrics(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    classes: Sequence[Any],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Accuracy and macro-averaged precision, sensitivity, specificity and F1 over ``classes``, each
    ``{"value", "lower", "upper"}``, and the labelled k x k confusion matrix (rows true)."""
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    if truth.shape != predicted.shape or truth.ndim != 1 or truth.size == 0:
        raise ValueError("y_true and y_pred must be non-empty sequences of the same length")
    labels = list(classes)
    matrix = skm.confusion_matrix(truth, predicted, labels=labels)
    point = {
        "accuracy": skm.accuracy_score(truth, predicted),
        "precision": skm.precision_score(truth, predicted, labels=labels, average="macro", zero_division=0.0),
        "sensitivity": skm.recall_score(truth, predicted, labels=labels, average="macro", zero_division=0.0),
        "specificity": float(_macro_from_matrices(matrix[None])["specificity"][0]),
        "f1": skm.f1_score(truth, predicted, labels=labels, average="macro", zero_division=0.0),
    }
    k = len(labels)
    n = int(matrix.sum())
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, matrix.ravel() / n, size=resamples).reshape(resamples, k, k)
    resampled = _macro_from_matrices(draws)
    return {
        "task_type": TaskType.MULTICLASS.value,
        "rows": int(truth.size),
        **{name: _interval(point[name], resampled[name]) for name in point},
        "roc_auc": None,
        "confusion": {"labels": [str(label) for label in labels], "matrix": matrix.tolist()},
        "interval": {
            "confidence": CONFIDENCE,
            "method": "percentile bootstrap over test rows (multinomial over the confusion cells)",
            "resamples": resamples,
            "seed": seed,
        },
    }


def _macro_from_matrices(matrices: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy and macro metrics of confusion matrices[b, true, predicted]."""
    diagonal = np.diagonal(matrices, axis1=1, axis2=2).astype(np.float64)
    actual = matrices.sum(axis=2)
    called = matrices.sum(axis=1)
    n = matrices.sum(axis=(1, 2))[:, None]
    false_positive = called - diagonal
    true_negative = n - actual - false_positive
    return {
        "accuracy": _ratio(diagonal.sum(axis=1), n[:, 0]),
        "precision": _ratio(diagonal, called).mean(axis=1),
        "sensitivity": _ratio(diagonal, actual).mean(axis=1),
        "specificity": _ratio(true_negative, true_negative + false_positive).mean(axis=1),
        "f1": _ratio(2 * diagonal, actual + called).mean(axis=1),
    }


def regression_metrics(
    y_true: Sequence[float],
    y_pred: Sequence[float],
    *,
    resamples: int = REGRESSION_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """MAE, RMSE and R^2 (scikit-learn), each ``{"value", "lower", "upper"}`` from a row bootstrap."""
    truth = np.asarray(y_true, dtype=np.float64)
    predicted = np.asarray(y_pred, dtype=np.float64)
    if truth.shape != predicted.shape or truth.ndim != 1 or truth.size < 2:
        raise ValueError("y_true and y_pred must be sequences of the same length, at least 2")
    point = {
        "mae": skm.mean_absolute_error(truth, predicted),
        "rmse": skm.root_mean_squared_error(truth, predicted),
        "r2": skm.r2_score(truth, predicted),
    }
    rng = np.random.default_rng(seed)
    n = truth.size
    resampled = {name: np.empty(resamples) for name in point}
    chunk = max(1, 2_000_000 // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        index = rng.integers(0, n, size=(stop - start, n))
        t, p = truth[index], predicted[index]
        error = t - p
        resampled["mae"][start:stop] = np.abs(error).mean(axis=1)
        squared = (error**2).mean(axis=1)
        resampled["rmse"][start:stop] = np.sqrt(squared)
        spread = t.var(axis=1)
        resampled["r2"][start:stop] = np.where(spread > 0, 1 - squared / np.where(spread > 0, spread, 1), 0.0)
    return {
        "task_type": TaskType.REGRESSION.value,
        "rows": int(n),
        **{name: _interval(point[name], resampled[name]) for name in point},
        "interval": {
            "confidence": CONFIDENCE,
            "method": "percentile bootstrap over test rows",
            "resamples": resamples,
            "seed": seed,
        },
    }


def task_metrics(
    task_type: str,
    y_true: Sequence[Any],
    parsed: ParsedPredictions,
    *,
    positive: Any = None,
    classes: Sequence[Any] = (),
) -> dict[str, Any]:
    """The metrics of ``parsed`` predictions for a task of ``task_type`` (labels aligned already)."""
    task_type = TaskType(task_type)
    if task_type is TaskType.BINARY:
        others = [label for label in classes if label != positive]
        return classification_metrics(
            y_true,
            parsed.labels,
            positive=positive,
            y_score=parsed.scores,
            negative=others[0] if len(others) == 1 else None,
        )
    if task_type is TaskType.MULTICLASS:
        return multiclass_metrics(y_true, parsed.labels, classes=classes)
    return regression_metrics(y_true, parsed.labels)


# --- Copying -------------------------------------------------------------------------------------


def agreement(a_labels: Sequence[Any], b_labels: Sequence[Any]) -> float:
    """Share of rows on which two candidates' predicted labels are equal (compared as strings)."""
    a = np.asarray(a_labels).astype(str)
    b = np.asarray(b_labels).astype(str)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("both label sequences must be non-empty and of the same length")
    return float(np.mean(a == b))


def copy_suspected(
    a_labels: Sequence[Any], b_labels: Sequence[Any], *, a_accuracy: float, b_accuracy: float
) -> bool:
    """True when two candidates' test predictions agree on at least COPY_AGREEMENT_MIN of rows while
    neither is near-perfect (both accuracies below COPY_ACCURACY_CEILING): near the ceiling honest
    models agree because both are right. A flag for a person to look at, never a verdict."""
    if a_accuracy >= COPY_ACCURACY_CEILING or b_accuracy >= COPY_ACCURACY_CEILING:
        return False
    return agreement(a_labels, b_labels) >= COPY_AGREEMENT_MIN


# --- The handover contract -----------------------------------------------------------------------


@dataclass(frozen=True)
class ContractItem:
    """One item of the handover contract.

    verdict: "within" (the claim agrees with the measurement), "over_claimed" (claims better than
    measured), "under_claimed" (claims worse), "mismatch" (framework, version or opset contradict the
    model's metadata), "present" (free text given), "missing" (nothing claimed), "not_measured"
    (claimed, but nothing to check it against). budget_verdict: "met", "missed", "not_measured", or
    None when the exercise sets no budget for the item.
    """

    key: str
    claimed: Any
    measured: Any
    verdict: str
    detail: str
    budget: float | None = None
    budget_verdict: str | None = None


@dataclass(frozen=True)
class ContractReport:
    items: tuple[ContractItem, ...]
    completeness: float
    honesty: float | None
    budgets_met: int = 0
    budgets_set: int = 0
    notes: tuple[str, ...] = field(default=())

    def item(self, key: str) -> ContractItem:
        return next(item for item in self.items if item.key == key)

    @property
    def completeness_honesty(self) -> float:
        """completeness x honesty (honesty counts 1 when no claim could be checked)."""
        return self.completeness * (1.0 if self.honesty is None else self.honesty)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [asdict(item) for item in self.items],
            "completeness": self.completeness,
            "honesty": self.honesty,
            "completeness_honesty": self.completeness_honesty,
            "budgets_met": self.budgets_met,
            "budgets_set": self.budgets_set,
        }


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = re.search(r"-?\d+(?:[.,]\d+)?(?:e-?\d+)?", value.replace("_", ""), re.IGNORECASE)
        if not match:
            return None
        number = float(match.group().replace(",", "."))
        if value.strip().endswith("%"):
            number /= 100
    else:
        return None
    return number if math.isfinite(number) else None


def contract_measured(
    *,
    metrics: Mapping[str, Any] | None = None,
    model: Mapping[str, Any] | None = None,
    run: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``measured`` mapping ``contract_check`` reads, from what grading produced: ``metrics``
    (``classification_metrics``' result), ``model`` (``ModelFacts.as_dict()``) and ``run`` (a
    ``RunOutcome.as_dict()`` with status "ok"). Missing sources leave their items unmeasured."""
    measured: dict[str, Any] = {}
    for key in METRIC_ITEMS:
        if metrics and metrics.get(key):
            measured[key] = metrics[key]
    if model:
        measured["parameters"] = model.get("parameters")
        measured["producer_name"] = model.get("producer_name")
        measured["producer_version"] = model.get("producer_version")
        measured["opset"] = model.get("opset")
    if run and run.get("status", "ok") == "ok":
        measured["latency_p95_ms"] = run.get("latency_p95_ms")
        # The model's own memory when the runner measured it; the whole process's peak otherwise.
        measured["peak_memory_mb"] = run.get("model_memory_mb", run.get("peak_rss_mb"))
    return {key: value for key, value in measured.items() if value is not None}


def contract_check(
    claimed: Mapping[str, Any], measured: Mapping[str, Any], budgets: Mapping[str, float]
) -> ContractReport:
    """Set each contract item the candidate claimed against what was measured, and against its budget.

    claimed: item -> what the candidate wrote (CONTRACT_ITEMS; absent, None or blank = missing).
      Metrics are fractions; a number above 1 (up to 100) or a string ending in "%" is a percentage.
    measured: "accuracy", "precision", "sensitivity", "f1" as {"value", "lower", "upper"} (on the
      hidden test set); "latency_p95_ms", "peak_memory_mb", "parameters" as numbers; "producer_name",
      "producer_version" strings and "opset" {domain: version} from the model (``contract_measured``
      builds this). An absent key is "not_measured".
    budgets: item -> limit: a minimum for metrics, a maximum for latency, memory and parameters, judged
      on the measured value (the point value for metrics).

    Verdicts (see ``ContractItem``): a metric is "within" when the claim lies in the measured 95%
    interval widened by METRIC_ROUNDING, "over_claimed" above it, "under_claimed" below it. Latency,
    memory and parameters are "within" when |claim - measured| <= RELATIVE_TOLERANCE[item] x measured;
    a lower claim is "over_claimed" (lower is better there). Framework: the claim, lower-cased with
    punctuation dropped and aliases applied (sklearn -> scikitlearn, torch -> pytorch), must equal the
    producer's name or be one of the frameworks that producer converts (PRODUCER_FRAMEWORKS: skl2onnx
    writes scikit-learn models). Framework version: "within" when a version in the claim matches the
    producer's version on every component it gives ("1.20" matches "1.20.0"); when the producer is a
    converter and no version in the claim is the converter's, the framework's own version is not in
    the file, so "not_measured". Opset: the claim's first integer against the default-domain opset.
    """
    items = []
    for key in CONTRACT_ITEMS:
        claim = claimed.get(key)
        if key in METRIC_ITEMS:
            verdict, detail, claim_value = _metric_verdict(key, claim, measured.get(key))
        elif key in RESOURCE_ITEMS:
            verdict, detail, claim_value = _resource_verdict(key, claim, measured.get(key))
        elif key == "framework":
            verdict, detail = _framework_verdict(claim, measured.get("producer_name"))
            claim_value = claim
        elif key == "framework_version":
            verdict, detail = _version_verdict(
                claim, measured.get("producer_name"), measured.get("producer_version")
            )
            claim_value = claim
        elif key == "opset":
            verdict, detail = _opset_verdict(claim, measured.get("opset"))
            claim_value = claim
        else:
            verdict = "missing" if _absent(claim) else "present"
            detail = "Not stated." if verdict == "missing" else "Stated."
            claim_value = claim
        budget = budgets.get(key)
        budget_verdict = None
        measured_value = measured.get(key)
        if key == "framework":
            measured_value = measured.get("producer_name")
        elif key == "framework_version":
            measured_value = measured.get("producer_version")
        if budget is not None:
            budget_verdict = _budget_verdict(key, measured_value, float(budget))
        items.append(
            ContractItem(
                key=key,
                claimed=claim_value,
                measured=measured_value,
                verdict=verdict,
                detail=detail,
                budget=None if budget is None else float(budget),
                budget_verdict=budget_verdict,
            )
        )
    claimed_count = sum(item.verdict != "missing" for item in items)
    checked = [
        item for item in items if item.verdict in ("within", "over_claimed", "under_claimed", "mismatch")
    ]
    honest = [item for item in checked if item.verdict in ("within", "under_claimed")]
    with_budget = [item for item in items if item.budget_verdict is not None]
    return ContractReport(
        items=tuple(items),
        completeness=claimed_count / len(CONTRACT_ITEMS),
        honesty=len(honest) / len(checked) if checked else None,
        budgets_met=sum(item.budget_verdict == "met" for item in with_budget),
        budgets_set=len(with_budget),
    )


def _metric_verdict(key: str, claim: Any, measured: Mapping[str, float] | None) -> tuple[str, str, Any]:
    if _absent(claim):
        return "missing", "Not stated.", None
    value = _number(claim)
    if value is None:
        return "not_measured", f"The claim {_shown(claim)!r} is not a number.", claim
    if 1 < value <= 100:
        value /= 100  # a percentage
    if not measured:
        return "not_measured", "No predictions were graded, so the claim could not be checked.", value
    lower, upper = measured["lower"], measured["upper"]
    span = f"the hidden test set gives {measured['value']:.3f} (95% interval {lower:.3f}-{upper:.3f})"
    if value > upper + METRIC_ROUNDING:
        return "over_claimed", f"Claimed {value:.3f}; {span}.", value
    if value < lower - METRIC_ROUNDING:
        return "under_claimed", f"Claimed {value:.3f}; {span}.", value
    return "within", f"Claimed {value:.3f}; {span}.", value


def _resource_verdict(key: str, claim: Any, measured: Any) -> tuple[str, str, Any]:
    if _absent(claim):
        return "missing", "Not stated.", None
    value = _number(claim)
    if value is None:
        return "not_measured", f"The claim {_shown(claim)!r} is not a number.", claim
    if measured is None:
        return "not_measured", "No model was run, so the claim could not be checked.", value
    measured = float(measured)
    tolerance = RELATIVE_TOLERANCE[key]
    text = f"Claimed {value:g}; measured {measured:g} (tolerance {tolerance:.0%})."
    if abs(value - measured) <= tolerance * measured:
        return "within", text, value
    return ("over_claimed" if value < measured else "under_claimed"), text, value


def framework_key(name: str) -> str:
    """A framework or producer name reduced for matching: lower case, letters and digits only, aliases
    applied ("Scikit-Learn" -> "scikitlearn", "torch" -> "pytorch")."""
    reduced = re.sub(r"[^a-z0-9]", "", name.lower())
    return FRAMEWORK_ALIASES.get(reduced, reduced)


def _framework_verdict(claim: Any, producer: str | None) -> tuple[str, str]:
    if _absent(claim):
        return "missing", "Not stated."
    if not producer:
        return "not_measured", "No model metadata to check the framework against."
    words = [framework_key(word) for word in re.split(r"[\s,;/+()]+", str(claim)) if word.strip()]
    words.append(framework_key(str(claim)))
    producer_key = framework_key(producer)
    frameworks = PRODUCER_FRAMEWORKS.get(producer_key, frozenset()) | {producer_key}
    if any(word in frameworks for word in words if word):
        return "within", f"The model was written by {_shown(producer)}, consistent with {_shown(claim)!r}."
    return "mismatch", f"The model was written by {_shown(producer)}, not by {_shown(claim)!r}."


def _version_tuple(text: str) -> tuple[str, ...]:
    return tuple(text.split("."))


def _version_verdict(claim: Any, producer: str | None, producer_version: str | None) -> tuple[str, str]:
    if _absent(claim):
        return "missing", "Not stated."
    if not producer_version:
        return "not_measured", "The model does not record a producer version."
    versions = re.findall(r"\d+(?:\.\d+)+|\d+", str(claim))
    actual = _version_tuple(producer_version.strip())
    for version in versions:
        parts = _version_tuple(version)
        if actual[: len(parts)] == parts:
            return "within", f"The model records {_shown(producer)} {_shown(producer_version)}."
    if producer and framework_key(producer) in PRODUCER_FRAMEWORKS and framework_key(producer) != "pytorch":
        return (
            "not_measured",
            f"The model records the converter's version ({_shown(producer)} {_shown(producer_version)}), "
            "not the framework's, so the claimed version cannot be checked.",
        )
    return (
        "mismatch",
        f"The model records {_shown(producer)} {_shown(producer_version)}, not {_shown(claim)!r}.",
    )


def _opset_verdict(claim: Any, opset: Mapping[str, int] | None) -> tuple[str, str]:
    if _absent(claim):
        return "missing", "Not stated."
    if not opset:
        return "not_measured", "No model metadata to check the opset against."
    default = next((int(opset[domain]) for domain in DEFAULT_DOMAINS if domain in opset), None)
    claimed_numbers = re.findall(r"\d+", str(claim))
    if default is None or not claimed_numbers:
        return "not_measured", "The opset could not be compared."
    if int(claimed_numbers[0]) == default:
        return "within", f"The model imports opset {default}."
    return "mismatch", f"The model imports opset {default}, not {int(claimed_numbers[0])}."


def _budget_verdict(key: str, measured: Any, budget: float) -> str:
    if measured is None:
        return "not_measured"
    if isinstance(measured, Mapping):
        measured = measured.get("value")
    value = _number(measured)
    if value is None:
        return "not_measured"
    if DIRECTIONS.get(key, "higher") == "lower":
        return "met" if value <= budget else "missed"
    return "met" if value >= budget else "missed"


# --- Levels --------------------------------------------------------------------------------------


def grade_measurements(
    *,
    metrics: Mapping[str, Any] | None = None,
    model: Mapping[str, Any] | None = None,
    run: Mapping[str, Any] | None = None,
    contract: ContractReport | None = None,
) -> dict[str, float]:
    """One flat {measurement: number} of everything graded (the names of DIRECTIONS), for
    ``levels_from_grade``: metric point values, the run's latency, throughput and peak memory, the
    model's parameters, and the contract's completeness and honesty. What was not measured is absent."""
    flat: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        if key in DIRECTIONS and isinstance(value, Mapping) and value.get("value") is not None:
            flat[key] = float(value["value"])
    if model and model.get("parameters") is not None:
        flat["parameters"] = float(model["parameters"])
    if run and run.get("status", "ok") == "ok":
        for key, source in (
            ("latency_p50_ms", "latency_p50_ms"),
            ("latency_p95_ms", "latency_p95_ms"),
            ("throughput_rows_per_s", "throughput_rows_per_s"),
            (
                "peak_memory_mb",
                "model_memory_mb" if run.get("model_memory_mb") is not None else "peak_rss_mb",
            ),
        ):
            if run.get(source) is not None:
                flat[key] = float(run[source])
    if contract is not None:
        flat["contract_completeness"] = contract.completeness
        if contract.honesty is not None:
            flat["contract_honesty"] = contract.honesty
        flat["contract_completeness_honesty"] = contract.completeness_honesty
    return flat


def mapping_validate(mapping: Any) -> list[str]:
    """Problems with a level mapping, as sentences for an admin form (empty when it is valid).

    A mapping is {area_key: {"item": measurement, "thresholds": [t2, t3, t4, t5], "direction":
    "higher" | "lower"}}: the level is 1 plus the number of thresholds reached. The item must be one
    of DIRECTIONS; thresholds four finite numbers, strictly ascending when higher is better, strictly
    descending when lower is better. For a lower-is-better item (latency, memory, parameters, errors)
    "direction": "lower" must be stated, so nobody reads its thresholds the wrong way round; stating
    "higher" there, or "lower" for a higher-is-better item, is an error.
    """
    if not isinstance(mapping, Mapping) or not mapping:
        return ["The mapping must be an object with at least one skill area."]
    problems = []
    for area, rule in mapping.items():
        if not isinstance(area, str) or not area:
            problems.append(f"{_shown(area)!r}: skill area keys must be non-empty strings.")
            continue
        if not isinstance(rule, Mapping):
            problems.append(f"{area}: must be an object with item and thresholds.")
            continue
        unknown = set(rule) - {"item", "thresholds", "direction"}
        if unknown:
            problems.append(f"{area}: unknown keys {few(sorted(map(str, unknown)), quote=True)}.")
        item = rule.get("item")
        if item not in DIRECTIONS:
            problems.append(
                f"{area}: item {_shown(item)!r} is not a measurement; use one of {', '.join(DIRECTIONS)}."
            )
            continue
        natural = DIRECTIONS[item]
        direction = rule.get("direction", "higher")
        if direction not in ("higher", "lower"):
            problems.append(f"{area}: direction must be 'higher' or 'lower'.")
            continue
        if natural == "lower" and "direction" not in rule:
            problems.append(f'{area}: lower is better for {item}; state "direction": "lower".')
            continue
        if direction != natural:
            problems.append(f"{area}: {natural} is better for {item}, not {direction}.")
            continue
        thresholds = rule.get("thresholds")
        if (
            not isinstance(thresholds, list | tuple)
            or len(thresholds) != 4
            or not all(
                isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t)
                for t in thresholds
            )
        ):
            problems.append(f"{area}: thresholds must be four numbers, for levels 2, 3, 4 and 5.")
            continue
        pairs = list(itertools.pairwise(thresholds))
        if direction == "higher" and not all(a < b for a, b in pairs):
            problems.append(f"{area}: thresholds must rise from level 2 to level 5 (higher is better).")
        if direction == "lower" and not all(a > b for a, b in pairs):
            problems.append(f"{area}: thresholds must fall from level 2 to level 5 (lower is better).")
    return problems


LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
    "latency_p50_ms": "Median latency (ms)",
    "latency_p95_ms": "95th-percentile latency (ms)",
    "throughput_rows_per_s": "Throughput (rows/s)",
    "peak_memory_mb": "Peak memory (MB)",
    "parameters": "Parameters",
    "contract_completeness": "Contract completeness",
    "contract_honesty": "Contract honesty",
    "contract_completeness_honesty": "Contract completeness x honesty",
}


def levels_from_grade(
    measurements: Mapping[str, float], mapping: Mapping[str, Any]
) -> dict[str, tuple[int, str]]:
    """{area_key: (level 1-5, reason)} for each area of ``mapping`` whose item was measured.

    Higher is better: level = 1 + #{t in thresholds : value >= t}. Lower is better: level = 1 +
    #{t : value <= t}. An item not in ``measurements`` (or NaN) gives no level for its area: absent
    evidence is not a level 1. Raises ValueError when ``mapping_validate`` finds problems.
    """
    problems = mapping_validate(mapping)
    if problems:
        raise ValueError("; ".join(problems))
    levels = {}
    for area, rule in mapping.items():
        item = rule["item"]
        value = measurements.get(item)
        if value is None or not math.isfinite(float(value)):
            continue
        value = float(value)
        thresholds = [float(t) for t in rule["thresholds"]]
        lower = rule.get("direction", "higher") == "lower"
        reached = sum((value <= t) if lower else (value >= t) for t in thresholds)
        level = 1 + reached
        sign = "≤" if lower else "≥"
        reason = f"{LABELS[item]} {value:.4g} gives level {level}"
        if level > 1:
            reason += f" ({sign} {thresholds[level - 2]:g})"
        if level < 5:
            reason += f"; level {level + 1} needs {sign} {thresholds[level - 1]:g}"
        levels[area] = (level, reason + ".")
    return levels
