"""Writes for hiring records: openings, candidates, applications, interviews and decisions.

Every function is one transaction: it either makes all its changes or none.
Domain refusals raise ``ApplicationError`` with a stable code; conflicts with
existing rows (a duplicate application, an ATS id already taken) answer 409.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import ApplicationError
from hiring.models import (
    Application,
    Assignment,
    Candidate,
    Decision,
    DemographicResponse,
    Interview,
    InterviewerIdentity,
    Opening,
)
from hiring.representations import iso_datetime
from hiring.roles import INTERVIEWER
from hiring.signals import candidate_erasing
from integrations import erasure
from integrations.audit import audit_record
from integrations.events import event_emit
from integrations.identity import is_integration

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
    *,
    title: str,
    role,
    rubric_version,
    committee=(),
    status: str = Opening.Status.OPEN,
    source: str = "manual",
    external_id: str = "",
) -> Opening:
    """Create an opening scoring against ``rubric_version`` (which must have a profile for ``role``).

    Raises 409 ``opening_exists`` when ``source``/``external_id`` is taken.
    """
    if not rubric_version.profiles.filter(role=role).exists():
        raise ApplicationError(
            "role_not_in_rubric", f"{rubric_version} has no profile for {role}.", field="role"
        )
    opening = Opening(
        title=title,
        role=role,
        rubric_version=rubric_version,
        status=status,
        source=source,
        external_id=external_id,
    )
    if external_id and Opening.objects.filter(source=source, external_id=external_id).exists():
        raise _external_id_taken("opening", source, external_id)
    _validated(opening)
    try:
        with transaction.atomic():
            opening.save()
            opening.committee.set(committee)
    except IntegrityError:
        raise _external_id_taken("opening", source, external_id) from None
    return opening


def opening_create_for_role(
    *,
    title: str,
    role_key: str,
    status: str = Opening.Status.OPEN,
    source: str = "manual",
    external_id: str = "",
) -> Opening:
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
    return opening_create(
        title=title, role=role, rubric_version=version, status=status, source=source, external_id=external_id
    )


def opening_update(*, opening: Opening, title: str | None = None, status: str | None = None) -> Opening:
    """Rename an opening or change its status; its role and rubric version never change.

    Saves only when something changed (an unchanged ``updated_at`` tells sync nothing happened).
    """
    with transaction.atomic():
        changes = {
            field: value
            for field, value in (("title", title), ("status", status))
            if value is not None and getattr(opening, field) != value
        }
        if changes:
            for field, value in changes.items():
                setattr(opening, field, value)
            _validated(opening)
            opening.save()
    return opening


def opening_upsert(
    *, source: str, external_id: str, title: str, role_key: str, status: str | None = None
) -> tuple[Opening, bool]:
    """Create or update the opening an ATS knows as ``external_id``; returns (opening, created).

    A new opening scores against the newest rubric version profiling the role
    (``opening_create_for_role``). An existing one keeps its role: naming another
    is 409 ``opening_mismatch``; title and status are updated. Idempotent like
    ``candidate_upsert``: the same input twice leaves one row and changes nothing
    the second time; the loser of a race for the first create updates instead.
    """
    existing = Opening.objects.filter(source=source, external_id=external_id).select_related("role").first()
    if existing is None:
        try:
            opening = opening_create_for_role(
                title=title,
                role_key=role_key,
                status=status or Opening.Status.OPEN,
                source=source,
                external_id=external_id,
            )
            return opening, True
        except ApplicationError as error:
            if error.code != "opening_exists":
                raise
            existing = Opening.objects.select_related("role").get(source=source, external_id=external_id)
    if existing.role.key != role_key:
        raise ApplicationError(
            "opening_mismatch",
            f"Opening '{external_id}' is for role '{existing.role.key}'; an opening's role never changes.",
            field="role",
            status_code=CONFLICT,
        )
    return opening_update(opening=existing, title=title, status=status), False


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


def _fields_validated(instance) -> None:
    """``_validated`` without the checks that query the database (unique fields, constraints).

    For writes whose rules the database enforces itself: its unique index turns a
    conflict into an IntegrityError, which the service answers as a 409 with a code.
    """
    _validated(instance, validate_unique=False, validate_constraints=False)


def candidate_create(
    *, name: str, email: str, source: str = "manual", external_id: str = "", notes: str = ""
) -> Candidate:
    """Create a candidate. Raises 409 ``candidate_exists`` when ``source``/``external_id`` is taken."""
    candidate = Candidate(name=name, email=email, source=source, external_id=external_id, notes=notes)
    _fields_validated(candidate)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise _external_id_taken("candidate", source, external_id) from None
    return candidate


def _candidate_change(
    candidate: Candidate, *, name: str | None, email: str | None, notes: str | None
) -> Candidate:
    """Apply the given fields to a candidate locked by the caller's transaction; saves only a change.

    Only name, email and notes change, none of them under a unique constraint, so
    the fields' own checks are all there is to validate.
    """
    _refuse_if_erased(candidate)
    changes = {
        field: value
        for field, value in (("name", name), ("email", email), ("notes", notes))
        if value is not None and getattr(candidate, field) != value
    }
    if changes:
        for field, value in changes.items():
            setattr(candidate, field, value)
        _fields_validated(candidate)
        candidate.save()
    return candidate


def candidate_update(
    *, candidate: Candidate, name: str | None = None, email: str | None = None, notes: str | None = None
) -> Candidate:
    """Change a candidate's name, email or notes; saves only when something changed.

    Raises 409 ``candidate_erased`` for an erased candidate.
    """
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        return _candidate_change(candidate, name=name, email=email, notes=notes)


def _candidate_upsert_once(
    *, source: str, external_id: str, name: str, email: str, notes: str | None
) -> tuple[Candidate, bool]:
    with transaction.atomic():
        existing = (
            Candidate.objects.select_for_update().filter(source=source, external_id=external_id).first()
        )
        if existing is not None:
            return _candidate_change(existing, name=name, email=email, notes=notes), False
        candidate = Candidate(
            name=name, email=email, notes=notes or "", source=source, external_id=external_id
        )
        _fields_validated(candidate)
        candidate.save(force_insert=True)
        return candidate, True


def candidate_upsert(
    *, source: str, external_id: str, name: str, email: str, notes: str | None = None
) -> tuple[Candidate, bool]:
    """Create or update the candidate an ATS knows as ``external_id``; returns (candidate, created).

    Idempotent: the same input twice leaves one row, and the second call
    changes nothing (not even ``updated_at``). One transaction, which reads
    the row once, locked (``select_for_update``) when it exists. Two
    concurrent first calls cannot both create: the loser's insert fails on the
    unique constraint, its transaction rolls back whole, and it runs once
    more, now finding (and updating) the winner's row. Raises 409
    ``candidate_erased`` for an erased candidate, 400 ``invalid`` for bad
    fields, and 409 ``candidate_exists`` should the constraint refuse the
    second run too.
    """
    fields = {"source": source, "external_id": external_id, "name": name, "email": email, "notes": notes}
    try:
        return _candidate_upsert_once(**fields)
    except IntegrityError:
        pass  # a concurrent first call created the row after our lookup: it is there now
    try:
        return _candidate_upsert_once(**fields)
    except IntegrityError:
        raise _external_id_taken("candidate", source, external_id) from None


def candidate_erase(*, candidate: Candidate, actor) -> Candidate:
    """Erase a candidate's personal data (GDPR art. 17), keeping the record for statistics.

    Name, email and notes are overwritten, and the name and email are redacted
    from free text everywhere the product stores it (``integrations.erasure``
    has the rule): hiring's decisions and notes here, the other apps' tables by
    their receivers of ``candidate_erasing``, then the platform's events, stored
    answers, audit and admin log. Applications, interviews, scorecards, ratings,
    fit scores and decisions stay, so aggregates (rater reliability, pass rates)
    keep their inputs. One transaction. Idempotent: erasing an erased candidate
    changes nothing and records nothing. Audited as ``candidate.erased``
    (without the erased data).
    """
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.erased_at is not None:
            return candidate
        personal = erasure.PersonalData(candidate_id=candidate.pk, name=candidate.name, email=candidate.email)
        candidate.name = f"Erased candidate {candidate.pk}"
        # ".invalid" is reserved (RFC 2606): this address can never deliver mail.
        candidate.email = f"erased-{candidate.pk}@erased.invalid"
        candidate.notes = ""
        DemographicResponse.objects.filter(candidate=candidate).delete()  # GDPR art. 9 data
        # The ATS's external id is kept on purpose: it is the ATS's opaque key, not
        # contact data, and keeping it lets the ATS match its own (also erased) record,
        # and lets us refuse a later re-sync that would bring the personal data back.
        candidate.erased_at = timezone.now()
        _fields_validated(candidate)
        candidate.save()
        _hiring_records_redact(candidate=candidate, personal=personal)
        candidate_erasing.send(sender=Candidate, candidate=candidate, personal=personal)
        erasure.platform_records_redact(personal=personal)
        audit_record(
            actor=actor,
            action="candidate.erased",
            target=candidate,
            details={"fields": ["name", "email", "notes"], "applications": candidate.applications.count()},
        )
    return candidate


def _hiring_records_redact(*, candidate: Candidate, personal: erasure.PersonalData) -> None:
    """The candidate's decision rationales, other candidates' notes that name them, and the logs of both."""
    erasure.rows_redact(
        Decision.objects.all(),
        personal=personal,
        text=["rationale"],
        linked=Q(application__candidate=candidate),
    )
    erasure.rows_redact(
        Candidate.objects.exclude(pk=candidate.pk),
        personal=personal,
        text=["notes"],
        touch={"updated_at": timezone.now()},  # an ATS syncing by updated_since reads the change
    )
    applications = Application.objects.filter(candidate=candidate)
    interviews = Interview.objects.filter(application__candidate=candidate)
    for model, ids in [
        (Candidate, [candidate.pk]),
        (Application, applications.values_list("pk", flat=True)),
        (Interview, interviews.values_list("pk", flat=True)),
        (Assignment, Assignment.objects.filter(interview__in=interviews).values_list("pk", flat=True)),
        (Decision, Decision.objects.filter(application__in=applications).values_list("pk", flat=True)),
    ]:
        erasure.logs_redact(personal=personal, model=model, ids=ids)


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


def _focus_areas(application: Application, focus_area_keys: list[str]) -> list:
    """The opening's skill areas by key: none, a repeat or an unknown key is refused at ``focus_areas``."""
    if not focus_area_keys:
        raise ApplicationError("focus_areas_required", "Choose at least one focus area.", field="focus_areas")
    repeated = sorted({key for key in focus_area_keys if focus_area_keys.count(key) > 1})
    if repeated:
        raise ApplicationError(
            "duplicate_focus_area", f"Listed more than once: {', '.join(repeated)}.", field="focus_areas"
        )
    areas = list(application.opening.rubric_version.areas.filter(key__in=focus_area_keys))
    unknown = sorted(set(focus_area_keys) - {area.key for area in areas})
    if unknown:
        raise ApplicationError(
            "unknown_focus_area",
            f"Not skill areas of this opening's rubric: {', '.join(unknown)}.",
            field="focus_areas",
        )
    return areas


