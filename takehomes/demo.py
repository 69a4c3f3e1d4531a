"""The built-in exercises: one per role, from scikit-learn's breast-cancer data (no download).

``load_breast_cancer`` ships inside scikit-learn: 569 tumours, 30 numeric features, each
benign or malignant. A fixed seed splits it (stratified, 70/30) into the training file
(features and label) and the test set, whose features go to the candidate with a row id
and whose labels stay on the server. Each role's exercise asks for what its role hands
over: the Data Scientist predictions with scores; the ML Engineer and the full-stack Data
Scientist also an ONNX model within latency, memory and size budgets.
"""

from __future__ import annotations

import csv
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assessments.models import Role
from takehomes.models import Exercise

SEED = 2026
TEST_SHARE = 0.3
CLASSES = ["malignant", "benign"]  # scikit-learn's target 0 and 1
POSITIVE = "malignant"

_BRIEF = """\
A clinic wants to flag tumour biopsies that are likely **malignant**, so that a specialist
looks at them first. Each row describes one biopsy: 30 measurements of the cell nuclei
(radius, texture, smoothness and so on, as mean, error and worst value).

## What you get
- `train.csv`: the measurements and the `label` (`malignant` or `benign`), to train and validate on.
- `test_features.csv`: the measurements of other biopsies, each with a `row_id`. Their labels stay with us.

## What you hand in
{handover}

Then fill in the **handover contract**: the figures you measured on your own validation
split, how you split the data and which metrics you optimised for. We measure the same
things on the test set and compare them with what you claim, so say what you found,
not what you hope.

## The budgets
{budgets}
"""

_PREDICTIONS = (
    "- `predictions.csv` with the columns `row_id,label,score`: one row per test row, the label you "
    "predict and the probability that it is malignant."
)
_MODEL = (
    "- Your model exported to **ONNX** (for example with `skl2onnx`), taking the 30 features as one "
    "float tensor and giving the label and the probabilities."
)

