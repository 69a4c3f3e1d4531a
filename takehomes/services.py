"""Sending a take-home, the candidate's link, their uploads and the final submission.

Each function is one user action in one transaction: an error writes nothing (no row,
no file, no e-mail, since mail and the grading task leave only after the commit). The
link token is shown once, in the e-mail, and only its hash is stored. A link is single
use: opening it starts the clock and ties the take-home to that browser's session (the
view keeps the grant); opened again elsewhere it is refused, and a recruiter sends a
fresh one (``take_home_link_renew``) if the candidate lost it.

Grading lives in ``takehomes.grading``; the task is enqueued here by name.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import enqueue_on_commit
from config.errors import ApplicationError
from hiring.models import Application
from integrations.audit import audit_record
from takehomes import grader, onnx_checks
from takehomes.models import Exercise, GradingReport, Submission, TakeHome, token_hash, token_new

GRADE_TASK = "takehomes.take_home_grade"
MAX_PREDICTIONS_BYTES = 20 * 1024 * 1024
MAX_MODEL_BYTES = 50 * 1024 * 1024

# The handover contract, item by item, as the second source document lists it.
CONTRACT_ITEMS = grader.CONTRACT_ITEMS


# Exercises ------------------------------------------------------------------------------


def _csv_rows(field) -> tuple[list[str], list[list[str]]]:
    field.open("rb")
    try:
        text = field.read().decode("utf-8-sig")
    finally:
        field.close()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, [row for row in reader if row]


@dataclass(frozen=True)
class ExerciseData:
    """An exercise's test set as grading reads it: ids in file order, their hidden labels, features."""

    row_ids: list[str]
    labels: list[str]
    feature_names: list[str]


def exercise_test_data(exercise: Exercise) -> ExerciseData:
    """Read the test features' ids and the hidden labels (server side only)."""
    feature_header, feature_rows = _csv_rows(exercise.test_features_file)
    _, label_rows = _csv_rows(exercise.test_labels_file)
    labels = {row[0]: row[1] for row in label_rows}
    row_ids = [row[0] for row in feature_rows]
    return ExerciseData(
        row_ids=row_ids, labels=[labels[i] for i in row_ids], feature_names=feature_header[1:]
    )


def exercise_problems(exercise: Exercise) -> dict[str, str]:
    """What is wrong with an exercise's data package and settings, per field (empty when sound).

    The test features need a ``row_id`` column, the labels file ``row_id,label`` for exactly
    those ids, with labels among ``classes``; the training file ends with a ``label`` column;
    a binary task names its positive class among two classes; the skill-area mapping must
    name areas of the role's current rubric and valid items.
    """
    problems: dict[str, str] = {}
    classes = [str(c) for c in exercise.classes or []]
    if exercise.task_type == Exercise.TaskType.BINARY:
        if len(classes) != 2:
            problems["classes"] = "A binary task has exactly two classes."
        elif exercise.positive_class not in classes:
            problems["positive_class"] = "The positive class must be one of the classes."
    try:
        train_header, _ = _csv_rows(exercise.train_file)
        if not train_header or train_header[-1] != "label":
            problems["train_file"] = "The training data's last column must be 'label'."
    except (ValueError, OSError, UnicodeDecodeError):
        problems["train_file"] = "The training data must be a UTF-8 CSV file."
    try:
        features_header, feature_rows = _csv_rows(exercise.test_features_file)
        _, label_rows = _csv_rows(exercise.test_labels_file)
    except (ValueError, OSError, UnicodeDecodeError):
        problems["test_features_file"] = "The test files must be UTF-8 CSV files."
        return problems
    if not features_header or features_header[0] != "row_id":
        problems["test_features_file"] = "The test features' first column must be 'row_id'."
    ids = [row[0] for row in feature_rows]
    labelled = {row[0]: row[1] if len(row) > 1 else "" for row in label_rows}
    if len(set(ids)) != len(ids):
        problems["test_features_file"] = "Row ids in the test features must be unique."
    elif set(ids) != set(labelled):
        problems["test_labels_file"] = "The test labels must cover exactly the test features' row ids."
    elif classes and not set(labelled.values()) <= set(classes):
        problems["test_labels_file"] = "Every test label must be one of the classes."
    mapping_problems = grader.mapping_validate(exercise.area_mapping or {})
    if mapping_problems:
        problems["area_mapping"] = " ".join(mapping_problems)
    return problems