def _active_users(interviewers: list) -> list:
    """The interviewers, each once: a person listed twice (by email and by external id, say) is refused."""
    interviewer_ids = [getattr(user, "pk", user) for user in interviewers]
    positions = [index for index, pk in enumerate(interviewer_ids) if pk in interviewer_ids[:index]]
    if positions:
        raise ApplicationError(
            "duplicate_interviewer",
            f"Interviewer {', '.join(str(index + 1) for index in positions)}: a person already listed "
            "(by email or external id).",
            field="interviewers",
        )
    user_ids = {getattr(user, "pk", user) for user in interviewers}
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    if len(users) != len(user_ids):
        raise ApplicationError("unknown_interviewer", "An interviewer does not exist.", field="interviewers")
    return users


def interview_schedule(
    *,
    application: Application,
    kind: str,
    scheduled_at: datetime,
    focus_area_keys: list[str],
    interviewers: list,
    duration_minutes: int = 60,
    source: str = "manual",
    external_id: str = "",
) -> Interview:
    """Schedule an interview covering some of the opening's skill areas, with its interviewers.

    Focus areas come from the opening's rubric version; an unknown key is an
    error at ``focus_areas``. A focus area or an interviewer listed twice (the
    same person named by email and by external id, say) is refused, not merged:
    ``duplicate_focus_area`` / ``duplicate_interviewer`` (400). One transaction.
    Raises 409 ``interview_exists`` when ``source``/``external_id`` is taken.
    """
    areas = _focus_areas(application, focus_area_keys)
    users = _active_users(interviewers)
    interview = Interview(
        application=application,
        kind=kind,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        source=source,
        external_id=external_id,
    )
    if external_id and Interview.objects.filter(source=source, external_id=external_id).exists():
        raise _external_id_taken("interview", source, external_id)
    _validated(interview)
    try:
        with transaction.atomic():
            interview.save()
            interview.focus_areas.set(areas)
            Assignment.objects.bulk_create(
                Assignment(interview=interview, interviewer=user) for user in users
            )
    except IntegrityError:
        raise _external_id_taken("interview", source, external_id) from None
    return interview


