"""Scorecards: an interviewer saves a draft, submits it, and amends it with a reason.

Rules enforced here (and backed by database constraints):

* only an interviewer assigned to the interview has a scorecard for it, one each;
* ratings are for the interview's focus areas only, 1-5 or "not assessed";
* a draft may be incomplete; a submission rates or marks every focus area and
  gives an overall recommendation;
* a submitted scorecard is read-only: a second submit or a draft edit is
  refused, and changes go through ``scorecard_amend`` with a reason;
* every submission and amendment is kept as a ``ScorecardRevision``;
* submitting or amending records a ``scorecard.submitted`` /
  ``scorecard.amended`` event (the outbox webhooks are sent from) in the same
  transaction, with the scorecard as the API shows it to an integration, and
  enqueues the recompute of the application's scores after it commits.

Each function is one transaction; bad input raises ``ApplicationError`` with
the offending field(s) and writes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Subquery
from django.utils import timezone

from assessments.models import Rating, Recommendation, Scorecard, ScorecardRevision, SkillArea
from assessments.representations import scorecard_resource
from assessments.services.rubrics import rubric_version_lock
from config.celery import enqueue_on_commit
from config.errors import ApplicationError
from hiring.models import Assignment, Interview
from hiring.roles import is_recruiter
from integrations.audit import audit_record
from integrations.events import event_emit
from integrations.identity import is_integration

MAX_EVIDENCE_CHARS = 10_000
MAX_SUMMARY_CHARS = 10_000
MAX_REASON_CHARS = 2_000


@dataclass(frozen=True)
class RatingInput:
    """One area's rating as entered: ``level`` 1-5 or None, or ``not_assessed``."""

    area_key: str
    level: int | None = None
    not_assessed: bool = False
    evidence: str = ""


# Names the input an error about an area's rating refers to; ``part`` is
# "area" (the area itself), "level" or "evidence".
FieldName = Callable[[str, str], str]


def rating_field(area_key: str, part: str = "level") -> str:
    """The web form's input name for an area's rating (one input per area)."""
    return f"rating_{area_key}"


def api_rating_field(area_key: str, part: str = "level") -> str:
    """The API's dotted path, e.g. ``ratings.communication.level``."""
    return f"ratings.{area_key}" if part == "area" else f"ratings.{area_key}.{part}"


def _focus_areas(interview: Interview) -> dict:
    return {area.key: area for area in interview.focus_areas.all()}


def _validate_content(
    *,
    interview: Interview,
    recommendation: str,
    summary: str,
    ratings: list[RatingInput],
    complete: bool,
    field_name: FieldName = rating_field,
) -> None:
    focus = _focus_areas(interview)
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for rating in ratings:
        key = rating.area_key
        if key not in focus:
            errors[field_name(key, "area")] = f"'{key}' is not one of this interview's focus areas."
        elif key in seen:
            errors[field_name(key, "area")] = "This area is rated twice."
        elif rating.level is not None and (
            isinstance(rating.level, bool) or not isinstance(rating.level, int) or not 1 <= rating.level <= 5
        ):
            errors[field_name(key, "level")] = "Choose a level from 1 to 5, or mark the area as not assessed."
        elif rating.level is not None and rating.not_assessed:
            errors[field_name(key, "level")] = "Give a level or mark the area as not assessed, not both."
        elif len(rating.evidence) > MAX_EVIDENCE_CHARS:
            errors[field_name(key, "evidence")] = f"Evidence is limited to {MAX_EVIDENCE_CHARS} characters."
        seen.add(key)
    if recommendation and recommendation not in Recommendation.values:
        errors["recommendation"] = "Choose one of strong no, no, yes or strong yes."
    if len(summary) > MAX_SUMMARY_CHARS:
        errors["summary"] = f"The summary is limited to {MAX_SUMMARY_CHARS} characters."
    if complete:
        answered = {r.area_key for r in ratings if r.level is not None or r.not_assessed}
        for key, area in focus.items():
            flagged = any(field_name(key, part) in errors for part in ("area", "level", "evidence"))
            if key not in answered and not flagged:
                errors[field_name(key, "level")] = f"Rate {area.name} or mark it as not assessed."
        if not recommendation and "recommendation" not in errors:
            errors["recommendation"] = "Give an overall recommendation."
    if errors:
        code = "scorecard_incomplete" if complete and _only_missing(errors) else "scorecard_invalid"
        raise ApplicationError(
            code, "The scorecard has problems; see the fields.", fields=errors, status_code=400
        )