def exercise_publish(*, exercise: Exercise, actor=None) -> Exercise:
    """Publish an exercise version: its package is checked, then frozen (grades refer to it)."""
    problems = exercise_problems(exercise)
    if problems:
        raise ApplicationError(
            "exercise_invalid", "The exercise cannot be published as it is.", fields=problems
        )
    with transaction.atomic():
        exercise.published_at = timezone.now()
        exercise.save(update_fields=["published_at"])
        audit_record(actor=actor, action="exercise.published", target=exercise)
    return exercise


def exercises_published():
    return Exercise.objects.filter(published_at__isnull=False).select_related("role")


# Sending -------------------------------------------------------------------------------


def take_home_link(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('takehomes:start', args=[token])}"


def _invitation_send(*, take_home: TakeHome, token: str) -> None:
    candidate = take_home.application.candidate
    exercise = take_home.exercise
    link = take_home_link(token)
    hours = exercise.time_limit_hours
    body = (
        f"Hello {candidate.name},\n\n"
        f"You are invited to a take-home exercise for {take_home.application.opening.title}: "
        f"{exercise.title}.\n\n"
        f"Open it here (the link works once, in one browser, and starts a {hours}-hour time limit "
        f"when you first open it):\n{link}\n\n"
        f"The link expires on {timezone.localtime(take_home.expires_at):%d %B %Y, %H:%M %Z} "
        "whether or not you have opened it.\n"
    )
    send_mail(
        subject=f"Take-home exercise: {exercise.title}",
        message=body,
        from_email=None,
        recipient_list=[candidate.email],
    )


def take_home_send(
    *, application: Application, exercise: Exercise, actor=None, source: str = "manual"
) -> tuple[TakeHome, bool]:
    """Send ``exercise`` to the application's candidate; ``(take_home, created)``.

    Idempotent per application and exercise: sending again returns the take-home already
    sent, and no second e-mail. Errors: ``exercise_unpublished`` (400), ``candidate_erased``
    (409) and ``candidate_without_email`` (400), each writing nothing.
    """
    if not exercise.is_published:
        raise ApplicationError(
            "exercise_unpublished", "Only a published exercise can be sent.", field="exercise"
        )
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("candidate", "opening")
            .get(pk=application.pk)
        )
        existing = TakeHome.objects.filter(application=application, exercise=exercise).first()
        if existing is not None:
            return existing, False
        candidate = application.candidate
        if getattr(candidate, "erased_at", None):
            raise ApplicationError("candidate_erased", "This candidate's data was erased.", status_code=409)
        if not candidate.email:
            raise ApplicationError(
                "candidate_without_email", "The candidate has no e-mail address to send the link to."
            )
        token, hashed = token_new()
        take_home = TakeHome.objects.create(
            application=application,
            exercise=exercise,
            token_hash=hashed,
            sent_by=actor
            if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None)
            else None,
            source=source,
            expires_at=TakeHome.expiry_for(exercise),
        )
        audit_record(
            actor=actor, action="take_home.sent", target=take_home, details={"exercise": exercise.pk}
        )
        transaction.on_commit(lambda: _invitation_send(take_home=take_home, token=token))
    return take_home, True


def take_home_link_renew(*, take_home: TakeHome, actor=None) -> TakeHome:
    """Send a fresh link (the old one stops working); the clock, if started, runs on."""
    with transaction.atomic():
        take_home = (
            TakeHome.objects.select_for_update().select_related("application__candidate").get(pk=take_home.pk)
        )
        if take_home.status in (TakeHome.Status.SUBMITTED, TakeHome.Status.GRADED):
            raise ApplicationError(
                "already_submitted", "The candidate has already submitted.", status_code=409
            )
        token, hashed = token_new()
        take_home.token_hash = hashed
        if take_home.status == TakeHome.Status.SENT:
            take_home.expires_at = TakeHome.expiry_for(take_home.exercise)
        take_home.save(update_fields=["token_hash", "expires_at"])
        audit_record(actor=actor, action="take_home.link_renewed", target=take_home)
        transaction.on_commit(lambda: _invitation_send(take_home=take_home, token=token))
    return take_home


