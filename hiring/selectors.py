"""Reads of hiring data, filtered by who asks."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from config.errors import ApplicationError
from hiring.models import (
    Application,
    Assignment,
    Candidate,
    Decision,
    Interview,
    InterviewerIdentity,
    Opening,
)
from hiring.roles import INTERVIEWER, is_recruiter, opening_ids_visible_to
from integrations.identity import is_integration


def interviewer_resolve(*, source: str, email: str | None = None, external_id: str | None = None):
    """The active user an ATS names by its external id (within ``source``) or by email.

    Raises ApplicationError ``unknown_interviewer`` (400, field ``interviewer``)
    when nobody matches, ``interviewer_required`` when neither is given.
    """
    if not email and not external_id:
        raise ApplicationError(
            "interviewer_required", "Name the interviewer by email or external id.", field="interviewer"
        )
    users = get_user_model().objects.filter(is_active=True)
    condition = (
        Q(ats_identities__source=source, ats_identities__external_id=external_id) if external_id else Q()
    )
    if email:
        condition = condition | Q(email__iexact=email) if external_id else Q(email__iexact=email)
    matches = list(users.filter(condition).distinct()[:2])
    if len(matches) != 1:
        raise ApplicationError(
            "unknown_interviewer",
            "No single interviewer matches that email or external id.",
            field="interviewer",
        )
    return matches[0]


# What each caller may see ------------------------------------------------------
#
# Integration tokens (within their scopes) and recruiters see everything; a
# hiring committee member sees the openings they sit on and those openings'
# applications, candidates, interviews and decisions; an interviewer sees the
# interviews they are assigned to. Everything else is absent (404 in the API).


def openings_visible_to(*, actor) -> QuerySet[Opening]:
    openings = Opening.objects.select_related("role", "rubric_version")
    opening_ids = opening_ids_visible_to(actor)
    return openings if opening_ids is None else openings.filter(pk__in=opening_ids)


def candidates_visible_to(*, actor) -> QuerySet[Candidate]:
    candidates = Candidate.objects.all()
    opening_ids = opening_ids_visible_to(actor)
    if opening_ids is None:
        return candidates
    # Exists rather than a join: a candidate with two visible applications is listed once.
    return candidates.filter(
        Exists(Application.objects.filter(candidate=OuterRef("pk"), opening_id__in=opening_ids))
    )


def applications_visible_to(*, actor) -> QuerySet[Application]:
    applications = Application.objects.select_related("candidate", "opening__role")
    opening_ids = opening_ids_visible_to(actor)
    return applications if opening_ids is None else applications.filter(opening_id__in=opening_ids)


def interviews_visible_to(*, actor) -> QuerySet[Interview]:
    """Interviews with application, candidate, opening, focus areas and interviewers loaded."""
    # The rubric's skill-area model, reached through the relation: hiring imports no other app.
    skill_area = Interview.focus_areas.field.related_model
    interviews = Interview.objects.select_related(
        "application__candidate", "application__opening__role"
    ).prefetch_related(
        Prefetch("focus_areas", queryset=skill_area.objects.order_by("order", "key")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("interviewer").order_by("pk")),
    )
    opening_ids = opening_ids_visible_to(actor)
    if opening_ids is None:
        return interviews
    own = Exists(Assignment.objects.filter(interview=OuterRef("pk"), interviewer_id=actor.pk))
    return interviews.filter(Q(application__opening_id__in=opening_ids) | own)


def decisions_visible_to(*, actor) -> QuerySet[Decision]:
    decisions = Decision.objects.select_related("application__candidate", "application__opening__role")
    opening_ids = opening_ids_visible_to(actor)
    return decisions if opening_ids is None else decisions.filter(application__opening_id__in=opening_ids)


# Interviewers: managed by recruiters and by tokens (``interviewers:*`` scopes). A token sees
# only the identities of its own source: each ATS's ids are its own namespace.


def interviewer_identities_visible_to(*, actor) -> QuerySet[InterviewerIdentity]:
    identities = InterviewerIdentity.objects.select_related("user")
    if is_integration(actor):
        return identities.filter(source=actor.token.source)
    return identities if is_recruiter(actor) else identities.none()


def interviewers_visible_to(*, actor):
    """Users in the interviewer group, with the identities the actor may see."""
    users = get_user_model().objects.filter(groups__name=INTERVIEWER)
    if not (is_integration(actor) or is_recruiter(actor)):
        return users.none()
    identities = interviewer_identities_visible_to(actor=actor).order_by("source", "external_id")
    return users.prefetch_related(Prefetch("ats_identities", queryset=identities))