def _only_missing(errors: dict[str, str]) -> bool:
    return all(m.startswith(("Rate ", "Give an overall")) for m in errors.values())


def _assignment_or_error(*, interview: Interview, user) -> Assignment:
    assignment = Assignment.objects.filter(interview=interview, interviewer=user).first()
    if assignment is None:
        # 404, not 403: an outsider learns nothing about the interview.
        raise ApplicationError("not_assigned", "You are not assigned to this interview.", status_code=404)
    return assignment


def _recompute_enqueue(interview: Interview) -> None:
    # By name: assessments reaches scoring only through its tasks.
    enqueue_on_commit("scoring.application_scores_recompute", interview.application_id)


def scorecard_save_draft(
    *,
    interview: Interview,
    user,
    recommendation: str = "",
    summary: str = "",
    ratings: list[RatingInput],
    field_name: FieldName = rating_field,
) -> Scorecard:
    """Create or update the user's draft for an interview; incomplete drafts are fine.

    Errors: ``not_assigned`` (404), ``already_submitted`` (409) once
    submitted, ``scorecard_invalid`` (400) for ratings outside the scale or
    areas outside the interview's focus. ``field_name`` names the fields in
    errors (the web form's by default, ``api_rating_field`` for the API).
    """
    _assignment_or_error(interview=interview, user=user)
    _validate_content(
        interview=interview,
        recommendation=recommendation,
        summary=summary,
        ratings=ratings,
        complete=False,
        field_name=field_name,
    )
    with transaction.atomic():
        scorecard = _locked_scorecard(interview=interview, user=user, create=True)
        if scorecard.is_submitted:
            raise ApplicationError(
                "already_submitted",
                "This scorecard is submitted and read-only; amend it with a reason.",
                status_code=409,
            )
        scorecard.recommendation = recommendation
        scorecard.summary = summary.strip()
        scorecard.clean_fields(exclude=_DATABASE_CHECKED)
        scorecard.save()
        _ratings_write(scorecard=scorecard, interview=interview, ratings=ratings, replace=True)
    return scorecard


def _locked_scorecard(*, interview: Interview, user, create: bool) -> Scorecard:
    """The user's scorecard for the interview, row-locked for this transaction."""
    scorecard = Scorecard.objects.select_for_update().filter(interview=interview, interviewer=user).first()
    if scorecard is not None or not create:
        return scorecard
    rubric_version = interview.application.opening.rubric_version
    try:
        with transaction.atomic():  # a savepoint: a concurrent first save loses the race cleanly
            scorecard = Scorecard.objects.create(
                interview=interview, interviewer=user, rubric_version=rubric_version
            )
    except IntegrityError:
        return Scorecard.objects.select_for_update().get(interview=interview, interviewer=user)
    rubric_version_lock(version=rubric_version)
    return scorecard


def _scorecard_locked(pk: int) -> Scorecard:
    """A scorecard row-locked for this transaction, with its interview's application and focus areas."""
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("interview__application", "interviewer")
        .prefetch_related(Prefetch("interview__focus_areas", queryset=SkillArea.objects.order_by("order")))
        .get(pk=pk)
    )


def scorecard_validate_complete(*, scorecard: Scorecard, field_name: FieldName = rating_field) -> None:
    """Raise ``scorecard_incomplete`` naming each missing field, as a submit would; writes nothing."""
    _validate_content(
        interview=scorecard.interview,
        recommendation=scorecard.recommendation,
        summary=scorecard.summary,
        ratings=_inputs_from(scorecard),
        complete=True,
        field_name=field_name,
    )


