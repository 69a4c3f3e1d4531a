"""Reads of take-homes, filtered by who asks: the API and the committee pages share these rules.

Who sees a take-home is who sees its application: integration tokens (within their
scopes) and recruiters every one, a committee member those of the openings they sit on;
and an interviewer those of the applications they interview. Who reads its grading
report follows the independent-scoring rule of ``assessments.selectors.scorecards_for_actor``
(the report is, in effect, the automated grader's scorecard): tokens, recruiters and the
opening's committee always; an interviewer only once they have submitted their own
scorecard for the application, so the grade cannot colour their own judgement.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from assessments.models import Scorecard
from hiring.models import Application, Assignment
from hiring.roles import sees_all_openings
from takehomes.models import TakeHome


def take_home_applications_visible_to(actor) -> QuerySet[Application]:
    """The applications whose take-homes ``actor`` may see: those they see, and those they interview.

    "Those they see" is ``hiring.selectors.applications_visible_to``'s rule (every one for tokens
    and recruiters, else their committee seats' openings'), written as a subquery rather than
    through it: that selector reads the seats in a query of its own, once per use, and lists
    use this twice (the page, and the names in its copy flags).
    """
    applications = Application.objects.all()
    if not getattr(actor, "is_authenticated", False):
        return applications.none()
    if sees_all_openings(actor):
        return applications
    on_committee = Q(opening_id__in=actor.committee_openings.values("pk"))
    interviewed = Q(
        pk__in=Assignment.objects.filter(interviewer_id=actor.pk).values("interview__application_id")
    )
    return applications.filter(on_committee | interviewed)


def _report_condition(actor) -> Q | None:
    """The take-homes whose report ``actor`` may read, as a condition; None for all of those they see."""
    if sees_all_openings(actor):
        return None
    on_committee = Q(application__opening_id__in=actor.committee_openings.values("pk"))
    own_submitted = Scorecard.objects.filter(interviewer_id=actor.pk, status=Scorecard.Status.SUBMITTED)
    after_own = Q(application_id__in=own_submitted.values("interview__application_id"))
    return on_committee | after_own


def take_homes_visible_to(actor) -> QuerySet[TakeHome]:
    """The take-homes ``actor`` may see, with application, exercise and report loaded, in one query.

    Each is annotated ``report_visible`` (``report_visible_to``'s rule, computed in the
    same query), so a list never asks once per row. Anonymous callers see none.
    """
    take_homes = TakeHome.objects.select_related("application", "exercise__role", "report")
    if not getattr(actor, "is_authenticated", False):
        return take_homes.none().annotate(report_visible=Value(False, output_field=BooleanField()))
    condition = _report_condition(actor)
    if condition is None:
        return take_homes.annotate(report_visible=Value(True, output_field=BooleanField()))
    visible = take_homes.filter(application__in=take_home_applications_visible_to(actor).values("pk"))
    return visible.annotate(report_visible=ExpressionWrapper(condition, output_field=BooleanField()))


def report_visible_to(actor, take_home: TakeHome) -> bool:
    """Whether ``actor`` may read ``take_home``'s grading report (not whether one exists yet).

    False for a take-home they may not see at all. Uses the ``report_visible``
    annotation of ``take_homes_visible_to`` when the take-home came from it (no query).
    """
    annotated = getattr(take_home, "report_visible", None)
    if annotated is not None:
        return bool(annotated)
    return (
        take_homes_visible_to(actor).filter(pk=take_home.pk).values_list("report_visible", flat=True).first()
        is True
    )


def take_home_candidate_names(actor, take_home_ids) -> dict[int, str]:
    """The current candidate name of each of these take-homes that ``actor`` may see (one query).

    A report's copy flags name other take-homes; a name is shown only to those who may see
    that take-home, and as it is now (an erased candidate's name is gone).
    """
    ids = {pk for pk in take_home_ids if isinstance(pk, int)}
    if not ids:
        return {}
    rows = take_homes_visible_to(actor).filter(pk__in=ids).values_list("pk", "application__candidate__name")
    return dict(rows)