def interview_update(
    *,
    interview: Interview,
    kind: str,
    scheduled_at: datetime,
    duration_minutes: int,
    focus_area_keys: list[str],
    interviewers: list,
) -> Interview:
    """Reschedule an interview, or change its kind, focus areas or interviewers; saves only what changed.

    Scorecards rate an interview's focus areas, so once one exists (draft or
    submitted) the focus areas stay (409 ``interview_has_scorecards``), and an
    interviewer with a scorecard stays assigned (409 ``interviewer_has_scorecard``).
    New interviewers are assigned, dropped ones unassigned. One transaction.
    """
    areas = _focus_areas(interview.application, focus_area_keys)
    users = _active_users(interviewers)
    with transaction.atomic():
        interview = (
            Interview.objects.select_for_update().select_related("application__opening").get(pk=interview.pk)
        )
        # Scorecards point at the interview (assessments); read through the reverse relation.
        scored_by = set(interview.scorecards.values_list("interviewer_id", flat=True))
        if {area.pk for area in areas} != set(interview.focus_areas.values_list("pk", flat=True)):
            if scored_by:
                raise ApplicationError(
                    "interview_has_scorecards",
                    "This interview has scorecards; its focus areas can no longer change.",
                    field="focus_areas",
                    status_code=CONFLICT,
                )
            interview.focus_areas.set(areas)
        assigned = set(interview.assignments.values_list("interviewer_id", flat=True))
        wanted = {user.pk for user in users}
        if scored_by & (assigned - wanted):
            raise ApplicationError(
                "interviewer_has_scorecard",
                "An interviewer who has a scorecard for this interview stays assigned to it.",
                field="interviewers",
                status_code=CONFLICT,
            )
        interview.assignments.filter(interviewer_id__in=assigned - wanted).delete()
        Assignment.objects.bulk_create(
            Assignment(interview=interview, interviewer_id=user_id) for user_id in sorted(wanted - assigned)
        )
        changes = {
            field: value
            for field, value in (
                ("kind", kind),
                ("scheduled_at", scheduled_at),
                ("duration_minutes", duration_minutes),
            )
            if getattr(interview, field) != value
        }
        if changes:
            for field, value in changes.items():
                setattr(interview, field, value)
            _validated(interview)
            interview.save(update_fields=list(changes))
    return interview


