"""Committee review pages: the list of openings and an opening's dashboard (mounted by review/urls.py).

The dashboard shows the pipeline by stage, the scorecards interviewers still
owe, how fresh the scores are, and a button that recomputes the whole opening.
With a worker the recompute runs in the background: its Celery task id is kept
in the session, per opening, so the page can say "Recomputing…" with a progress
bar and refresh itself until the result is ready; no new model is needed for a
status only its requester sees. Without one (``make run``: tasks run
in-process) the request waits for the recompute, and the page says it ran now.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from config.celery import app as celery_app
from hiring.models import Opening
from review.selectors import (
    opening_applications,
    opening_scored_count,
    openings_with_counts,
    pipeline_counts,
    score_freshness,
    scorecards_outstanding,
)
from review.templatetags.review import can_review
from scoring.selectors import opening_for_review
from scoring.services import opening_recompute_enqueue

APPLICATIONS_PER_PAGE = 50
# A task that has not reported back after its hard time limit (30 minutes) was lost
# (a broker outage, an expired result): stop waiting for it rather than refresh forever.
RECOMPUTE_GIVE_UP_AFTER = timedelta(minutes=35)
STATE_LABELS = {
    "PENDING": "queued for a worker",
    "RECEIVED": "queued for a worker",
    "STARTED": "running on a worker",
    "RETRY": "retrying",
}
# Without a broker (``make run``) Celery runs tasks in-process: the recompute ran inside the
# request that asked for it, which waited for it, so the page says so rather than "in the background".
RECOMPUTED_IN_PROCESS = "Scores recomputed. Recomputed now, while you waited: no worker runs in this mode."


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
        if state == "SUCCESS" and celery_app.conf.task_always_eager:
            messages.success(request, RECOMPUTED_IN_PROCESS)
        elif state == "SUCCESS":
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
            "recompute_in_process": celery_app.conf.task_always_eager,
            "applications": page,
            "scored_count": opening_scored_count(opening),
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
