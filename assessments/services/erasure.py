"""Erasure in assessments: the candidate's name and email out of scorecards, ratings and their history."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from assessments.models import Rating, Scorecard, ScorecardRevision
from integrations import erasure


def scorecards_redact(*, candidate, personal: erasure.PersonalData) -> None:
    """Redact summaries, evidence, revisions and amendment reasons (see ``integrations.erasure``).

    The candidate's own scorecards are redacted for every word of the name;
    other scorecards where they mention the full name or email. Greenhouse
    imports land here too: their question answers ("Private Notes" included)
    are the summary and their attribute notes the evidence. Levels,
    recommendations and revision numbers are untouched, so scores recompute
    the same. A redacted scorecard gets a new ``updated_at``, so an ATS syncing
    with ``updated_since`` fetches the redacted text.
    """
    theirs = Q(interview__application__candidate=candidate)
    erasure.rows_redact(
        Scorecard.objects.all(),
        personal=personal,
        text=["summary"],
        linked=theirs,
        touch={"updated_at": timezone.now()},
    )
    erasure.rows_redact(
        Rating.objects.all(),
        personal=personal,
        text=["evidence"],
        linked=Q(scorecard__in=Scorecard.objects.filter(theirs)),
    )
    erasure.rows_redact(
        ScorecardRevision.objects.all(),
        personal=personal,
        text=["summary", "reason"],
        json_fields=["ratings"],
        linked=Q(scorecard__in=Scorecard.objects.filter(theirs)),
    )
    erasure.logs_redact(
        personal=personal, model=Scorecard, ids=Scorecard.objects.filter(theirs).values_list("pk", flat=True)
    )


def on_candidate_erasing(sender, *, candidate, personal, **kwargs) -> None:
    """Receiver of ``hiring.signals.candidate_erasing`` (connected in ``AssessmentsConfig.ready``)."""
    scorecards_redact(candidate=candidate, personal=personal)