def interview_not_started_check(interview: Interview) -> None:
    """Refuse a submission for an interview that has not started: nobody can have assessed it yet."""
    if interview.scheduled_at > timezone.now():
        when = timezone.localtime(interview.scheduled_at).strftime("%Y-%m-%d %H:%M %Z")
        raise ApplicationError(
            "interview_not_started",
            f"This interview is scheduled for {when}: submit the scorecard once it has started.",
            status_code=409,
        )


def scorecard_submit(*, scorecard: Scorecard, user, field_name: FieldName = rating_field) -> Scorecard:
    """Submit a draft as it stands: every focus area rated or not assessed, a recommendation given.

    Records a ``scorecard.submitted`` event in the same transaction. Errors:
    ``not_assigned`` (404) for anyone but its interviewer,
    ``already_submitted`` (409) on a second submit,
    ``interview_not_started`` (409) before the interview's scheduled start
    (a draft may be saved before; it is submitted once the interview took place),
    ``scorecard_incomplete`` (400) naming each missing field.
    """
    if scorecard.interviewer_id != user.pk:
        raise ApplicationError("not_assigned", "You are not assigned to this interview.", status_code=404)
    with transaction.atomic():
        scorecard = _scorecard_locked(scorecard.pk)
        if scorecard.is_submitted:
            raise ApplicationError(
                "already_submitted", "This scorecard is already submitted.", status_code=409
            )
        interview = scorecard.interview
        interview_not_started_check(interview)
        rows = list(scorecard.ratings.select_related("area").order_by("area__order", "pk"))
        _validate_content(
            interview=interview,
            recommendation=scorecard.recommendation,
            summary=scorecard.summary,
            ratings=[_input_from(row) for row in rows],
            complete=True,
            field_name=field_name,
        )
        now = timezone.now()
        scorecard.status = Scorecard.Status.SUBMITTED
        scorecard.submitted_at = now
        scorecard.revision = 1
        scorecard.clean_fields(exclude=_DATABASE_CHECKED)
        scorecard.save()
        _revision_record(scorecard=scorecard, rows=rows, user=user, reason="", at=now)
        # As the API shows it to an integration token: every submitted scorecard in full.
        scorecard.resource = scorecard_resource(scorecard, ratings=rows)
        event_emit(type="scorecard.submitted", resource=scorecard.resource)
        _recompute_enqueue(interview)
    return scorecard


def scorecard_record(
    *,
    interview: Interview,
    interviewer,
    recommendation: str,
    summary: str,
    ratings: list[RatingInput],
    submit: bool,
    actor=None,
    field_name: FieldName = api_rating_field,
) -> Scorecard:
    """Save ``interviewer``'s scorecard for an interview in one go, and submit it unless ``submit`` is False.

    What the API does on an interviewer's behalf, as a draft save followed by
    a submit would, in one transaction: a refused submit leaves nothing
    written. ``actor`` (an integration principal) is written to the audit log.
    Load ``interview`` with its application, opening and rubric version and
    its focus areas prefetched (``assessments.selectors.interview_for_scorecard_write``),
    or each is a query. The scorecard returned carries ``resource``: the JSON
    the API (and the ``scorecard.submitted`` event) shows it as, so the caller
    need not load it again.

    Errors: ``not_assigned`` (400, field ``interviewer``) when the interviewer
    is not assigned to the interview; ``already_submitted`` (409) once their
    scorecard is submitted; ``scorecard_invalid``/``scorecard_incomplete``
    (400) at the fields named by ``field_name``; ``interview_not_started``
    (409) for a submission before the interview's start.
    """
    arguments = {
        "interview": interview,
        "interviewer": interviewer,
        "recommendation": recommendation,
        "summary": summary,
        "ratings": ratings,
        "submit": submit,
        "actor": actor,
        "field_name": field_name,
    }
    try:
        return _scorecard_record(**arguments)
    except IntegrityError as error:
        if not _first_save_race_lost(error):
            raise
    # A concurrent first save of the same scorecard committed between this one's look and its
    # insert, and this transaction rolled back whole. Again: it now finds (and locks) that one.
    return _scorecard_record(**arguments)


