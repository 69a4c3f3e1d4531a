"""Writes for hiring records: openings, candidates, applications and interviews."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from config.errors import ApplicationError
from hiring.models import Application, Assignment, Candidate, Interview, Opening


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
        opening.full_clean()
        opening.save()
        opening.committee.set(committee)
    return opening


def candidate_create(*, name: str, email: str, source: str = "manual", external_id: str = "") -> Candidate:
    candidate = Candidate(name=name, email=email, source=source, external_id=external_id)
    candidate.full_clean()
    candidate.save()
    return candidate


def application_create(
    *,
    candidate: Candidate,
    opening: Opening,
    stage: str = Application.Stage.APPLIED,
    source: str = "manual",
    external_id: str = "",
) -> Application:
    application = Application(
        candidate=candidate, opening=opening, stage=stage, source=source, external_id=external_id
    )
    application.full_clean()
    application.save()
    return application


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
    error at ``focus_areas``. One transaction.
    """
    if not focus_area_keys:
        raise ApplicationError("focus_areas_required", "Choose at least one focus area.", field="focus_areas")
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
        interview.full_clean()
        interview.save()
        interview.focus_areas.set(areas)
        Assignment.objects.bulk_create(Assignment(interview=interview, interviewer=user) for user in users)
    return interview
