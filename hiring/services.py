"""Writes for hiring records: openings, candidates, applications, interviews and decisions.

Every function is one transaction: it either makes all its changes or none.
Domain refusals raise ``ApplicationError`` with a stable code; conflicts with
existing rows (a duplicate application, an ATS id already taken) answer 409.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from hiring.models import (
    Application,
    Assignment,
    Candidate,
    Decision,
    DemographicResponse,
    Interview,
    Opening,
)
from hiring.roles import is_integration
from integrations import idempotency
from integrations.audit import audit_record
from integrations.events import event_emit

CONFLICT = 409


def _validated(instance, **kwargs) -> None:
    """``full_clean``, failing as ApplicationError (400, a message per field) like every refusal here."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        fields = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        raise ApplicationError(
            "invalid",
            "The request has invalid fields.",
            field=next(iter(fields)) if len(fields) == 1 else None,
            fields=fields,
        ) from None


# Openings ----------------------------------------------------------------------


def opening_create(
    *, title: str, role, rubric_version, committee=(), status: str = Opening.Status.OPEN
) -> Opening:
    """Create an opening scoring against ``rubric_version`` (which must have a profile for ``role``)."""
    if not rubric_version.profiles.filter(role=role).exists():
        raise ApplicationError(
            "role_not_in_rubric", f"{rubric_version} has no profile for {role}.", field="role"
        )
    with transaction.atomic():
        opening = Opening(title=title, role=role, rubric_version=rubric_version, status=status)
        _validated(opening)
        opening.save()
        opening.committee.set(committee)
    return opening


def opening_create_for_role(*, title: str, role_key: str, status: str = Opening.Status.OPEN) -> Opening:
    """Create an opening for a role (by key) on the newest rubric version that profiles that role.

    Raises ``unknown_role`` (400 at ``role``) for a key no rubric version profiles.
    """
    # Reached through Opening's relations: hiring imports no other app.
    role_model = Opening._meta.get_field("role").related_model
    version_model = Opening._meta.get_field("rubric_version").related_model
    role = role_model.objects.filter(key=role_key).first()
    version = (
        version_model.objects.filter(profiles__role=role).order_by("-created_at", "-pk").first()
        if role is not None
        else None
    )
    if version is None:
        raise ApplicationError("unknown_role", f"No rubric profiles a role '{role_key}'.", field="role")
    return opening_create(title=title, role=role, rubric_version=version, status=status)


def opening_update(*, opening: Opening, title: str | None = None, status: str | None = None) -> Opening:
    """Rename an opening or change its status; its role and rubric version never change."""
    with transaction.atomic():
        if title is not None:
            opening.title = title
        if status is not None:
            opening.status = status
        _validated(opening)
        opening.save()
    return opening


# Candidates --------------------------------------------------------------------


def _refuse_if_erased(candidate: Candidate) -> None:
    # An erased candidate's data must not come back through an update or an ATS re-sync.
    if candidate.erased_at is not None:
        raise ApplicationError(
            "candidate_erased",
            f"Candidate {candidate.pk} was erased; their personal data cannot be written again.",
            status_code=CONFLICT,
        )


def _external_id_taken(kind: str, source: str, external_id: str) -> ApplicationError:
    return ApplicationError(
        f"{kind}_exists",
        f"A {kind} with external id '{external_id}' from '{source}' exists; upsert it by that id instead.",
        field="external_id",
        status_code=CONFLICT,
    )


