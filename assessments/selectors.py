"""Reads for rubrics, with the joins their callers need."""

from datetime import datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from assessments.models import (
    AttributeMapping,
    ProfileEntry,
    Rating,
    Role,
    RoleProfile,
    RubricVersion,
    Scorecard,
    SkillArea,
)
from assessments.representations import scorecard_resource_queryset
from hiring.models import Interview
from hiring.roles import is_recruiter, sees_all_scorecards
from integrations.identity import is_integration

DEFAULT_RUBRIC = "data_roles"


def rubric_version_list() -> QuerySet[RubricVersion]:
    return RubricVersion.objects.select_related("rubric").order_by("rubric__key", "-number")


def rubric_version_detail_queryset() -> QuerySet[RubricVersion]:
    """Versions with areas, anchors, profiles and entries prefetched (a fixed number of queries)."""
    return RubricVersion.objects.select_related("rubric").prefetch_related(
        Prefetch("areas", queryset=SkillArea.objects.order_by("order").prefetch_related("anchors")),
        Prefetch(
            "profiles",
            queryset=RoleProfile.objects.select_related("role").prefetch_related(
                Prefetch(
                    "entries", queryset=ProfileEntry.objects.select_related("area").order_by("area__order")
                )
            ),
        ),
    )


def rubric_version_current(*, rubric_key: str = DEFAULT_RUBRIC) -> RubricVersion | None:
    """The newest version of a rubric, fully prefetched, or None when none is loaded."""
    return rubric_version_detail_queryset().filter(rubric__key=rubric_key).order_by("-number").first()


def role_profiles_current(*, rubric_key: str = DEFAULT_RUBRIC) -> QuerySet[RoleProfile]:
    """The roles' profiles in the newest version of a rubric, with their entries and areas."""
    newest = RubricVersion.objects.filter(rubric__key=rubric_key).order_by("-number").values("pk")[:1]
    return (
        RoleProfile.objects.filter(version__in=Subquery(newest))
        .select_related("role", "version")
        .prefetch_related(
            Prefetch("entries", queryset=ProfileEntry.objects.select_related("area").order_by("area__order"))
        )
    )


def role_list() -> QuerySet[Role]:
    return Role.objects.order_by("order", "key")


def role_profile_current(*, role: Role, rubric_key: str = DEFAULT_RUBRIC) -> RoleProfile | None:
    """A role's profile in the newest rubric version, with entries and their areas and anchors."""
    return (
        RoleProfile.objects.filter(role=role, version__rubric__key=rubric_key)
        .select_related("role", "version__rubric")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=ProfileEntry.objects.select_related("area")
                .prefetch_related("area__anchors")
                .order_by("area__order"),
            )
        )
        .order_by("-version__number")
        .first()
    )


# Interviews and scorecards ----------------------------------------------------
#
# Independent scoring: an interviewer sees their own scorecards, and other
# interviewers' submitted scorecards for an application only once they have
# submitted one of their own for it. Drafts are private to their author.
# Recruiters and the opening's committee see every submitted scorecard.


def _focus_prefetch() -> Prefetch:
    return Prefetch("focus_areas", queryset=SkillArea.objects.order_by("order").prefetch_related("anchors"))


def interviews_for_interviewer(*, user) -> QuerySet[Interview]:
    """The user's assigned interviews, newest first, with their own scorecard's id and status."""
    own = Scorecard.objects.filter(interview=OuterRef("pk"), interviewer=user)
    return (
        Interview.objects.filter(assignments__interviewer=user)
        .select_related("application__candidate", "application__opening__role")
        .annotate(
            my_scorecard_id=Subquery(own.values("pk")[:1]),
            my_scorecard_status=Subquery(own.values("status")[:1]),
        )
        .order_by("-scheduled_at", "-pk")
    )


def interview_sections(*, user, now: datetime) -> dict[str, list[Interview]]:
    """My interviews split into upcoming, overdue (ended, no submitted scorecard) and submitted."""
    sections: dict[str, list[Interview]] = {"upcoming": [], "overdue": [], "submitted": []}
    for interview in interviews_for_interviewer(user=user):
        if interview.my_scorecard_status == Scorecard.Status.SUBMITTED:
            sections["submitted"].append(interview)
        elif interview.ends_at <= now:
            sections["overdue"].append(interview)
        else:
            sections["upcoming"].append(interview)
    return sections


def interview_for_interviewer(*, user, pk: int) -> Interview | None:
    """An interview the user is assigned to, with focus areas and anchors; None otherwise."""
    return (
        Interview.objects.filter(pk=pk, assignments__interviewer=user)
        .select_related(
            "application__candidate", "application__opening__role", "application__opening__rubric_version"
        )
        .prefetch_related(_focus_prefetch())
        .first()
    )


def interview_for_kit(*, user, pk: int) -> Interview | None:
    """An interview for its preparation kit: its interviewers, recruiters and the opening's committee."""
    interview = (
        Interview.objects.filter(pk=pk)
        .select_related(
            "application__candidate", "application__opening__role", "application__opening__rubric_version"
        )
        .prefetch_related(_focus_prefetch(), "assignments__interviewer")
        .first()
    )
    return interview if interview is not None and _assigned_or_sees_all(user, interview) else None


