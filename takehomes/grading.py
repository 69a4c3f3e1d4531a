"""Grading a final submission: measured against the hidden labels, the model run apart, the contract checked.

``take_home_grade`` is what the ``grading`` queue's task runs. It reads the submission's
files, never trusting the upload checks alone (they are run again), and:

1. grades the predictions with ``grader`` (metrics with bootstrap intervals);
2. when there is a model, runs it in a separate process (``sandbox.model_run``: no secrets,
   no database, memory and CPU limits, a wall-clock timeout) on the hidden test features,
   measuring latency, memory and the model's own predictions, and how often they agree
   with the uploaded CSV;
3. checks each claimed contract item against what was measured and the budgets;
4. turns the measurements into skill-area levels (the exercise's mapping), recorded as a
   submitted scorecard by the automated take-home grader, so that fit and shortlists
   include them (the scoring model knows the grader's severity: see ``AUTOMATED_EVALUATORS``);
5. flags copies: the same file as another candidate's, or near-identical predictions.

Idempotent: a graded report is returned as it is; a failed attempt leaves the report
pending for the retry, with the error recorded. Everything of one grade is written in one
transaction, with the ``take_home.graded`` event and, for a take-home an ATS ordered, its
completion callback (``takehomes.partners.callbacks``).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments.models import Recommendation, Scorecard
from assessments.services.scorecards import RatingInput, scorecard_record
from hiring.models import Assignment, Interview
from integrations.audit import audit_record
from integrations.events import event_emit
from takehomes import grader, onnx_checks, sandbox
from takehomes.models import GradingReport, Submission, TakeHome
from takehomes.partners.callbacks import partner_callback_create_for
from takehomes.representations import take_home_resource
from takehomes.services import MAX_MODEL_BYTES, MAX_PREDICTIONS_BYTES, exercise_test_data

logger = logging.getLogger(__name__)

GRADER_USERNAME = "take-home-grader"
MODEL_MEMORY_MB = 1024
MODEL_CPU_SECONDS = 60
MODEL_WALL_SECONDS = 120


def grader_user():
    """The automated evaluator whose scorecards carry take-home grades (no password, cannot sign in)."""
    user, created = get_user_model().objects.get_or_create(
        username=GRADER_USERNAME,
        defaults={"first_name": "Take-home grader", "last_name": "(automated)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _read(field, limit: int) -> bytes:
    field.open("rb")
    try:
        return field.read(limit + 1)
    finally:
        field.close()


def _features_csv(exercise) -> bytes:
    exercise.test_features_file.open("rb")
    try:
        return exercise.test_features_file.read()
    finally:
        exercise.test_features_file.close()


def _model_measure(*, submission: Submission, exercise, parsed: grader.ParsedPredictions, data) -> dict:
    """Run the model apart and measure it; never raises for the model's misbehaviour."""
    with tempfile.TemporaryDirectory(prefix="take-home-") as workdir:
        model_path = Path(workdir) / "model.onnx"
        features_path = Path(workdir) / "test_features.csv"
        model_path.write_bytes(_read(submission.model_file, MAX_MODEL_BYTES))
        features_path.write_bytes(_features_csv(exercise))
        outcome = sandbox.model_run(
            model_path=model_path,
            features_path=features_path,
            positive=exercise.positive_class,
            memory_mb=MODEL_MEMORY_MB,
            cpu_seconds=MODEL_CPU_SECONDS,
            wall_seconds=MODEL_WALL_SECONDS,
        )
    run = outcome.as_dict(predictions=True)
    labels = run.pop("labels", None)
    scores = run.pop("scores", None)
    row_ids = run.pop("row_ids", None)
    if outcome.status != "ok" or not labels:
        return run
    order = {row_id: index for index, row_id in enumerate(row_ids)}
    aligned = np.asarray([str(labels[order[row_id]]) for row_id in data.row_ids])
    aligned_scores = (
        np.asarray([float(scores[order[row_id]]) for row_id in data.row_ids]) if scores is not None else None
    )
    run["agreement_with_predictions"] = grader.agreement(aligned, parsed.labels)
    run["metrics"] = grader.task_metrics(
        exercise.task_type,
        data.labels,
        grader.ParsedPredictions(row_ids=tuple(data.row_ids), labels=aligned, scores=aligned_scores),
        positive=exercise.positive_class,
        classes=[str(c) for c in exercise.classes],
    )
    return run


def _copies(*, take_home: TakeHome, submission: Submission, parsed, metrics: dict) -> list[dict]:
    """Flags against the other graded submissions of the same exercise (for a person to look at)."""
    flags = []
    others = (
        Submission.objects.filter(take_home__exercise=take_home.exercise, final_at__isnull=False)
        .exclude(take_home=take_home)
        .select_related("take_home__report")
    )
    data = None
    for other in others:
        # Ids, never names: a name would outlive the other candidate's erasure in this report.
        who = {"take_home": other.take_home_id}
        if submission.predictions_sha256 and other.predictions_sha256 == submission.predictions_sha256:
            flags.append({"kind": "identical_predictions", **who})
            continue
        if submission.model_sha256 and other.model_sha256 == submission.model_sha256:
            flags.append({"kind": "identical_model", **who})
        report = getattr(other.take_home, "report", None)
        if report is None or report.status != GradingReport.Status.GRADED or "accuracy" not in report.metrics:
            continue
        data = data or exercise_test_data(take_home.exercise)
        try:
            theirs = grader.predictions_parse(
                _read(other.predictions_file, MAX_PREDICTIONS_BYTES),
                expected_ids=data.row_ids,
                classes=[str(c) for c in take_home.exercise.classes],
                needs_score=False,
                max_bytes=MAX_PREDICTIONS_BYTES,
                task_type=take_home.exercise.task_type,
            )
        except grader.UploadRejected:
            continue
        if grader.copy_suspected(
            parsed.labels,
            theirs.labels,
            a_accuracy=metrics["accuracy"]["value"],
            b_accuracy=report.metrics["accuracy"]["value"],
        ):
            flags.append(
                {
                    "kind": "near_identical_predictions",
                    "agreement": grader.agreement(parsed.labels, theirs.labels),
                    **who,
                }
            )
    return flags