def candidate_create(
    *, name: str, email: str, source: str = "manual", external_id: str = "", notes: str = ""
) -> Candidate:
    """Create a candidate. Raises 409 ``candidate_exists`` when ``source``/``external_id`` is taken."""
    candidate = Candidate(name=name, email=email, source=source, external_id=external_id, notes=notes)
    _validated(candidate, validate_constraints=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise _external_id_taken("candidate", source, external_id) from None
    return candidate


def candidate_update(
    *, candidate: Candidate, name: str | None = None, email: str | None = None, notes: str | None = None
) -> Candidate:
    """Change a candidate's name, email or notes; saves only when something changed.

    Raises 409 ``candidate_erased`` for an erased candidate.
    """
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        _refuse_if_erased(candidate)
        changes = {
            field: value
            for field, value in (("name", name), ("email", email), ("notes", notes))
            if value is not None and getattr(candidate, field) != value
        }
        if changes:
            for field, value in changes.items():
                setattr(candidate, field, value)
            _validated(candidate)
            candidate.save()
    return candidate


def candidate_upsert(
    *, source: str, external_id: str, name: str, email: str, notes: str | None = None
) -> tuple[Candidate, bool]:
    """Create or update the candidate an ATS knows as ``external_id``; returns (candidate, created).

    Idempotent: the same input twice leaves one row, and the second call
    changes nothing (not even ``updated_at``). Two concurrent first calls
    cannot both create: the loser of the unique constraint updates instead.
    """
    existing = Candidate.objects.filter(source=source, external_id=external_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                candidate = Candidate(
                    name=name, email=email, notes=notes or "", source=source, external_id=external_id
                )
                _validated(candidate, validate_constraints=False)
                candidate.save()
            return candidate, True
        except IntegrityError:
            existing = Candidate.objects.get(source=source, external_id=external_id)
    return candidate_update(candidate=existing, name=name, email=email, notes=notes), False


def candidate_erase(*, candidate: Candidate, actor) -> Candidate:
    """Erase a candidate's personal data (GDPR art. 17), keeping the record for statistics.

    Name, email and notes are overwritten; applications, interviews, scorecards,
    fit scores and decisions stay, so aggregates (rater reliability, pass rates)
    keep their inputs. Idempotent: erasing an erased candidate changes nothing
    and records nothing. Audited as ``candidate.erased`` (without the erased data).
    """
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.erased_at is not None:
            return candidate
        # Stored API responses (Idempotency-Key replays) may quote the erased data; the email
        # finds them (a name could match unrelated records, whose replays must keep working).
        idempotency.records_forget(candidate.email)
        candidate.name = f"Erased candidate {candidate.pk}"
        # ".invalid" is reserved (RFC 2606): this address can never deliver mail.
        candidate.email = f"erased-{candidate.pk}@erased.invalid"
        candidate.notes = ""
        DemographicResponse.objects.filter(candidate=candidate).delete()  # GDPR art. 9 data
        # The ATS's external id is kept on purpose: it is the ATS's opaque key, not
        # contact data, and keeping it lets the ATS match its own (also erased) record,
        # and lets us refuse a later re-sync that would bring the personal data back.
        candidate.erased_at = timezone.now()
        _validated(candidate)
        candidate.save()
        audit_record(
            actor=actor,
            action="candidate.erased",
            target=candidate,
            details={"fields": ["name", "email", "notes"], "applications": candidate.applications.count()},
        )
    return candidate


# Applications ------------------------------------------------------------------


def _application_exists(candidate: Candidate, opening: Opening) -> ApplicationError:
    return ApplicationError(
        "application_exists",
        f"Candidate {candidate.pk} has already applied to opening {opening.pk}.",
        status_code=CONFLICT,
    )


def application_create(
    *,
    candidate: Candidate,
    opening: Opening,
    stage: str = Application.Stage.APPLIED,
    source: str = "manual",
    external_id: str = "",
) -> Application:
    """Apply a candidate to an opening.

    Raises 409 ``application_exists`` when the candidate already applied to the
    opening, 409 ``application_exists`` at ``external_id`` when that ATS id is
    taken, and 409 ``candidate_erased`` for an erased candidate.
    """
    _refuse_if_erased(candidate)
    if Application.objects.filter(candidate=candidate, opening=opening).exists():
        raise _application_exists(candidate, opening)
    application = Application(
        candidate=candidate, opening=opening, stage=stage, source=source, external_id=external_id
    )
    _validated(application, validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Lost a race with a concurrent request: report what the constraint caught.
        if Application.objects.filter(candidate=candidate, opening=opening).exists():
            raise _application_exists(candidate, opening) from None
        raise _external_id_taken("application", source, external_id) from None
    return application


def application_update(*, application: Application, stage: str | None = None) -> Application:
    """Move an application to another stage; saves only when it changes."""
    with transaction.atomic():
        if stage is not None and stage != application.stage:
            application.stage = stage
            _validated(application, validate_constraints=False)
            application.save()
    return application


def application_upsert(
    *,
    source: str,
    external_id: str,
    candidate: Candidate,
    opening: Opening,
    stage: str | None = None,
) -> tuple[Application, bool]:
    """Create or update the application an ATS knows as ``external_id``; returns (application, created).

    An existing application keeps its candidate and opening: naming others is
    409 ``application_mismatch`` (an ATS id means one candidate's application to one
    opening). Idempotent like ``candidate_upsert``.
    """
    existing = Application.objects.filter(source=source, external_id=external_id).first()
    if existing is None:
        application = application_create(
            candidate=candidate,
            opening=opening,
            stage=stage or Application.Stage.APPLIED,
            source=source,
            external_id=external_id,
        )
        return application, True
    if existing.candidate_id != candidate.pk or existing.opening_id != opening.pk:
        raise ApplicationError(
            "application_mismatch",
            f"Application '{external_id}' is candidate {existing.candidate_id}'s application to opening "
            f"{existing.opening_id}; it cannot move to another candidate or opening.",
            status_code=CONFLICT,
        )
    return application_update(application=existing, stage=stage), False


# Interviews --------------------------------------------------------------------


def interview_schedule(
    *,
    application: Application,
    kind: str,
    scheduled_at: datetime,
    focus_area_keys: list[str],
    interviewers: list,
    duration_minutes: int = 60,
) -> Interview:
    """Schedule an interview covering some of the opening's skill areas, with its interviewers.

    Focus areas come from the opening's rubric version; an unknown key is an
    error at ``focus_areas``. A focus area or an interviewer listed twice (the
    same person named by email and by external id, say) is refused, not merged:
    ``duplicate_focus_area`` / ``duplicate_interviewer`` (400). One transaction.
    """
    if not focus_area_keys:
        raise ApplicationError("focus_areas_required", "Choose at least one focus area.", field="focus_areas")
    repeated = sorted({key for key in focus_area_keys if focus_area_keys.count(key) > 1})
    if repeated:
        raise ApplicationError(
            "duplicate_focus_area", f"Listed more than once: {', '.join(repeated)}.", field="focus_areas"
        )
    interviewer_ids = [getattr(user, "pk", user) for user in interviewers]
    positions = [index for index, pk in enumerate(interviewer_ids) if pk in interviewer_ids[:index]]
    if positions:
        raise ApplicationError(
            "duplicate_interviewer",
            f"Interviewer {', '.join(str(index + 1) for index in positions)}: a person already listed "
            "(by email or external id).",
            field="interviewers",
        )
    areas = list(application.opening.rubric_version.areas.filter(key__in=focus_area_keys))
    unknown = sorted(set(focus_area_keys) - {area.key for area in areas})
    if unknown:
        raise ApplicationError(
            "unknown_focus_area",
            f"Not skill areas of this opening's rubric: {', '.join(unknown)}.",
            field="focus_areas",
        )
    user_ids = {getattr(user, "pk", user) for user in interviewers}
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    if len(users) != len(user_ids):
        raise ApplicationError("unknown_interviewer", "An interviewer does not exist.", field="interviewers")
    with transaction.atomic():
        interview = Interview(
            application=application, kind=kind, scheduled_at=scheduled_at, duration_minutes=duration_minutes
        )
        _validated(interview)
        interview.save()
        interview.focus_areas.set(areas)
        Assignment.objects.bulk_create(Assignment(interview=interview, interviewer=user) for user in users)
    return interview


# Decisions ---------------------------------------------------------------------


def _iso(value: datetime) -> str:
    # As the API writes datetimes (DRF's ISO 8601, "Z" for UTC), so events match API bodies.
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def decision_resource(decision: Decision) -> dict:
    """A decision as the API shows it (``hiring.api.DecisionSerializer``), JSON-safe, for events."""
    return {
        "id": decision.pk,
        "application": decision.application_id,
        "candidate": decision.application.candidate_id,
        "opening": decision.application.opening_id,
        "outcome": decision.outcome,
        "rationale": decision.rationale,
        "decided_by": decision.decided_by_label,
        "decided_by_user": decision.decided_by_id,
        "decided_at": _iso(decision.decided_at),
    }


def _actor_label(actor) -> str:
    if is_integration(actor):
        return f"{actor.token.name} (token {actor.token.prefix}…)"[:200]
    if actor is not None and getattr(actor, "is_authenticated", False):
        return (actor.get_full_name() or actor.get_username())[:200]
    return "system"


def decision_record(*, application: Application, outcome: str, rationale: str, actor) -> Decision:
    """Record a decision (advance, hold or reject) on an application, with its rationale.

    ``actor`` is a user, an integration principal (``request.user`` of a token
    request) or None for the system. Earlier decisions stay as history. One
    transaction with the audit row (``decision.recorded``) and the
    ``decision.recorded`` event for webhooks. Raises ``rationale_required`` (400 at
    ``rationale``) for a blank rationale and ``invalid_outcome`` for an unknown outcome.
    """
    rationale = (rationale or "").strip()
    if not rationale:
        raise ApplicationError("rationale_required", "Give the reason for the decision.", field="rationale")
    if outcome not in Decision.Outcome.values:
        raise ApplicationError(
            "invalid_outcome",
            f"Outcome must be one of: {', '.join(Decision.Outcome.values)}.",
            field="outcome",
        )
    person = None if is_integration(actor) or not getattr(actor, "is_authenticated", False) else actor
    with transaction.atomic():
        decision = Decision(
            application=application,
            outcome=outcome,
            rationale=rationale,
            decided_by=person,
            decided_by_label=_actor_label(actor),
            decided_at=timezone.now(),
        )
        _validated(decision)
        decision.save()
        audit_record(
            actor=actor,
            action="decision.recorded",
            target=decision,
            details={"application": application.pk, "outcome": outcome},
        )
        event_emit(type="decision.recorded", resource=decision_resource(decision))
    return decision