def _first_save_race_lost(error: IntegrityError) -> bool:
    diagnostics = getattr(error.__cause__, "diag", None)  # PostgreSQL names the constraint
    if diagnostics is not None:
        return diagnostics.constraint_name == SCORECARD_UNIQUE_CONSTRAINT
    return "UNIQUE" in str(error) and Scorecard._meta.db_table in str(error)  # SQLite's message


SCORECARD_UNIQUE_CONSTRAINT = "scorecard_unique_per_interviewer"
# Checked by the database (foreign keys, the unique and check constraints), not by a query each.
_DATABASE_CHECKED = ["interview", "interviewer", "rubric_version"]


def _scorecard_record(
    *, interview, interviewer, recommendation, summary, ratings, submit, actor, field_name
) -> Scorecard:
    with transaction.atomic():
        assignment = (
            Assignment.objects.filter(interview=interview, interviewer=interviewer)
            .annotate(
                scorecard_id=Subquery(
                    Scorecard.objects.filter(interview=interview, interviewer=interviewer)
                    .order_by()
                    .values("pk")
                )
            )
            .values_list("scorecard_id", flat=True)
        )
        found = list(assignment)
        if not found:
            raise ApplicationError(
                "not_assigned", "This interviewer is not assigned to the interview.", field="interviewer"
            )
        if found[0] is None:
            scorecard = Scorecard(
                interview=interview,
                interviewer=interviewer,
                rubric_version=interview.application.opening.rubric_version,
            )
        else:
            scorecard = Scorecard.objects.select_for_update().get(pk=found[0])
            scorecard.interview, scorecard.interviewer = interview, interviewer
            if scorecard.is_submitted:
                raise ApplicationError(
                    "already_submitted",
                    "This interviewer's scorecard for the interview is already submitted; amend it instead.",
                    status_code=409,
                )
        content = {"recommendation": recommendation, "summary": summary, "ratings": ratings}
        _validate_content(interview=interview, **content, complete=False, field_name=field_name)
        if submit:
            interview_not_started_check(interview)
            _validate_content(interview=interview, **content, complete=True, field_name=field_name)
        now = timezone.now()
        scorecard.recommendation = recommendation
        scorecard.summary = summary.strip()
        if submit:
            scorecard.status = Scorecard.Status.SUBMITTED
            scorecard.submitted_at = now
            scorecard.revision = 1
        scorecard.clean_fields(exclude=_DATABASE_CHECKED)
        created = scorecard.pk is None
        scorecard.save(force_insert=created)
        if created and scorecard.rubric_version.locked_at is None:
            rubric_version_lock(version=scorecard.rubric_version)
        rows = _ratings_write(scorecard=scorecard, interview=interview, ratings=ratings, replace=not created)
        scorecard.resource = scorecard_resource(scorecard, ratings=rows)
        if submit:
            _revision_record(scorecard=scorecard, rows=rows, user=interviewer, reason="", at=now)
            event_emit(type="scorecard.submitted", resource=scorecard.resource)
            _recompute_enqueue(interview)
        if actor is not None and is_integration(actor):
            audit_record(
                actor=actor,
                action="scorecard.submitted" if submit else "scorecard.draft_saved",
                target=scorecard,
                details={"interviewer": interviewer.pk, "interview": interview.pk},
            )
    return scorecard


def _ratings_write(
    *, scorecard: Scorecard, interview: Interview, ratings: list[RatingInput], replace: bool
) -> list[Rating]:
    """Write the scorecard's ratings (replacing any), one insert; returns them in the areas' order."""
    focus = _focus_areas(interview)
    if replace:
        scorecard.ratings.all().delete()
    rows = Rating.objects.bulk_create(
        Rating(
            scorecard=scorecard,
            area=focus[rating.area_key],
            level=rating.level,
            not_assessed=rating.not_assessed,
            evidence=rating.evidence.strip(),
        )
        for rating in ratings
        if rating.level is not None or rating.not_assessed or rating.evidence.strip()
    )
    return sorted(rows, key=lambda row: (row.area.order, row.pk))


