"""Committee review pages: the list of openings and an opening's dashboard (mounted by review/urls.py).

The dashboard shows the pipeline by stage, the scorecards interviewers still
owe, how fresh the scores are, and a button that recomputes the whole opening
in the background. The recompute's Celery task id is kept in the session, per
opening, so the page can say "Recomputing…" and refresh itself until the
result is ready; no new model is needed for a status only its requester sees.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from assessments.models import Scorecard
from config.celery import app as celery_app
from hiring.models import Application, Assignment, Opening
from review.templatetags.review import can_review
from scoring.models import ApplicationScoreState, Calibration, FitScore
from scoring.selectors import opening_for_review, openings_for_review
from scoring.services import applications_stale, opening_recompute_enqueue

APPLICATIONS_PER_PAGE = 50
# A task that has not reported back after its hard time limit (30 minutes) was lost
# (a broker outage, an expired result): stop waiting for it rather than refresh forever.
RECOMPUTE_GIVE_UP_AFTER = timedelta(minutes=35)
STATE_LABELS = {"PENDING": "queued", "RECEIVED": "queued", "STARTED": "running", "RETRY": "retrying"}


# Reads ----------------------------------------------------------------------------


def openings_with_counts(user) -> QuerySet[Opening]:
    """The openings ``user`` may review with their numbers of applications, scored ones and snapshots."""
    return openings_for_review(user).annotate(
        application_count=Count("applications", distinct=True),
        scored_count=Count(
            "applications", filter=Q(applications__score_state__computed_at__isnull=False), distinct=True
        ),
        shortlist_count=Count("shortlists", distinct=True),
    )


def pipeline_counts(opening: Opening) -> list[tuple[str, int]]:
    """(stage label, applications) for every stage, in pipeline order, zeros included."""
    counts = dict(
        Application.objects.filter(opening=opening)
        .order_by()
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return [(label, counts.get(stage, 0)) for stage, label in Application.Stage.choices]


@dataclass(frozen=True)
class OutstandingScorecards:
    interviewer: str
    pending: int
    overdue: int


def scorecards_outstanding(opening: Opening, *, now: datetime) -> list[OutstandingScorecards]:
    """Per interviewer, the finished interviews of the opening still without their submitted scorecard.

    An assignment is pending once its interview has ended, and overdue once
    the first reminder is due (``SCORECARD_REMINDER_FIRST_DELAY_MINUTES``
    after the end, the rule of ``assessments.tasks``). A draft does not count
    as submitted. One query.
    """
    first_delay = timedelta(minutes=settings.SCORECARD_REMINDER_FIRST_DELAY_MINUTES)
    duration = Cast("interview__duration_minutes", IntegerField()) * timedelta(minutes=1)
    ends_at = ExpressionWrapper(
        F("interview__scheduled_at") + ExpressionWrapper(duration, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    submitted = Scorecard.objects.filter(
        interview=OuterRef("interview"),
        interviewer=OuterRef("interviewer"),
        status=Scorecard.Status.SUBMITTED,
    )
    rows = (
        Assignment.objects.filter(interview__application__opening=opening)
        .annotate(ends_at=ends_at)
        .filter(~Exists(submitted), ends_at__lte=now)
        .order_by()
        .values(
            "interviewer_id", "interviewer__username", "interviewer__first_name", "interviewer__last_name"
        )
        .annotate(pending=Count("pk"), overdue=Count("pk", filter=Q(ends_at__lte=now - first_delay)))
        .order_by("-overdue", "-pending", "interviewer__username")
    )
    return [
        OutstandingScorecards(
            interviewer=f"{row['interviewer__first_name']} {row['interviewer__last_name']}".strip()
            or row["interviewer__username"],
            pending=row["pending"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ScoreFreshness:
    calibrated_at: datetime | None
    calibration_ratings: int | None
    calibration_interviewers: int | None
    newest_score_at: datetime | None
    stale: int


def score_freshness(opening: Opening) -> ScoreFreshness:
    """When the rubric was last calibrated and on how many ratings, the newest score, the stale count."""
    calibration = (
        Calibration.objects.filter(rubric__versions=opening.rubric_version_id)
        .values_list("computed_at", "n_ratings", "n_interviewers")
        .first()
    )
    newest = ApplicationScoreState.objects.filter(application__opening=opening).aggregate(
        newest=Max("computed_at")
    )["newest"]
    calibrated_at, ratings, interviewers = calibration or (None, None, None)
    return ScoreFreshness(
        calibrated_at=calibrated_at,
        calibration_ratings=ratings,
        calibration_interviewers=interviewers,
        newest_score_at=newest,
        stale=len(applications_stale(limit=10**9, opening_id=opening.pk)),
    )


def opening_applications(opening: Opening) -> QuerySet[Application]:
    """The opening's applications by candidate name, with their fit for the opening's role (two queries)."""
    return (
        Application.objects.filter(opening=opening)
        .select_related("candidate")
        .prefetch_related(
            Prefetch(
                "fit_scores",
                queryset=FitScore.objects.filter(role_id=opening.role_id),
                to_attr="own_fit",
            )
        )
        .order_by("candidate__name", "pk")
    )


# Recompute ------------------------------------------------------------------------


def _session_key(opening_id: int) -> str:
    return f"review.recompute.{opening_id}"


@dataclass(frozen=True)
class RecomputeStatus:
    running: bool
    state: str
    started_at: datetime | None


def recompute_status(request, opening: Opening) -> RecomputeStatus | None:
    """The status of the recompute this user started for the opening, or None when there is none.

    Forgets the task (and says it finished) once Celery's result is ready. In
    eager mode (``make run``) the task ran inside the request that started it,
    so it is done at once; the result backend has no record of eager tasks.
    """
    stored = request.session.get(_session_key(opening.pk))
    if not stored:
        return None
    started_at = parse_datetime(stored.get("started_at", ""))
    if celery_app.conf.task_always_eager:
        state, finished = "SUCCESS", True
    else:
        result = AsyncResult(stored["task_id"], app=celery_app)
        state, finished = result.state, result.ready()
    lost = started_at is None or timezone.now() - started_at > RECOMPUTE_GIVE_UP_AFTER
    if finished or lost:
        del request.session[_session_key(opening.pk)]
        if state == "SUCCESS":
            messages.success(request, "Scores recomputed.")
        elif finished:
            messages.error(request, "The recompute failed; the periodic sweep will retry stale scores.")
        else:
            messages.warning(
                request, "No word from the recompute; press the button again if scores look stale."
            )
        return RecomputeStatus(running=False, state=state, started_at=started_at)
    return RecomputeStatus(running=True, state=STATE_LABELS.get(state, state.lower()), started_at=started_at)


# Views ----------------------------------------------------------------------------


@login_required
def opening_list(request):
    if not can_review(request.user):
        raise Http404("No openings to review.")
    return render(request, "review/opening_list.html", {"openings": openings_with_counts(request.user)})


@login_required
def opening_dashboard(request, pk: int):
    opening = opening_for_review(request.user, pk)
    status = recompute_status(request, opening)
    page = Paginator(opening_applications(opening), APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/opening_dashboard.html",
        {
            "opening": opening,
            "pipeline": pipeline_counts(opening),
            "outstanding": scorecards_outstanding(opening, now=timezone.now()),
            "overdue_after_minutes": settings.SCORECARD_REMINDER_FIRST_DELAY_MINUTES,
            "freshness": score_freshness(opening),
            "calibration_max_staleness": settings.CALIBRATION_MAX_STALENESS_MINUTES,
            "calibration_quiet_seconds": settings.CALIBRATION_QUIET_SECONDS,
            "recompute": status,
            "applications": page,
        },
    )


@login_required
@require_POST
def opening_recompute(request, pk: int):
    opening = opening_for_review(request.user, pk)
    task_id = opening_recompute_enqueue(opening=opening)
    request.session[_session_key(opening.pk)] = {"task_id": task_id, "started_at": timezone.now().isoformat()}
    return redirect("review:opening-dashboard", pk=opening.pk)


urlpatterns = [
    path("openings/", opening_list, name="opening-list"),
    path("openings/<int:pk>/", opening_dashboard, name="opening-dashboard"),
    path("openings/<int:pk>/recompute/", opening_recompute, name="opening-recompute"),
]
