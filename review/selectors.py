"""Reads for the committee's review pages, already filtered by who asks; the views only shape them.

Every function loads a fixed number of queries whatever the opening's size
(the counts are in the docstrings). The caller has already checked that the
user may review the opening or application (``scoring.selectors.opening_for_review``,
``application_for_review``; ``shortlist_for_review`` here). The arithmetic lives
in ``scoring.analytics``: the disagreement rule and the opening analytics.
Demographic answers are read as (candidate, group) pairs and leave this module
only as counts per group: nothing returned here can be traced to a person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import ProfileEntry, Rating, Recommendation, Role, Scorecard, SkillArea
from assessments.selectors import scorecards_visible_to
from hiring.models import Application, Assignment, Decision, DemographicResponse, Opening
from hiring.roles import sees_all_scorecards
from scoring import analytics
from scoring.models import (
    ApplicationScoreState,
    AreaReliability,
    Calibration,
    FitScore,
    InterviewerOffset,
    Shortlist,
    ShortlistEntry,
)
from scoring.selectors import (
    RoleFit,
    application_fit_report,
    application_scored,
    openings_for_review,
    shortlists_numbered,
)
from scoring.services import applications_stale
from takehomes.models import TakeHome

# Dashboards -------------------------------------------------------------------------


def openings_with_counts(user) -> QuerySet[Opening]:
    """The openings ``user`` may review with their numbers of applications, scored ones
    (``scoring.selectors.application_scored``, as on the dashboard) and snapshots."""
    scored = (
        Application.objects.filter(opening=OuterRef("pk"))
        .filter(application_scored())
        .order_by()
        .values("opening")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return openings_for_review(user).annotate(
        application_count=Count("applications", distinct=True),
        scored_count=Coalesce(Subquery(scored, output_field=IntegerField()), 0),
        shortlist_count=Count("shortlists", distinct=True),
    )


def opening_scored_count(opening: Opening) -> int:
    """How many of the opening's applications are scored (``scoring.selectors.application_scored``,
    the openings list's count too): one query."""
    return Application.objects.filter(opening=opening).filter(application_scored()).count()


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
    """The opening's applications by candidate name, with their fit for the opening's role,
    whether they are ``scored`` (``scoring.selectors.application_scored``) and their take-homes
    (``take_home_list``, oldest first, with the exercise): three queries."""
    return (
        Application.objects.filter(opening=opening)
        .annotate(scored=application_scored())
        .select_related("candidate")
        .prefetch_related(
            Prefetch(
                "fit_scores",
                queryset=FitScore.objects.filter(role_id=opening.role_id),
                to_attr="own_fit",
            ),
            Prefetch(
                "take_homes",
                queryset=TakeHome.objects.select_related("exercise").order_by("sent_at", "pk"),
                to_attr="take_home_list",
            ),
        )
        .order_by("candidate__name", "pk")
    )


# Shortlists -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFitCell:
    role: str
    fit: float | None
    lower: float | None
    upper: float | None
    coverage: float | None = None  # None in a snapshot made before it recorded every role's coverage


@dataclass(frozen=True)
class MustHave:
    """A must-have bar of the snapshot's role, in the rubric's area order."""

    area: str
    name: str
    minimum: int


@dataclass(frozen=True)
class BarCell:
    """A candidate against one must-have bar, as the snapshot recorded it.

    ``below_probability`` is None for a snapshot made before the probabilities
    were recorded; ``likely_missed`` is the snapshot's own flag (probability 0.5
    or more).
    """

    area: str
    name: str
    minimum: int
    below_probability: float | None
    likely_missed: bool