def _recommendation(contract: grader.ContractReport) -> str:
    # The grader recommends no more than its evidence says: yes when every budget it could
    # measure was met, no when one was missed.
    missed = [item for item in contract.items if item.budget_verdict == "missed"]
    return Recommendation.NO if missed else Recommendation.YES


def _scorecard_write(
    *, take_home: TakeHome, levels: dict, contract: grader.ContractReport
) -> Scorecard | None:
    """The grade as a submitted scorecard of the take-home grader, for the mapped areas."""
    opening = take_home.application.opening
    areas = {area.key: area for area in opening.rubric_version.areas.all()}
    rated = {key: value for key, value in levels.items() if key in areas}
    if not rated:
        return None
    evaluator = grader_user()
    interview, _created = Interview.objects.get_or_create(
        application=take_home.application,
        kind=Interview.Kind.TAKE_HOME,
        source="take_home",
        external_id=f"take-home-{take_home.pk}",
        defaults={"scheduled_at": take_home.submitted_at or timezone.now(), "duration_minutes": 1},
    )
    interview.focus_areas.set([areas[key] for key in rated])
    Assignment.objects.get_or_create(interview=interview, interviewer=evaluator)
    ratings = [
        RatingInput(area_key=key, level=level, evidence=f"Automated take-home grade: {reason}")
        for key, (level, reason) in rated.items()
    ]
    summary = (
        f"Graded automatically from the take-home '{take_home.exercise.title}' "
        f"(contract completeness {contract.completeness:.0%})."
    )
    return scorecard_record(
        interview=interview,
        interviewer=evaluator,
        recommendation=_recommendation(contract),
        summary=summary,
        ratings=ratings,
        submit=True,
    )


def take_home_grade(*, take_home_id: int) -> GradingReport | None:
    """Grade a take-home's final submission (see the module docstring); None when there is none."""
    take_home = (
        TakeHome.objects.select_related("exercise", "submission", "application__opening__rubric_version")
        .filter(pk=take_home_id, status__in=[TakeHome.Status.SUBMITTED, TakeHome.Status.GRADED])
        .first()
    )
    if take_home is None or getattr(take_home, "submission", None) is None:
        return None
    report, _ = GradingReport.objects.get_or_create(take_home=take_home)
    if report.status == GradingReport.Status.GRADED:
        return report
    exercise, submission = take_home.exercise, take_home.submission
    data = exercise_test_data(exercise)
    classes = [str(c) for c in exercise.classes]
    parsed = grader.predictions_parse(
        _read(submission.predictions_file, MAX_PREDICTIONS_BYTES),
        expected_ids=data.row_ids,
        classes=classes,
        needs_score=exercise.needs_score,
        max_bytes=MAX_PREDICTIONS_BYTES,
        task_type=exercise.task_type,
    )
    metrics = grader.task_metrics(
        exercise.task_type, data.labels, parsed, positive=exercise.positive_class, classes=classes
    )
    facts = run = None
    if submission.model_file:
        facts = onnx_checks.model_inspect(
            _read(submission.model_file, MAX_MODEL_BYTES), max_bytes=MAX_MODEL_BYTES
        ).as_dict()
        run = _model_measure(submission=submission, exercise=exercise, parsed=parsed, data=data)
    measured = grader.contract_measured(metrics=metrics, model=facts, run=run)
    contract = grader.contract_check(submission.contract, measured, exercise.budgets or {})
    measurements = grader.grade_measurements(metrics=metrics, model=facts, run=run, contract=contract)
    levels = grader.levels_from_grade(measurements, exercise.area_mapping or {})
    flags = _copies(take_home=take_home, submission=submission, parsed=parsed, metrics=metrics)

    with transaction.atomic():
        report = GradingReport.objects.select_for_update().get(pk=report.pk)
        if report.status == GradingReport.Status.GRADED:
            return report
        now = timezone.now()
        report.metrics = metrics
        report.model_run = {**(run or {}), "model": facts} if facts else {}
        report.contract = contract.as_dict()
        report.levels = {key: {"level": level, "reason": reason} for key, (level, reason) in levels.items()}
        report.flags = flags
        report.scorecard = _scorecard_write(take_home=take_home, levels=levels, contract=contract)
        report.status = GradingReport.Status.GRADED
        report.graded_at = now
        report.error = ""
        report.save()
        TakeHome.objects.filter(pk=take_home.pk).update(status=TakeHome.Status.GRADED, graded_at=now)
        take_home.refresh_from_db()
        audit_record(actor=None, action="take_home.graded", target=take_home)
        event_emit(type="take_home.graded", resource=take_home_resource(take_home, report=report))
        # An ATS that ordered this take-home hears of it at the URL it gave (after the commit).
        partner_callback_create_for(take_home)
    return report


def take_home_grade_failed(*, take_home_id: int, error: str) -> None:
    """Record why an attempt failed (the retry or a person picks it up); the grade stays pending."""
    GradingReport.objects.filter(take_home_id=take_home_id).exclude(
        status=GradingReport.Status.GRADED
    ).update(error=error[:2000], attempts=F("attempts") + 1)