def interview_upsert(
    *,
    source: str,
    external_id: str,
    application: Application,
    kind: str,
    scheduled_at: datetime,
    focus_area_keys: list[str],
    interviewers: list,
    duration_minutes: int = 60,
) -> tuple[Interview, bool]:
    """Create or update the interview an ATS knows as ``external_id``; returns (interview, created).

    An existing interview keeps its application: naming another is 409
    ``interview_mismatch``. Otherwise as ``interview_schedule`` and
    ``interview_update``. Idempotent like ``candidate_upsert``: the same input
    twice leaves one interview with the same assignments.
    """
    fields = {
        "kind": kind,
        "scheduled_at": scheduled_at,
        "duration_minutes": duration_minutes,
        "focus_area_keys": focus_area_keys,
        "interviewers": interviewers,
    }
    existing = Interview.objects.filter(source=source, external_id=external_id).first()
    if existing is None:
        try:
            interview = interview_schedule(
                application=application, source=source, external_id=external_id, **fields
            )
            return interview, True
        except ApplicationError as error:
            if error.code != "interview_exists":
                raise
            existing = Interview.objects.get(source=source, external_id=external_id)
    if existing.application_id != application.pk:
        raise ApplicationError(
            "interview_mismatch",
            f"Interview '{external_id}' is of application {existing.application_id}; it cannot move to "
            "another application.",
            field="application",
            status_code=CONFLICT,
        )
    return interview_update(interview=existing, **fields), False


