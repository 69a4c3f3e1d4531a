"""The JSON a scorecard is shown as: API responses and webhook events share this one rendering.

Plain Python (no DRF), so services can put it into ``event_emit`` inside their
transaction. Who may see a scorecard at all is decided before (selectors);
whoever may see one sees all of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from assessments.models import Rating, Scorecard
from hiring.representations import iso_datetime


def scorecard_resource_queryset() -> QuerySet[Scorecard]:
    """Scorecards with what ``scorecard_resource`` reads: two queries for any number of them."""
    return Scorecard.objects.select_related("interviewer", "interview__application").prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.select_related("area").order_by("area__order", "pk"))
    )


def scorecard_resource(scorecard: Scorecard, *, ratings: Iterable[Rating] | None = None) -> dict:
    """A scorecard as the API shows it; JSON-safe. Load it with ``scorecard_resource_queryset``.

    ``ratings``, with their areas, in the area order: the scorecard's ratings when the caller
    already holds them (a service that has just written them), instead of ``scorecard.ratings``.
    """
    interviewer = scorecard.interviewer
    application = scorecard.interview.application
    return {
        "id": scorecard.pk,
        "interview": scorecard.interview_id,
        "application": application.pk,
        "opening": application.opening_id,
        "candidate": application.candidate_id,
        "interviewer": {
            "id": interviewer.pk,
            "email": interviewer.email,
            "name": interviewer.get_full_name() or interviewer.get_username(),
        },
        "rubric_version": scorecard.rubric_version_id,
        "status": scorecard.status,
        "recommendation": scorecard.recommendation or None,
        "summary": scorecard.summary,
        "revision": scorecard.revision,
        "ratings": [
            {
                "area": rating.area.key,
                "area_name": rating.area.name,
                "level": rating.level,
                "not_assessed": rating.not_assessed,
                "evidence": rating.evidence,
            }
            for rating in (scorecard.ratings.all() if ratings is None else ratings)
        ],
        "created_at": iso_datetime(scorecard.created_at),
        "updated_at": iso_datetime(scorecard.updated_at),
        "submitted_at": iso_datetime(scorecard.submitted_at),
        "amended_at": iso_datetime(scorecard.amended_at),
    }
