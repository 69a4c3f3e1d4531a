"""Loading for the opening analytics page; the arithmetic is in ``scoring.analytics``.

The caller has already checked that the user may review the opening
(``scoring.selectors.opening_for_review``). A fixed number of queries whatever
the opening's size. Demographic answers are read as (candidate, group) pairs
and leave this module only as counts per group: nothing returned here can be
traced to a person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from assessments.models import Scorecard
from hiring.models import Application, DemographicResponse, Opening
from scoring import analytics
from scoring.models import AreaReliability, InterviewerOffset, Shortlist, ShortlistEntry


def adverse_impact_min_group() -> int:
    """The smallest group reported (setting ``ADVERSE_IMPACT_MIN_GROUP``, validated at start-up)."""
    return settings.ADVERSE_IMPACT_MIN_GROUP


@dataclass(frozen=True)
class AreaAgreementRow:
    area: str
    alpha: float | None
    reading: str
    n_units: int
    n_ratings: int
    n_raters: int


@dataclass(frozen=True)
class LeniencyRow:
    interviewer: str
    offset: float
    lower: float
    upper: float
    n_ratings: int
    reading: str


@dataclass(frozen=True)
class TurnaroundRow:
    interviewer: str
    summary: analytics.Turnaround


@dataclass(frozen=True)
class DimensionImpact:
    dimension: str  # the field's verbose name: "gender", "ethnicity"
    result: analytics.AdverseImpact
    not_answered: int  # applicants with no response, or this question left empty
    prefer_not_to_say: int

    @property
    def excluded(self) -> int:
        return self.not_answered + self.prefer_not_to_say


@dataclass(frozen=True)
class OpeningAnalytics:
    agreement: list[AreaAgreementRow]
    agreement_computed_at: datetime | None
    leniency: list[LeniencyRow]
    leniency_computed_at: datetime | None
    turnaround: list[TurnaroundRow]
    turnaround_overall: analytics.Turnaround
    shortlist: Shortlist | None  # the newest ready shortlist, the "selected" of the impact analysis
    applicants: int
    selected: int
    impact: list[DimensionImpact]
    min_group: int


def _person(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def _agreement(opening: Opening) -> tuple[list[AreaAgreementRow], datetime | None]:
    rows, computed_at = [], None
    for item in (
        AreaReliability.objects.filter(opening=opening).select_related("area").order_by("area__order")
    ):
        alpha, reading = analytics.agreement_reading(item.alpha, item.reading)
        rows.append(
            AreaAgreementRow(item.area.name, alpha, reading, item.n_units, item.n_ratings, item.n_raters)
        )
        computed_at = max(filter(None, [computed_at, item.computed_at]), default=None)
    return rows, computed_at


def _leniency(opening: Opening) -> tuple[list[LeniencyRow], datetime | None]:
    # Leniency belongs to the person across openings (the rubric's calibration): shown here for
    # the interviewers who submitted a scorecard in this opening.
    interviewers = Scorecard.objects.filter(
        interview__application__opening=opening, status=Scorecard.Status.SUBMITTED
    ).values("interviewer_id")
    items = list(
        InterviewerOffset.objects.filter(
            rubric__versions=opening.rubric_version_id, interviewer__in=interviewers
        )
        .select_related("interviewer")
        .order_by("-offset", "interviewer__username")
    )
    readings = analytics.leniency_rows(
        offset=[item.offset for item in items],
        se=[item.standard_error for item in items],
        n_ratings=[item.n_ratings for item in items],
    )
    rows = [
        LeniencyRow(
            interviewer=_person(
                item.interviewer.first_name, item.interviewer.last_name, item.interviewer.username
            ),
            offset=reading.offset,
            lower=reading.lower,
            upper=reading.upper,
            n_ratings=reading.n_ratings,
            reading=reading.reading,
        )
        for item, reading in zip(items, readings, strict=True)
    ]
    return rows, max((item.computed_at for item in items), default=None)


def _turnaround(opening: Opening) -> tuple[list[TurnaroundRow], analytics.Turnaround]:
    submissions = Scorecard.objects.filter(
        interview__application__opening=opening, submitted_at__isnull=False
    ).values_list(
        "interviewer_id",
        "interviewer__first_name",
        "interviewer__last_name",
        "interviewer__username",
        "submitted_at",
        "interview__scheduled_at",
        "interview__duration_minutes",
    )
    names: dict[int, str] = {}
    by_interviewer: dict[int, list[float]] = defaultdict(list)
    every = []
    for user_id, first_name, last_name, username, submitted_at, scheduled_at, minutes in submissions:
        hours = (submitted_at - scheduled_at).total_seconds() / 3600 - minutes / 60
        names[user_id] = _person(first_name, last_name, username)
        by_interviewer[user_id].append(hours)
        every.append(hours)
    rows = [
        TurnaroundRow(names[user_id], analytics.turnaround_summary(hours))
        for user_id, hours in sorted(by_interviewer.items(), key=lambda item: names[item[0]].lower())
    ]
    return rows, analytics.turnaround_summary(every)


def _impact(opening: Opening, min_group: int) -> tuple[Shortlist | None, int, int, list[DimensionImpact]]:
    shortlist = (
        Shortlist.objects.filter(opening=opening, status=Shortlist.Status.READY)
        .order_by("-created_at", "-pk")
        .first()
    )
    if shortlist is None:
        return None, 0, 0, []
    selected_ids = set(
        ShortlistEntry.objects.filter(shortlist=shortlist).values_list("application_id", flat=True)
    )
    applications = list(Application.objects.filter(opening=opening).values_list("pk", "candidate_id"))
    answers = {
        candidate_id: (gender, ethnicity)
        for candidate_id, gender, ethnicity in DemographicResponse.objects.filter(
            candidate_id__in=[candidate_id for _, candidate_id in applications]
        ).values_list("candidate_id", "gender", "ethnicity")
    }
    dimensions = []
    for index, name in enumerate(DemographicResponse.DIMENSIONS):
        field = DemographicResponse._meta.get_field(name)
        labels = dict(field.choices)
        applicants: Counter[str] = Counter()
        selected: Counter[str] = Counter()
        not_answered = prefer_not_to_say = 0
        for application_id, candidate_id in applications:
            value = answers.get(candidate_id, ("", ""))[index]
            if not value:
                not_answered += 1
            elif value == DemographicResponse.PREFER_NOT_TO_SAY:
                prefer_not_to_say += 1
            else:
                applicants[labels[value]] += 1
                selected[labels[value]] += application_id in selected_ids
        result = analytics.adverse_impact(
            {group: (selected[group], applicants[group]) for group in applicants}, min_group=min_group
        )
        dimensions.append(DimensionImpact(str(field.verbose_name), result, not_answered, prefer_not_to_say))
    return shortlist, len(applications), sum(pk in selected_ids for pk, _ in applications), dimensions


def opening_analytics(*, opening: Opening, min_group: int | None = None) -> OpeningAnalytics:
    """Everything the analytics page shows for ``opening``, as aggregates (seven queries)."""
    min_group = adverse_impact_min_group() if min_group is None else max(int(min_group), 1)
    agreement, agreement_computed_at = _agreement(opening)
    leniency, leniency_computed_at = _leniency(opening)
    turnaround, turnaround_overall = _turnaround(opening)
    shortlist, applicants, selected, impact = _impact(opening, min_group)
    return OpeningAnalytics(
        agreement=agreement,
        agreement_computed_at=agreement_computed_at,
        leniency=leniency,
        leniency_computed_at=leniency_computed_at,
        turnaround=turnaround,
        turnaround_overall=turnaround_overall,
        shortlist=shortlist,
        applicants=applicants,
        selected=selected,
        impact=impact,
        min_group=min_group,
    )