# Interviewers ------------------------------------------------------------------


def _email_lock(email: str) -> None:
    """Serialise writes of one address (case-insensitively) until the transaction ends.

    auth_user has no unique constraint on email (the admin allows duplicates), so
    two concurrent creates of one address would both pass the check without this.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"user-email:{email.lower()}"])


def _refuse_taken_email(email: str, *, other_than=None) -> None:
    users = get_user_model().objects.filter(email__iexact=email)
    if other_than is not None:
        users = users.exclude(pk=other_than.pk)
    if users.exists():
        raise ApplicationError(
            "email_taken",
            "Another user has this email address (compared without regard to case).",
            field="email",
            status_code=CONFLICT,
        )


def _username_for(email: str) -> str:
    user_model = get_user_model()
    base = email.lower()[:140]
    username, number = base, 1
    while user_model.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def interviewer_create(
    *, email: str, first_name: str = "", last_name: str = "", is_active: bool = True, actor=None
):
    """Create an interviewer: a user in the ``interviewer`` group, without a usable password.

    They sign in through a password-reset link (or single sign-on); no password
    is ever set here. The username is the email, lower-cased. Raises 409
    ``email_taken`` when any user has the email, in any letter case. Audited as
    ``interviewer.created`` (the user's id only).
    """
    user_model = get_user_model()
    with transaction.atomic():
        _email_lock(email)
        _refuse_taken_email(email)
        user = user_model(
            username=_username_for(email),
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_active=is_active,
        )
        user.set_unusable_password()
        _validated(user, exclude=["password"])
        user.save()
        user.groups.add(Group.objects.get_or_create(name=INTERVIEWER)[0])
        audit_record(actor=actor, action="interviewer.created", target=user, details={"user": user.pk})
    return user


def interviewer_has_other_roles(user) -> bool:
    """Whether ``user`` is more than an interviewer: staff, superuser, another group, a committee seat."""
    return (
        user.is_staff
        or user.is_superuser
        or user.groups.exclude(name=INTERVIEWER).exists()
        or user.committee_openings.exists()
    )


def interviewer_update(
    *,
    user,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    is_active: bool | None = None,
    actor=None,
):
    """Change an interviewer's email, name or active flag; saves only when something changed.

    Only a person who is nothing but an interviewer changes here: a new email
    address is where their password-reset link goes, so changing a recruiter's or
    committee member's would hand over their account (403
    ``interviewer_has_other_roles``: change them in the admin). Raises 409
    ``email_taken`` like ``interviewer_create``. Audited as ``interviewer.updated``
    with the names of the changed fields.
    """
    user_model = get_user_model()
    with transaction.atomic():
        if email is not None:
            _email_lock(email)
        user = user_model.objects.select_for_update().get(pk=user.pk)
        if interviewer_has_other_roles(user):
            raise ApplicationError(
                "interviewer_has_other_roles",
                "This person has more than the interviewer role; change them in the admin.",
                status_code=403,
            )
        changes = {
            field: value
            for field, value in (
                ("email", email),
                ("first_name", first_name),
                ("last_name", last_name),
                ("is_active", is_active),
            )
            if value is not None and getattr(user, field) != value
        }
        if "email" in changes:
            _refuse_taken_email(email, other_than=user)
        if changes:
            for field, value in changes.items():
                setattr(user, field, value)
            _validated(user, exclude=["password"])
            user.save(update_fields=list(changes))
            audit_record(
                actor=actor, action="interviewer.updated", target=user, details={"fields": sorted(changes)}
            )
    return user


def _identity_taken(source: str, external_id: str) -> ApplicationError:
    return ApplicationError(
        "interviewer_identity_exists",
        f"'{external_id}' from '{source}' already names an interviewer.",
        field="external_id",
        status_code=CONFLICT,
    )


def _identity_save(identity: InterviewerIdentity) -> None:
    """Save, answering 409 for either unique rule (one id per source, one identity per user and source)."""
    others = InterviewerIdentity.objects.exclude(pk=identity.pk)
    if others.filter(source=identity.source, external_id=identity.external_id).exists():
        raise _identity_taken(identity.source, identity.external_id)
    if others.filter(source=identity.source, user_id=identity.user_id).exists():
        raise ApplicationError(
            "interviewer_identity_exists",
            f"This interviewer already has an identity in '{identity.source}'; change that one.",
            field="user",
            status_code=CONFLICT,
        )
    _validated(identity, validate_constraints=False)
    try:
        with transaction.atomic():
            identity.save()
    except IntegrityError:  # lost a race with a concurrent write of the same id
        raise _identity_taken(identity.source, identity.external_id) from None


def interviewer_identity_create(*, user, source: str, external_id: str, actor=None) -> InterviewerIdentity:
    """Register ``external_id`` as ``user``'s id in ``source``, so an ATS can name them by it.

    Raises 409 ``interviewer_identity_exists`` when the id names someone in that
    source already, or the user has an identity there. Audited.
    """
    with transaction.atomic():
        identity = InterviewerIdentity(user=user, source=source, external_id=external_id)
        _identity_save(identity)
        audit_record(actor=actor, action="interviewer_identity.created", target=identity)
    return identity


def interviewer_identity_update(
    *, identity: InterviewerIdentity, user=None, external_id: str | None = None, actor=None
) -> InterviewerIdentity:
    """Point an identity at another interviewer or change its id (its source stays); saves only on change."""
    with transaction.atomic():
        identity = InterviewerIdentity.objects.select_for_update().get(pk=identity.pk)
        changed = []
        if user is not None and identity.user_id != user.pk:
            identity.user = user
            changed.append("user")
        if external_id is not None and identity.external_id != external_id:
            identity.external_id = external_id
            changed.append("external_id")
        if changed:
            _identity_save(identity)
            audit_record(
                actor=actor,
                action="interviewer_identity.updated",
                target=identity,
                details={"fields": changed},
            )
    return identity


def interviewer_identity_delete(*, identity: InterviewerIdentity, actor=None) -> None:
    """Remove an identity: the ATS can no longer name the interviewer by that id. Audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="interviewer_identity.deleted",
            target=identity,
            details={"user": identity.user_id, "source": identity.source},
        )
        identity.delete()


# Decisions ---------------------------------------------------------------------


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
        "decided_at": iso_datetime(decision.decided_at),  # as the API writes it
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