def _revision_record(*, scorecard: Scorecard, rows: list[Rating], user, reason: str, at) -> ScorecardRevision:
    """The history entry for the scorecard's current content, from the ratings just written."""
    return ScorecardRevision.objects.create(
        scorecard=scorecard,
        number=scorecard.revision,
        recommendation=scorecard.recommendation,
        summary=scorecard.summary,
        ratings=[
            {
                "area": row.area.key,
                "area_name": row.area.name,
                "level": row.level,
                "not_assessed": row.not_assessed,
                "evidence": row.evidence,
            }
            for row in rows
        ],
        reason=reason,
        created_by=user,
        created_at=at,
    )


def _input_from(rating: Rating) -> RatingInput:
    return RatingInput(
        area_key=rating.area.key,
        level=rating.level,
        not_assessed=rating.not_assessed,
        evidence=rating.evidence,
    )


def _inputs_from(scorecard: Scorecard) -> list[RatingInput]:
    return [_input_from(rating) for rating in scorecard.ratings.select_related("area")]


def scorecard_amend(
    *,
    scorecard: Scorecard,
    user,
    reason: str,
    recommendation: str,
    summary: str,
    ratings: list[RatingInput],
    expected_revision: int | None = None,
    actor=None,
    field_name: FieldName = rating_field,
) -> Scorecard:
    """Change a submitted scorecard, with a reason; the previous version stays in the history.

    Its interviewer or a recruiter may amend (``user``, recorded in the
    history). ``expected_revision``, when given, guards against amending on
    top of someone else's amendment made meanwhile (``stale_revision``,
    409). Records a ``scorecard.amended`` event in the same transaction, and
    an audit entry when ``actor`` is an integration. Errors otherwise:
    ``not_assigned`` (404), ``scorecard_not_submitted`` (409),
    ``amend_reason_required`` (400), ``scorecard_incomplete``/``scorecard_invalid`` (400).
    """
    if scorecard.interviewer_id != user.pk and not is_recruiter(user):
        raise ApplicationError("not_assigned", "You are not assigned to this interview.", status_code=404)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "amend_reason_required", "Say why you are amending a submitted scorecard.", field="reason"
        )
    if len(reason) > MAX_REASON_CHARS:
        raise ApplicationError(
            "scorecard_invalid", f"The reason is limited to {MAX_REASON_CHARS} characters.", field="reason"
        )
    with transaction.atomic():
        scorecard = _scorecard_locked(scorecard.pk)
        if not scorecard.is_submitted:
            raise ApplicationError(
                "scorecard_not_submitted",
                "Only a submitted scorecard is amended; edit the draft.",
                status_code=409,
            )
        if expected_revision is not None and scorecard.revision != expected_revision:
            raise ApplicationError(
                "stale_revision",
                "Someone amended this scorecard meanwhile; reload it and amend again.",
                status_code=409,
            )
        interview = scorecard.interview
        _validate_content(
            interview=interview,
            recommendation=recommendation,
            summary=summary,
            ratings=ratings,
            complete=True,
            field_name=field_name,
        )
        now = timezone.now()
        scorecard.recommendation = recommendation
        scorecard.summary = summary.strip()
        scorecard.revision += 1
        scorecard.amended_at = now
        scorecard.clean_fields(exclude=_DATABASE_CHECKED)
        scorecard.save()
        rows = _ratings_write(scorecard=scorecard, interview=interview, ratings=ratings, replace=True)
        _revision_record(scorecard=scorecard, rows=rows, user=user, reason=reason, at=now)
        scorecard.resource = scorecard_resource(scorecard, ratings=rows)
        event_emit(type="scorecard.amended", resource=scorecard.resource)
        if actor is not None and is_integration(actor):
            audit_record(
                actor=actor,
                action="scorecard.amended",
                target=scorecard,
                details={"revision": scorecard.revision, "reason": reason},
            )
        _recompute_enqueue(interview)
    return scorecard