SPECS = {
    "data_scientist": {
        "key": "tumour-triage-analysis",
        "title": "Tumour triage: a model and its evidence",
        "requires_model": False,
        "handover": _PREDICTIONS,
        "budgets": {"f1": 0.9},
        "budgets_text": "- F1 for the malignant class of at least 0.90 on the test set.",
        "mapping": {
            "ml_modelling": {"item": "f1", "thresholds": [0.8, 0.88, 0.93, 0.97]},
            "handover_contract": {
                "item": "contract_completeness_honesty",
                "thresholds": [0.25, 0.5, 0.75, 0.9],
            },
        },
        "time_limit_hours": 72,
    },
    "ml_engineer": {
        "key": "tumour-triage-service",
        "title": "Tumour triage: a model fit to serve",
        "requires_model": True,
        "handover": f"{_PREDICTIONS}\n{_MODEL}",
        "budgets": {"f1": 0.9, "latency_p95_ms": 5, "peak_memory_mb": 200, "parameters": 1_000_000},
        "budgets_text": (
            "- F1 for the malignant class of at least 0.90.\n"
            "- Single-row latency (p95, one CPU thread) of at most 5 ms.\n"
            "- Peak memory of at most 200 MB while serving.\n"
            "- At most 1,000,000 parameters."
        ),
        "mapping": {
            "ml_modelling": {"item": "f1", "thresholds": [0.8, 0.88, 0.93, 0.97]},
            "production_deployment": {
                "item": "latency_p95_ms",
                "direction": "lower",
                "thresholds": [50, 20, 5, 1],
            },
            "handover_contract": {
                "item": "contract_completeness_honesty",
                "thresholds": [0.25, 0.5, 0.75, 0.9],
            },
        },
        "time_limit_hours": 72,
    },
    "full_stack_data_scientist": {
        "key": "tumour-triage-product",
        "title": "Tumour triage: from data to a served model",
        "requires_model": True,
        "handover": f"{_PREDICTIONS}\n{_MODEL}",
        "budgets": {"f1": 0.9, "latency_p95_ms": 10, "peak_memory_mb": 300},
        "budgets_text": (
            "- F1 for the malignant class of at least 0.90.\n"
            "- Single-row latency (p95, one CPU thread) of at most 10 ms.\n"
            "- Peak memory of at most 300 MB while serving."
        ),
        "mapping": {
            "ml_modelling": {"item": "f1", "thresholds": [0.8, 0.88, 0.93, 0.97]},
            "production_deployment": {
                "item": "latency_p95_ms",
                "direction": "lower",
                "thresholds": [50, 20, 10, 2],
            },
            "handover_contract": {
                "item": "contract_completeness_honesty",
                "thresholds": [0.25, 0.5, 0.75, 0.9],
            },
        },
        "time_limit_hours": 96,
    },
}


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def demo_package() -> dict[str, bytes]:
    """The three files, identical on every machine: train.csv, test_features.csv, test_labels.csv."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    names = [name.replace(" ", "_") for name in data.feature_names]
    indices = list(range(len(data.target)))
    train, test = train_test_split(indices, test_size=TEST_SHARE, random_state=SEED, stratify=data.target)

    def values(i):
        return [f"{value:.6g}" for value in data.data[i]]

    def label(i):
        return CLASSES[int(data.target[i])]

    return {
        "train.csv": _csv([*names, "label"], ([*values(i), label(i)] for i in train)),
        "test_features.csv": _csv(["row_id", *names], ([f"r{i:04d}", *values(i)] for i in test)),
        "test_labels.csv": _csv(["row_id", "label"], ([f"r{i:04d}", label(i)] for i in test)),
    }


def demo_exercises_ensure() -> dict[str, Exercise]:
    """Create (once) and publish the built-in exercise for each role; existing ones stay as they are."""
    package = None
    exercises = {}
    roles = {role.key: role for role in Role.objects.filter(key__in=SPECS)}
    with transaction.atomic():
        for role_key, spec in SPECS.items():
            if role_key not in roles:
                continue
            existing = Exercise.objects.filter(key=spec["key"]).order_by("-version").first()
            if existing is not None:
                exercises[role_key] = existing
                continue
            package = package or demo_package()
            exercise = Exercise(
                key=spec["key"],
                role=roles[role_key],
                title=spec["title"],
                brief=_BRIEF.format(handover=spec["handover"], budgets=spec["budgets_text"]),
                classes=CLASSES,
                positive_class=POSITIVE,
                primary_metric=Exercise.Metric.F1,
                needs_score=True,
                requires_model=spec["requires_model"],
                budgets=spec["budgets"],
                area_mapping=spec["mapping"],
                time_limit_hours=spec["time_limit_hours"],
                published_at=timezone.now(),
            )
            exercise.train_file.save("train.csv", ContentFile(package["train.csv"]), save=False)
            exercise.test_features_file.save(
                "test_features.csv", ContentFile(package["test_features.csv"]), save=False
            )
            exercise.test_labels_file.save(
                "test_labels.csv", ContentFile(package["test_labels.csv"]), save=False
            )
            exercise.full_clean()
            exercise.save()
            exercises[role_key] = exercise
    return exercises


# The demo's candidates at every stage of a take-home ---------------------------------------

# For each opening, one application at each stage, in this order (by application id).
STAGES = ("sent", "opened", "submitted", "graded", "graded_overclaimed", "expired")


def demo_work(exercise: Exercise, *, flip: int = 0, seed: int = SEED) -> tuple[bytes, bytes | None]:
    """A candidate's work, made for real: a logistic regression on the training file, its
    predictions for the test rows (``flip`` of them turned wrong), and its ONNX export when
    the exercise asks for a model."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def rows(field):
        field.open("rb")
        try:
            return list(csv.reader(io.StringIO(field.read().decode())))[1:]
        finally:
            field.close()

    train, test = rows(exercise.train_file), rows(exercise.test_features_file)
    x = np.array([[float(v) for v in row[:-1]] for row in train], dtype=np.float32)
    y = np.array([row[-1] for row in train])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed)).fit(x, y)
    features = np.array([[float(v) for v in row[1:]] for row in test], dtype=np.float32)
    labels = [str(label) for label in model.predict(features)]
    scores = model.predict_proba(features)[:, list(model.classes_).index(exercise.positive_class)]
    other = next(c for c in exercise.classes if c != exercise.positive_class)
    for index in range(flip):
        labels[index] = other if labels[index] == exercise.positive_class else exercise.positive_class
    predictions = _csv(
        ["row_id", "label", "score"],
        ([row[0], label, f"{score:.6f}"] for row, label, score in zip(test, labels, scores, strict=True)),
    )
    onnx_model = None
    if exercise.requires_model:
        from skl2onnx import to_onnx

        onnx_model = to_onnx(model, features[:1], options={"zipmap": False}).SerializeToString()
    return predictions, onnx_model