@dataclass
class ReviewRow:
    rank: int
    application_id: int
    candidate: str
    stage: str
    stage_label: str
    fits: list[RoleFitCell]
    coverage: float
    gated: bool
    below_bar: list[str]
    consider_role: str | None
    recommendations: dict[str, int]
    # ``scoring.analytics.disagreement``'s answer, read live from the submitted scorecards.
    disagreement_areas: list[str] = field(default_factory=list)
    recommendations_split: bool = False
    disagreement: bool = False
    meets_bars_probability: float | None = None
    bars: list[BarCell] = field(default_factory=list)
    own_role: str = ""  # the key of the snapshot's role: coverage, bars and flags are that role's

    @property
    def own_fit(self) -> RoleFitCell | None:
        return next((cell for cell in self.fits if cell.role == self.own_role), None)

    @property
    def other_fits(self) -> list[RoleFitCell]:
        return [cell for cell in self.fits if cell.role != self.own_role]

    @property
    def bars_likely_missed(self) -> list[BarCell]:
        return [bar for bar in self.bars if bar.likely_missed]

    @property
    def recommendation_counts(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every recommendation, strong no first."""
        return [(value, label, self.recommendations.get(value, 0)) for value, label in Recommendation.choices]

    def fit_for(self, role_key: str) -> float | None:
        return next((cell.fit for cell in self.fits if cell.role == role_key), None)


def shortlist_for_review(user, pk: int) -> Shortlist:
    """The snapshot with its per-opening ``number``, or Http404 unless ``user`` may review its opening."""
    return get_object_or_404(
        shortlists_numbered(
            Shortlist.objects.select_related("role", "opening__role", "opening__rubric_version").filter(
                opening__in=openings_for_review(user)
            )
        ),
        pk=pk,
    )


def opening_snapshots(opening: Opening) -> QuerySet[Shortlist]:
    """The opening's snapshots, newest first, each with its per-opening ``number``."""
    return shortlists_numbered(
        Shortlist.objects.filter(opening=opening).select_related("role").order_by("-created_at", "-pk")
    )


def opening_snapshots_ready(opening: Opening) -> QuerySet[Shortlist]:
    """The opening's ready snapshots, newest first, numbered: those the adverse-impact analysis can use."""
    return opening_snapshots(opening).filter(status=Shortlist.Status.READY)


def opening_shortlist_newest(
    opening: Opening, *, pending_shown: int = 5
) -> tuple[Shortlist | None, list[Shortlist]]:
    """The newest ready snapshot for the opening's role, and up to ``pending_shown`` newer pending ones
    (two queries)."""
    own_role = opening_snapshots(opening).filter(role_id=opening.role_id)
    ready = own_role.filter(status=Shortlist.Status.READY).first()
    pending = own_role.filter(status=Shortlist.Status.PENDING)
    if ready is not None:
        pending = pending.filter(pk__gt=ready.pk)
    return ready, list(pending[:pending_shown])


def shortlist_previous(shortlist: Shortlist) -> Shortlist | None:
    """The newest ready snapshot of the same opening and role made before ``shortlist``."""
    return (
        shortlists_numbered(
            Shortlist.objects.filter(opening_id=shortlist.opening_id, role_id=shortlist.role_id)
        )
        .select_related("role")
        .filter(status=Shortlist.Status.READY)
        .filter(
            Q(created_at__lt=shortlist.created_at) | Q(created_at=shortlist.created_at, pk__lt=shortlist.pk)
        )
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class SnapshotParameter:
    """One parameter a snapshot was made with, in words: ("Order", "Fit (posterior mean)")."""

    name: str
    value: str


def shortlist_parameters(shortlist: Shortlist) -> list[SnapshotParameter]:
    """What the snapshot was made with, in words and in a fixed order, so two snapshots' lists compare
    line by line (no query once the role is loaded). Stages read in pipeline order, however chosen."""
    stage_order = {stage: index for index, (stage, _) in enumerate(Application.Stage.choices)}
    stage_labels = dict(Application.Stage.choices)
    stages = sorted(shortlist.stages or [], key=lambda stage: stage_order.get(stage, len(stage_order)))
    return [
        SnapshotParameter("Ranked for", shortlist.role.name),
        SnapshotParameter("Order", shortlist.get_order_by_display()),
        SnapshotParameter("Minimum coverage", f"{round(shortlist.min_coverage * 100, 1):g}%"),
        SnapshotParameter("Minimum fit", "none" if shortlist.min_fit is None else f"{shortlist.min_fit:g}"),
        SnapshotParameter(
            "Stages", ", ".join(stage_labels.get(stage, stage) for stage in stages) if stages else "all"
        ),
        SnapshotParameter("Kept", "all" if shortlist.limit is None else f"the top {shortlist.limit}"),
    ]


@dataclass(frozen=True)
class ParameterPair:
    name: str
    previous: str
    current: str

    @property
    def differs(self) -> bool:
        return self.previous != self.current


@dataclass(frozen=True)
class ReviewTable:
    rows: list[ReviewRow]
    must_haves: list[MustHave]  # the bars of the snapshot's role, whether or not anyone misses them


def review_rows(shortlist: Shortlist, roles: list[Role]) -> ReviewTable:
    """The snapshot's entries in rank order, with recommendations, disagreement and the role's must-have
    bars (the probability of being below each, as the snapshot recorded it): four queries."""
    entries = list(
        ShortlistEntry.objects.filter(shortlist=shortlist)
        .select_related("application__candidate", "consider_role")
        .order_by("rank")
    )
    in_snapshot = ShortlistEntry.objects.filter(shortlist=shortlist).values("application_id")
    recommendations: dict[int, dict[str, int]] = {}
    for application_id, recommendation, count in (
        Scorecard.objects.filter(interview__application_id__in=in_snapshot, status=Scorecard.Status.SUBMITTED)
        .order_by()
        .values("interview__application_id", "recommendation")
        .annotate(n=Count("pk"))
        .values_list("interview__application_id", "recommendation", "n")
    ):
        recommendations.setdefault(application_id, {})[recommendation] = count
    # Per application and area (in the rubric's order), the lowest and highest submitted level.
    level_ranges: dict[int, dict[str, tuple[int, int]]] = {}
    for application_id, area_name, lowest, highest in (
        Rating.objects.filter(
            scorecard__interview__application_id__in=in_snapshot,
            scorecard__status=Scorecard.Status.SUBMITTED,
            level__isnull=False,
        )
        .order_by()
        .values("scorecard__interview__application_id", "area__order", "area__name")
        .annotate(lowest=Min("level"), highest=Max("level"))
        .order_by("scorecard__interview__application_id", "area__order")
        .values_list("scorecard__interview__application_id", "area__name", "lowest", "highest")
    ):
        level_ranges.setdefault(application_id, {})[area_name] = (lowest, highest)
    # The area names and the role's must-have bars in one query.
    bar_of_role = ProfileEntry.objects.filter(
        area=OuterRef("pk"), profile__role_id=shortlist.role_id, minimum_level__isnull=False
    ).values("minimum_level")[:1]
    areas = list(
        SkillArea.objects.filter(version_id=shortlist.opening.rubric_version_id)
        .annotate(minimum=Subquery(bar_of_role))
        .order_by("order", "key")
        .values_list("key", "name", "minimum")
    )
    area_names = {key: name for key, name, _ in areas}
    must_haves = [MustHave(key, name, minimum) for key, name, minimum in areas if minimum is not None]
    stage_labels = dict(Application.Stage.choices)
    rows = []
    for entry in entries:
        counts = recommendations.get(entry.application_id, {})
        disagreement = analytics.disagreement(
            level_ranges=level_ranges.get(entry.application_id, {}), recommendations=counts.keys()
        )
        rows.append(
            ReviewRow(
                rank=entry.rank,
                application_id=entry.application_id,
                candidate=entry.application.candidate.name,
                stage=entry.application.stage,
                stage_label=stage_labels.get(entry.application.stage, entry.application.stage),
                fits=[
                    RoleFitCell(
                        role=role.key,
                        fit=entry.fits.get(role.key, {}).get("fit"),
                        lower=entry.fits.get(role.key, {}).get("lower"),
                        upper=entry.fits.get(role.key, {}).get("upper"),
                        coverage=entry.fits.get(role.key, {}).get("coverage"),
                    )
                    for role in roles
                ],
                coverage=entry.coverage,
                gated=entry.gated,
                below_bar=[area_names.get(key, key) for key in entry.below_bar],
                consider_role=entry.consider_role.name if entry.consider_role else None,
                recommendations=counts,
                disagreement_areas=disagreement.areas,
                recommendations_split=disagreement.recommendations_split,
                disagreement=disagreement.found,
                meets_bars_probability=entry.meets_bars_probability,
                bars=[
                    BarCell(
                        area=bar.area,
                        name=bar.name,
                        minimum=bar.minimum,
                        below_probability=entry.below_bar_probability.get(bar.area),
                        likely_missed=bar.area in entry.below_bar,
                    )
                    for bar in must_haves
                ],
                own_role=shortlist.role.key,
            )
        )
    return ReviewTable(rows=rows, must_haves=must_haves)


@dataclass(frozen=True)
class Move:
    application_id: int
    candidate: str
    rank: int | None
    previous_rank: int | None

    @property
    def delta(self) -> int:
        """Places gained (positive: moved up)."""
        return (self.previous_rank or 0) - (self.rank or 0)

    @property
    def places(self) -> int:
        return abs(self.delta)


@dataclass(frozen=True)
class Comparison:
    moved_up: list[Move]
    moved_down: list[Move]
    entered: list[Move]
    left: list[Move]
    unchanged: int
    # Both snapshots' parameters, line by line: moves partly come from any that differ.
    parameters: list[ParameterPair] = field(default_factory=list)

    @property
    def differences(self) -> list[ParameterPair]:
        return [pair for pair in self.parameters if pair.differs]


def shortlists_compare(current: Shortlist, previous: Shortlist) -> Comparison:
    """Who moved up or down, entered or left between two snapshots, and the parameters each was made
    with (two queries; both roles loaded)."""

    def ranks(shortlist: Shortlist) -> dict[int, tuple[int, str]]:
        return {
            application_id: (rank, name)
            for application_id, rank, name in ShortlistEntry.objects.filter(shortlist=shortlist).values_list(
                "application_id", "rank", "application__candidate__name"
            )
        }

    now, before = ranks(current), ranks(previous)
    moves = [
        Move(application_id, name, rank, before[application_id][0])
        for application_id, (rank, name) in now.items()
        if application_id in before
    ]
    return Comparison(
        moved_up=sorted((m for m in moves if m.delta > 0), key=lambda m: (-m.delta, m.rank)),
        moved_down=sorted((m for m in moves if m.delta < 0), key=lambda m: (m.delta, m.rank)),
        entered=sorted(
            (Move(a, name, rank, None) for a, (rank, name) in now.items() if a not in before),
            key=lambda m: m.rank,
        ),
        left=sorted(
            (Move(a, name, None, rank) for a, (rank, name) in before.items() if a not in now),
            key=lambda m: m.previous_rank,
        ),
        unchanged=sum(1 for m in moves if m.delta == 0),
        parameters=[
            ParameterPair(mine.name, theirs.value, mine.value)
            for mine, theirs in zip(
                shortlist_parameters(current), shortlist_parameters(previous), strict=True
            )
        ],
    )


# Candidate profiles -----------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationProfile:
    """What a candidate's profile and debrief show, as loaded; the view shapes it for the page."""

    entries: list[ProfileEntry]  # the opening role's profile, in area order, with the areas
    state: ApplicationScoreState | None  # the stored estimates; None before the first scoring
    area_names: dict[str, str]  # the opening's rubric version: area key -> name
    role_names: dict[str, str]  # role key -> name
    fits: list[RoleFit]  # ``scoring.selectors.application_fit_report``
    scorecards: list[Scorecard]  # submitted, of those ``user`` may read
    decisions: list[Decision]  # newest first
    take_homes: list[TakeHome] = field(default_factory=list)  # oldest first, with exercise and report


def application_profile_data(*, user, application: Application) -> ApplicationProfile:
    """The profile's reads for ``application`` (loaded with candidate and opening), in a fixed number
    of queries."""
    opening = application.opening
    entries = list(
        ProfileEntry.objects.filter(
            profile__version_id=opening.rubric_version_id, profile__role_id=opening.role_id
        )
        .select_related("area")
        .order_by("area__order", "area__key")
    )
    state = ApplicationScoreState.objects.filter(application=application).first()
    area_names = dict(
        SkillArea.objects.filter(version_id=opening.rubric_version_id).values_list("key", "name")
    )
    role_names = dict(Role.objects.values_list("key", "name"))
    fits = application_fit_report(application=application)
    # The committee sees every submitted scorecard; a recruiter's own drafts stay out of this page too.
    scorecards = scorecards_visible_to(user=user, application_id=application.pk).filter(
        status=Scorecard.Status.SUBMITTED
    )
    decisions = application.decisions.select_related("decided_by").order_by("-decided_at", "-pk")
    return ApplicationProfile(
        entries=entries,
        state=state,
        area_names=area_names,
        role_names=role_names,
        fits=fits,
        scorecards=list(scorecards),
        decisions=list(decisions),
        take_homes=list(application_take_homes(application)),
    )


# Take-homes -------------------------------------------------------------------------


def take_home_status_shown(take_home: TakeHome, *, now: datetime | None = None) -> str:
    """The status the pages show (``TakeHome.status_now``: expired once past ``closes_at()``)."""
    return take_home.status_now(now=now)


def application_take_homes(application: Application) -> QuerySet[TakeHome]:
    """The application's take-homes, oldest first, with exercise, report and sender: one query."""
    return (
        TakeHome.objects.filter(application=application)
        .select_related("exercise", "report", "sent_by")
        .order_by("sent_at", "pk")
    )


def _take_homes_loaded() -> QuerySet[TakeHome]:
    return TakeHome.objects.select_related(
        "exercise",
        "report",
        "sent_by",
        "application__candidate",
        "application__opening__role",
        "application__opening__rubric_version",
    )


def take_home_for_review(user, pk: int) -> TakeHome:
    """A take-home of an opening ``user`` reviews (recruiters, the opening's committee), or Http404."""
    return get_object_or_404(
        _take_homes_loaded().filter(application__opening__in=openings_for_review(user)), pk=pk
    )


@dataclass(frozen=True)
class TakeHomeAccess:
    """A take-home someone may open the report page of, and whether they may read the report yet."""

    take_home: TakeHome
    report_visible: bool
    reviews_opening: bool  # a recruiter or on the opening's committee (may send links)


def take_home_for_report(user, pk: int) -> TakeHomeAccess:
    """The take-home for its report page, or Http404 that does not confirm it exists.

    The scorecards' independence rule (``assessments.selectors.scorecards_for_actor``), for
    the grader's evidence too: recruiters and the opening's committee read the report; an
    interviewer of the application reads it only once they have submitted their own scorecard
    for it (before that the page says why it is hidden); anyone else gets a 404. Three queries
    at most.
    """
    take_home = _take_homes_loaded().filter(pk=pk).first()
    if take_home is None or not user.is_authenticated:
        raise Http404("No such take-home.")
    application = take_home.application
    if sees_all_scorecards(user, application.opening_id):
        return TakeHomeAccess(take_home, report_visible=True, reviews_opening=True)
    if not Assignment.objects.filter(interviewer=user, interview__application=application).exists():
        raise Http404("No such take-home.")
    submitted = Scorecard.objects.filter(
        interviewer=user, interview__application=application, status=Scorecard.Status.SUBMITTED
    ).exists()
    return TakeHomeAccess(take_home, report_visible=submitted, reviews_opening=False)


def rubric_area_names(version_id: int) -> dict[str, str]:
    """A rubric version's area key -> name: one query."""
    return dict(SkillArea.objects.filter(version_id=version_id).values_list("key", "name"))


# Opening analytics ------------------------------------------------------------------


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
    shortlist: Shortlist | None  # the snapshot whose entries are the "selected" of the impact analysis
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
    # People only: an automated evaluator's severity is known (settings.AUTOMATED_EVALUATORS).
    interviewers = (
        Scorecard.objects.filter(interview__application__opening=opening, status=Scorecard.Status.SUBMITTED)
        .exclude(interviewer__username__in=settings.AUTOMATED_EVALUATORS)
        .values("interviewer_id")
    )
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
    submissions = (
        Scorecard.objects.filter(interview__application__opening=opening, submitted_at__isnull=False)
        .exclude(interviewer__username__in=settings.AUTOMATED_EVALUATORS)
        .values_list(
            "interviewer_id",
            "interviewer__first_name",
            "interviewer__last_name",
            "interviewer__username",
            "submitted_at",
            "interview__scheduled_at",
            "interview__duration_minutes",
        )
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


def _impact(
    opening: Opening, shortlist: Shortlist | None, min_group: int
) -> tuple[Shortlist | None, int, int, list[DimensionImpact]]:
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


def opening_analytics(
    *, opening: Opening, shortlist: Shortlist | None, min_group: int | None = None
) -> OpeningAnalytics:
    """Everything the analytics page shows for ``opening``, as aggregates (six queries).

    The adverse-impact analysis counts as selected the entries of ``shortlist``,
    one of the opening's ready snapshots (``opening_snapshots_ready``; the page
    offers the newest first); None leaves it out.
    """
    if shortlist is not None and (
        shortlist.opening_id != opening.pk or shortlist.status != Shortlist.Status.READY
    ):
        raise ValueError("The adverse-impact analysis reads a ready snapshot of the same opening.")
    min_group = adverse_impact_min_group() if min_group is None else max(int(min_group), 1)
    agreement, agreement_computed_at = _agreement(opening)
    leniency, leniency_computed_at = _leniency(opening)
    turnaround, turnaround_overall = _turnaround(opening)
    shortlist, applicants, selected, impact = _impact(opening, shortlist, min_group)
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