# The candidate's side --------------------------------------------------------------------


def _expire_if_due(take_home: TakeHome, now: datetime) -> bool:
    unsubmitted = take_home.status in (TakeHome.Status.SENT, TakeHome.Status.OPENED)
    if unsubmitted and now >= take_home.closes_at():
        take_home.status = TakeHome.Status.EXPIRED
        take_home.save(update_fields=["status"])
        return True
    return take_home.status == TakeHome.Status.EXPIRED


def take_home_open(*, token: str, now: datetime | None = None) -> TakeHome:
    """Open a take-home by its link: the first opening starts the clock and uses the link up.

    Errors (each a page the candidate reads): ``link_invalid`` (404) for a token we never
    issued or one replaced by a fresh link; ``link_expired`` (410); ``link_used`` (410) when
    the link was opened before (the view lets the browser that opened it back in without
    calling this).
    """
    now = now or timezone.now()
    with transaction.atomic():
        take_home = (
            TakeHome.objects.select_for_update()
            .select_related("exercise")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if take_home is None:
            raise ApplicationError("link_invalid", "This link is not valid.", status_code=404)
        expired = _expire_if_due(take_home, now)  # kept: the refusal below is raised after the commit
    if expired:
        raise ApplicationError("link_expired", "This take-home has expired.", status_code=410)
    with transaction.atomic():
        take_home = TakeHome.objects.select_for_update().select_related("exercise").get(pk=take_home.pk)
        if take_home.opened_at is not None:
            raise ApplicationError(
                "link_used",
                "This link was already used. Open the take-home in the browser where you first "
                "opened it, or ask the recruiter for a new link.",
                status_code=410,
            )
        take_home.status = TakeHome.Status.OPENED
        take_home.opened_at = now
        take_home.deadline_at = min(
            now + timedelta(hours=take_home.exercise.time_limit_hours), take_home.expires_at
        )
        take_home.save(update_fields=["status", "opened_at", "deadline_at"])
        Submission.objects.get_or_create(take_home=take_home)
        audit_record(actor=None, action="take_home.opened", target=take_home)
    return take_home


def take_home_current(*, take_home_id: int, now: datetime | None = None) -> TakeHome:
    """The take-home as its candidate's page shows it, expired if its time is up."""
    now = now or timezone.now()
    take_home = TakeHome.objects.select_related("exercise", "submission", "application__opening").get(
        pk=take_home_id
    )
    unsubmitted = take_home.status in (TakeHome.Status.SENT, TakeHome.Status.OPENED)
    if unsubmitted and now >= take_home.closes_at():
        # A conditional update: a submission racing the clock wins if it got there first.
        TakeHome.objects.filter(pk=take_home.pk, status=take_home.status).update(
            status=TakeHome.Status.EXPIRED
        )
        take_home.refresh_from_db(fields=["status"])
    return take_home


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_upload(upload, *, limit: int, field: str) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise ApplicationError(
            "upload_invalid", f"The file is larger than {limit // (1024 * 1024)} MB.", field=field
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ApplicationError(
            "upload_invalid", f"The file is larger than {limit // (1024 * 1024)} MB.", field=field
        )
    return data


def _rejection_message(rejected: grader.UploadRejected) -> str:
    return " ".join(problem.message for problem in rejected.problems)


def contract_clean(data: dict) -> dict:
    """The contract as stored: each known item, numbers as numbers, blanks left out."""
    clean = {}
    for item in CONTRACT_ITEMS:
        value = data.get(item)
        if value in (None, ""):
            continue
        clean[item] = value.strip() if isinstance(value, str) else value
    return clean


def submission_upload(
    *,
    take_home: TakeHome,
    predictions=None,
    model=None,
    contract: dict | None = None,
    now: datetime | None = None,
) -> Submission:
    """Replace any of the draft's files or its contract, after checking their shape.

    ``predictions`` and ``model`` are uploaded files (read, never executed: the model is
    parsed as ONNX and checked, not run). A file that fails its check is refused at its
    field (``upload_invalid``, with what to fix) and nothing of the upload is stored.
    ``take_home_closed`` (409) after the deadline or the final submission.
    """
    now = now or timezone.now()
    exercise = take_home.exercise
    errors: dict[str, str] = {}
    parsed = facts = None
    predictions_bytes = model_bytes = b""
    if predictions is not None:
        try:
            predictions_bytes = _read_upload(predictions, limit=MAX_PREDICTIONS_BYTES, field="predictions")
            data = exercise_test_data(exercise)
            parsed = grader.predictions_parse(
                predictions_bytes,
                expected_ids=data.row_ids,
                classes=[str(c) for c in exercise.classes],
                needs_score=exercise.needs_score,
                max_bytes=MAX_PREDICTIONS_BYTES,
            )
        except ApplicationError as error:
            errors["predictions"] = error.message
        except grader.UploadRejected as rejected:
            errors["predictions"] = _rejection_message(rejected)
    if model is not None:
        if not exercise.requires_model:
            errors["model"] = "This exercise does not take a model."
        else:
            try:
                model_bytes = _read_upload(model, limit=MAX_MODEL_BYTES, field="model")
                facts = onnx_checks.model_inspect(model_bytes, max_bytes=MAX_MODEL_BYTES)
            except ApplicationError as error:
                errors["model"] = error.message
            except grader.UploadRejected as rejected:
                errors["model"] = _rejection_message(rejected)
    if errors:
        raise ApplicationError("upload_invalid", "Some files could not be accepted.", fields=errors)

    with transaction.atomic():
        locked = TakeHome.objects.select_for_update().get(pk=take_home.pk)
        if not locked.is_open_for_uploads(now=now):
            raise ApplicationError(
                "take_home_closed", "This take-home no longer takes uploads.", status_code=409
            )
        submission, _ = Submission.objects.select_for_update().get_or_create(take_home=locked)
        if submission.final_at is not None:
            raise ApplicationError("take_home_closed", "The final submission is in.", status_code=409)
        stale = []
        if parsed is not None:
            stale.append(submission.predictions_file.name)
            submission.predictions_file.save("predictions.csv", ContentFile(predictions_bytes), save=False)
            submission.predictions_sha256 = _sha256(predictions_bytes)
            submission.predictions_rows = len(parsed.row_ids)
        if facts is not None:
            stale.append(submission.model_file.name)
            submission.model_file.save("model.onnx", ContentFile(model_bytes), save=False)
            submission.model_sha256 = _sha256(model_bytes)
            submission.model_facts = facts.as_dict()
        if contract is not None:
            submission.contract = contract_clean(contract)
        submission.save()
        storage = submission.predictions_file.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in stale if name])
    return submission