def _assigned_or_sees_all(user, interview: Interview) -> bool:
    """Whether ``user`` interviews it (assignments prefetched) or may see every scorecard of its opening."""
    assigned = any(a.interviewer_id == user.pk for a in interview.assignments.all())
    return assigned or sees_all_scorecards(user, interview.application.opening_id)


def own_scorecard(*, user, interview: Interview) -> Scorecard | None:
    return (
        Scorecard.objects.filter(interview=interview, interviewer=user)
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=Rating.objects.select_related("area")
                .prefetch_related("area__anchors")
                .order_by("area__order"),
            )
        )
        .first()
    )


def scorecards_visible_to(*, user, application_id: int) -> QuerySet[Scorecard]:
    """The scorecards of one application that ``user`` may read, loaded for the pages.

    The rule is ``scorecards_for_actor``'s, the API's, filtered to the application,
    so pages and the API show the same set. Adds only loading (the revision
    history the pages show) and the pages' order.
    """
    return (
        scorecards_for_actor(actor=user)
        .filter(interview__application_id=application_id)
        .prefetch_related("revisions__created_by")
        .order_by("interview__scheduled_at", "pk")
    )


def scorecard_for_viewer(*, user, pk: int) -> Scorecard | None:
    """A scorecard the user may read (see the rules above), or None."""
    scorecard = Scorecard.objects.select_related("interview__application").filter(pk=pk).first()
    if scorecard is None:
        return None
    return (
        scorecards_visible_to(user=user, application_id=scorecard.interview.application_id)
        .select_related(
            "interview__application__candidate", "interview__application__opening", "rubric_version"
        )
        .filter(pk=pk)
        .first()
    )


# The API ----------------------------------------------------------------------


def scorecards_for_actor(*, actor) -> QuerySet[Scorecard]:
    """Every scorecard the actor may read through the API, loaded for ``scorecard_resource``.

    The one visibility rule (pages read it through ``scorecards_visible_to``),
    across applications and in one query: integration tokens see every
    submitted scorecard; recruiters and an opening's committee its submitted
    ones; an interviewer their own (drafts included) and, on an application
    where they have submitted one, the others' submitted ones.
    """
    scorecards = scorecard_resource_queryset()
    submitted = Q(status=Scorecard.Status.SUBMITTED)
    if is_integration(actor):
        return scorecards.filter(submitted)
    if not actor.is_authenticated:
        return scorecards.none()
    own = Q(interviewer=actor)
    if is_recruiter(actor):
        return scorecards.filter(own | submitted)
    on_committee = Q(interview__application__opening_id__in=actor.committee_openings.values("pk"))
    own_submitted_applications = Scorecard.objects.filter(
        interviewer=actor, status=Scorecard.Status.SUBMITTED
    ).values("interview__application_id")
    after_own = Q(interview__application_id__in=own_submitted_applications)
    return scorecards.filter(own | (submitted & (on_committee | after_own)))


_SCORECARD_WRITE_FIELDS = (
    "id",
    "application_id",
    "kind",
    "scheduled_at",
    "application__id",
    "application__candidate_id",
    "application__opening_id",
    "application__source",
    "application__opening__id",
    "application__opening__rubric_version_id",
    "application__opening__rubric_version__id",
    "application__opening__rubric_version__locked_at",
)


def interview_for_scorecard_write(*, actor, pk: int) -> Interview | None:
    """An interview the actor may send scorecards for, loaded as ``scorecard_record`` reads it.

    Any, for a token; for a signed-in person, one they are assigned to or may see every
    scorecard of (as ``interview_for_kit``; who they may write for is the service's check).
    """
    # What a scorecard write reads: not the rubric's documents nor the areas' guidance (JSON to decode).
    interview = (
        Interview.objects.filter(pk=pk)
        .select_related("application__opening__rubric_version")
        .only(*_SCORECARD_WRITE_FIELDS)
        .prefetch_related(
            Prefetch(
                "focus_areas",
                queryset=SkillArea.objects.order_by("order").only("id", "version_id", "key", "name", "order"),
            )
        )
    )
    if is_integration(actor):
        return interview.first()
    interview = interview.prefetch_related("assignments").first()
    return interview if interview is not None and _assigned_or_sees_all(actor, interview) else None


def attribute_mappings_for(*, source: str) -> dict[str, str]:
    """An ATS's attribute names (lower-cased) to skill-area keys."""
    return {
        name.strip().lower(): area_key
        for name, area_key in AttributeMapping.objects.filter(source=source).values_list(
            "attribute_name", "area_key"
        )
    }


def attribute_mappings_visible_to(*, actor) -> QuerySet[AttributeMapping]:
    """Every mapping for recruiters; a token's own source's (each ATS's names are its own)."""
    mappings = AttributeMapping.objects.all()
    if is_integration(actor):
        return mappings.filter(source=actor.token.source)
    return mappings if is_recruiter(actor) else mappings.none()
