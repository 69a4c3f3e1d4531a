"""Take-homes on the committee's pages: the built-in exercises and a graded take-home built directly.

The report is written as grading writes it (``takehomes.grader``'s own contract check, level
mapping and the grader's scorecard), from realistic measurements of the ML Engineer exercise,
without running a model: the API the grading's webhook names is another branch's.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from takehomes import grader
from takehomes.models import GradingReport, TakeHome, token_new
from tests.factories import OpeningFactory, UserFactory
from tests.takehomes.conftest import ds_exercise, exercises, mle_exercise  # noqa: F401 - fixtures

METRICS = {
    "task_type": "binary",
    "rows": 171,
    "positive": "malignant",
    "accuracy": {"value": 0.9474, "lower": 0.9123, "upper": 0.9766},
    "precision": {"value": 0.9508, "lower": 0.8923, "upper": 1.0},
    "sensitivity": {"value": 0.9063, "lower": 0.8333, "upper": 0.9677},
    "specificity": {"value": 0.972, "lower": 0.9388, "upper": 1.0},
    "f1": {"value": 0.928, "lower": 0.8785, "upper": 0.9683},
    "roc_auc": {"value": 0.9912, "lower": 0.9815, "upper": 1.0},
    "confusion": {"labels": ["malignant", "benign"], "matrix": [[58, 6], [3, 104]]},
    "interval": {
        "confidence": 0.95,
        "method": "percentile bootstrap over test rows (multinomial over the confusion cells)",
        "resamples": 4000,
        "seed": 20240601,
    },
}
MODEL = {
    "producer_name": "skl2onnx",
    "producer_version": "1.17.0",
    "ir_version": 9,
    "opset": {"": 17, "ai.onnx.ml": 3},
    "parameters": 62,
    "nodes": 6,
    "size_bytes": 1630,
}
RUN = {
    "status": "ok",
    "latency_p50_ms": 0.41,
    "latency_p95_ms": 7.2,
    "peak_rss_mb": 211.2,
    "baseline_rss_mb": 67.5,
    "model_memory_mb": 143.5,
    "throughput_rows_per_s": 2400.0,
    "agreement_with_predictions": 0.9942,
    "limits": {"memory_mb": 1024, "cpu_seconds": 60, "wall_seconds": 120},
}
CLAIMED = {
    "accuracy": 0.95,
    "f1": 0.99,  # over-claimed: above the interval
    "latency_p95_ms": 2,  # over-claimed: measured 7.2
    "peak_memory_mb": 150,
    "parameters": 62,
    "framework": "scikit-learn",
    "framework_version": "1.5",
    "opset": "17",
    "data_split": "Stratified 80/20 split of train.csv, seed 7",
}


def report_fields(exercise, *, run=RUN, claimed=CLAIMED, flags=()) -> dict:
    """A report's JSON as ``takehomes.grading`` computes it from these measurements."""
    model = MODEL if exercise.requires_model else None
    run = run if exercise.requires_model else None
    measured = grader.contract_measured(metrics=METRICS, model=model, run=run)
    contract = grader.contract_check(claimed, measured, exercise.budgets or {})
    levels = grader.levels_from_grade(
        grader.grade_measurements(metrics=METRICS, model=model, run=run, contract=contract),
        exercise.area_mapping,
    )
    return {
        "metrics": METRICS,
        "model_run": {**run, "model": model} if model else {},
        "contract": contract.as_dict(),
        "levels": {key: {"level": level, "reason": reason} for key, (level, reason) in levels.items()},
        "flags": list(flags),
        "_contract": contract,
        "_levels": levels,
    }


def take_home_make(application, exercise, *, status=TakeHome.Status.SENT, sent_days_ago=1, **fields):
    """A take-home row as sending leaves it (the token is not needed by the committee's pages)."""
    _, hashed = token_new()
    sent_at = timezone.now() - timedelta(days=sent_days_ago)
    return TakeHome.objects.create(
        application=application,
        exercise=exercise,
        token_hash=hashed,
        status=status,
        sent_at=sent_at,
        expires_at=sent_at + timedelta(days=exercise.expiry_days),
        **fields,
    )


def graded_take_home_write(application, exercise, capture_on_commit, **options):
    """A graded take-home with its report and the grader's submitted scorecard (scored on commit)."""
    from takehomes.grading import _scorecard_write

    now = timezone.now()
    take_home = take_home_make(
        application,
        exercise,
        status=TakeHome.Status.SUBMITTED,
        sent_days_ago=3,
        opened_at=now - timedelta(days=2),
        deadline_at=now + timedelta(days=1),
        submitted_at=now - timedelta(hours=2),
    )
    fields = report_fields(exercise, **options)
    contract, levels = fields.pop("_contract"), fields.pop("_levels")
    with capture_on_commit(execute=True):
        scorecard = _scorecard_write(take_home=take_home, levels=levels, contract=contract)
    report = GradingReport.objects.create(
        take_home=take_home, status=GradingReport.Status.GRADED, graded_at=now, scorecard=scorecard, **fields
    )
    TakeHome.objects.filter(pk=take_home.pk).update(status=TakeHome.Status.GRADED, graded_at=now)
    take_home.refresh_from_db()
    return take_home, report


@pytest.fixture
def graded(application, mle_exercise, django_capture_on_commit_callbacks):  # noqa: F811
    """``graded(application=..., exercise=..., **report_options)``: ``graded_take_home_write``'s take-home
    and report. Defaults: Ada, the ML Engineer exercise."""

    def make(application=application, exercise=mle_exercise, **options):
        return graded_take_home_write(application, exercise, django_capture_on_commit_callbacks, **options)

    return make


@pytest.fixture
def personas(recruiter, committee_member, interviewer, outsider, interview):
    """Users by name; ``interviewer`` is assigned to ``interview`` of Ada's application."""
    other_committee = UserFactory(username="cody_other_committee", groups=["hiring committee"])
    OpeningFactory(title="Another opening", committee=[other_committee])
    return {
        "recruiter": recruiter,
        "committee_member": committee_member,
        "other_committee": other_committee,
        "interviewer": interviewer,
        "outsider": outsider,
    }
