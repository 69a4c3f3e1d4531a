"""Committee review pages: an opening's analytics (mounted by review/urls.py under ``/review/``).

Recruiters and the opening's committee only; anyone else gets a 404 that does
not confirm the opening exists (``scoring.selectors.opening_for_review``).
The page shows aggregates: agreement per area, leniency per interviewer,
scorecard turnaround, and adverse impact by self-reported group with small
groups suppressed. No individual's demographic answers are ever rendered.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from review.selectors import opening_analytics
from scoring import analytics, reliability
from scoring.selectors import opening_for_review


@require_GET
@login_required
def opening_analytics_page(request, pk: int):
    opening = opening_for_review(request.user, pk)
    report = opening_analytics(opening=opening)
    return render(
        request,
        "review/analytics.html",
        {
            "opening": opening,
            "report": report,
            "reliable": reliability.RELIABLE,
            "tentative": reliability.TENTATIVE,
            "four_fifths": analytics.FOUR_FIFTHS,
            "interval_percent": round(analytics.INTERVAL * 100),
        },
    )


urlpatterns = [
    path("openings/<int:pk>/analytics/", opening_analytics_page, name="opening-analytics"),
]