def submission_missing(*, take_home: TakeHome) -> list[str]:
    """What the final submission still needs, as sentences (empty when it can go in)."""
    submission = getattr(take_home, "submission", None)
    missing = []
    if submission is None or not submission.predictions_file:
        missing.append("Upload your predictions.")
    if take_home.exercise.requires_model and (submission is None or not submission.model_file):
        missing.append("Upload your ONNX model.")
    return missing


def submission_finalise(*, take_home: TakeHome, now: datetime | None = None) -> TakeHome:
    """Hand in the draft as final: no more changes; grading is queued (on commit).

    Errors: ``take_home_closed`` (409) after the deadline or a second time;
    ``submission_incomplete`` (400) naming what is missing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = TakeHome.objects.select_for_update().select_related("exercise").get(pk=take_home.pk)
        if not locked.is_open_for_uploads(now=now):
            raise ApplicationError(
                "take_home_closed", "This take-home no longer takes uploads.", status_code=409
            )
        missing = submission_missing(take_home=locked)
        if missing:
            raise ApplicationError("submission_incomplete", " ".join(missing))
        submission = Submission.objects.select_for_update().get(take_home=locked)
        submission.final_at = now
        submission.save(update_fields=["final_at"])
        locked.status = TakeHome.Status.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=["status", "submitted_at"])
        GradingReport.objects.get_or_create(take_home=locked)
        audit_record(actor=None, action="take_home.submitted", target=locked)
        enqueue_on_commit(GRADE_TASK, locked.pk)
    return locked