def _contract(exercise: Exercise, *, overclaim: bool) -> dict:
    import skl2onnx
    import sklearn

    contract = {
        "accuracy": 0.99 if overclaim else 0.96,
        "precision": 0.99 if overclaim else 0.95,
        "sensitivity": 0.98 if overclaim else 0.93,
        "f1": 0.99 if overclaim else 0.94,
        "framework": "scikit-learn",
        "framework_version": f"scikit-learn {sklearn.__version__}, skl2onnx {skl2onnx.__version__}",
        "data_split": "Stratified 80/20 split of train.csv, fixed seed; 5-fold cross-validation on the 80%.",
        "optimisation_metrics": "F1 for the malignant class",
    }
    if exercise.requires_model and not overclaim:
        contract.update({"latency_p95_ms": 0.2, "peak_memory_mb": 90, "parameters": 91, "opset": 17})
    return contract


def demo_take_homes_create(*, applications_by_role: dict[str, list]) -> int:
    """Take-homes for the demo's applications, one at each of STAGES per role; returns how many.

    Written through the services (open, upload, submit, and grading once committed) except
    the two states time makes: "submitted" (graded later, so left pending here) and "expired".
    No e-mail is sent: the demo's links are made here, not mailed.
    """
    from datetime import timedelta

    from takehomes.grading import take_home_grade
    from takehomes.models import GradingReport, Submission, TakeHome, token_new
    from takehomes.services import submission_finalise, submission_upload, take_home_open

    class _Upload(io.BytesIO):
        def __init__(self, data: bytes):
            super().__init__(data)
            self.size = len(data)

    exercises = demo_exercises_ensure()
    created = 0
    now = timezone.now()
    for role_key, applications in applications_by_role.items():
        exercise = exercises.get(role_key)
        if exercise is None:
            continue
        for stage, application in zip(STAGES, applications, strict=False):
            token, hashed = token_new()
            take_home = TakeHome.objects.create(
                application=application,
                exercise=exercise,
                token_hash=hashed,
                source=application.source,
                sent_at=now - timedelta(days=20 if stage == "expired" else 2),
                expires_at=now - timedelta(days=6) if stage == "expired" else TakeHome.expiry_for(exercise),
                status=TakeHome.Status.EXPIRED if stage == "expired" else TakeHome.Status.SENT,
            )
            created += 1
            if stage in ("sent", "expired"):
                continue
            take_home = take_home_open(token=token)
            predictions, model = demo_work(exercise, flip=0 if stage == "graded" else 6)
            submission_upload(
                take_home=take_home,
                predictions=_Upload(predictions),
                model=_Upload(model) if model else None,
                contract=_contract(exercise, overclaim=stage == "graded_overclaimed"),
            )
            if stage == "opened":
                continue
            if stage == "submitted":
                # Handed in a moment ago: its grade is still to come.
                Submission.objects.filter(take_home=take_home).update(final_at=now)
                TakeHome.objects.filter(pk=take_home.pk).update(
                    status=TakeHome.Status.SUBMITTED, submitted_at=now
                )
                GradingReport.objects.get_or_create(take_home=take_home)
                continue
            submission_finalise(take_home=take_home)
            # Graded now rather than after the seed's commit, so the demo reads the same in
            # a test's rolled-back transaction; the queued task then finds it graded.
            take_home_grade(take_home_id=take_home.pk)
    return created
