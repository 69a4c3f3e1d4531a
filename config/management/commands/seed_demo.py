"""Load demo data for a first run: ``python manage.py seed_demo``.

Creates the demo logins (an admin, a recruiter, two hiring-committee members
and five interviewers with different rating habits), one opening per role on
the current rubric version, and 60 candidates with interviews and a mix of
submitted, draft and missing scorecards, and voluntary demographic answers
for most candidates (so the adverse-impact analysis has groups to show).
Scorecards and answers go through the services, so history, audit and
invariants hold as for real ones.

Each candidate has a hidden true level per skill area; an interviewer's
rating is that level plus their leniency offset plus noise, rounded and
clipped to 1-5. The offsets are large enough for the calibrated leniency to
read as each interviewer's documented lean (``DemoInterviewer.lean``). The
dataset is drawn from a fixed seed, and interviews are placed in working
days before or after the seeding day, never on it: which have happened (so
have scorecards), and every rating, are the same whatever the day and hour
the demo is seeded.

Idempotent: users are fetched or created; the dataset is created only when no
demo candidate exists yet, so a second run adds nothing and prints the same
logins. Everything is written in one transaction.
"""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Recommendation, RubricVersion, Scorecard, ScorecardRevision
from assessments.selectors import rubric_version_current
from assessments.services import RatingInput, scorecard_amend, scorecard_save_draft, scorecard_submit
from hiring import roles
from hiring.demographics import demographic_responses_import
from hiring.models import Application, Assignment, Candidate, DemographicResponse, Interview, Opening
from hiring.services import application_create, candidate_create, interview_schedule, opening_create
from takehomes.demo import STAGES as TAKE_HOME_STAGES
from takehomes.demo import demo_take_homes_create

DEMO_ADMIN = ("admin", "demo-admin-pass")
DEMO_PASSWORD = "demo-pass-2026"
DEMO_SOURCE = "demo"
SEED = 2026
CANDIDATES_PER_OPENING = 20
# The recruiter manages these apps' records in the Django admin (the group's permissions).
RECRUITER_APP_LABELS = roles.RECRUITER_APP_LABELS


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    group: str


@dataclass(frozen=True)
class DemoInterviewer:
    username: str
    first_name: str
    last_name: str
    habit: str
    leniency_offset: float
    noise: float
    # What the analytics page's leniency column reads for them once the demo is calibrated
    # (tests/config/test_seed_demo.py checks it): a lean of 0.7 or more shows in this demo; noise does not.
    lean: str
    group: str = roles.INTERVIEWER

    @property
    def described(self) -> str:
        if self.habit == self.lean:
            return self.habit
        return f"{self.habit}: {self.lean} in analytics"


@dataclass(frozen=True)
class DemoOpening:
    role_key: str
    title: str
    committee: tuple[str, ...]
    # Interview kinds after the screen; each application gets one or two of them.
    later_rounds: tuple[str, ...]


RECRUITER = DemoUser("rita", "Rita", "Okonkwo", roles.RECRUITER)
COMMITTEE = (
    DemoUser("carla", "Carla", "Mendes", roles.HIRING_COMMITTEE),
    DemoUser("cole", "Cole", "Brennan", roles.HIRING_COMMITTEE),
)
NO_CLEAR_LEAN = "no clear lean"
INTERVIEWERS = (
    DemoInterviewer("ivan", "Ivan", "Petrov", "lenient", leniency_offset=0.8, noise=0.5, lean="lenient"),
    DemoInterviewer("sara", "Sara", "Lindqvist", "severe", leniency_offset=-0.8, noise=0.5, lean="severe"),
    DemoInterviewer("noah", "Noah", "Achebe", "steady", leniency_offset=0.0, noise=0.25, lean=NO_CLEAR_LEAN),
    DemoInterviewer("mia", "Mia", "Tanaka", "erratic", leniency_offset=0.0, noise=1.0, lean=NO_CLEAR_LEAN),
    DemoInterviewer("leo", "Leo", "Marchetti", "generous", leniency_offset=0.7, noise=0.5, lean="lenient"),
)
OPENINGS = (
    DemoOpening(
        "data_scientist",
        "Data Scientist, Growth",
        committee=("carla", "cole"),
        later_rounds=("technical", "take_home_review", "behavioural"),
    ),
    DemoOpening(
        "ml_engineer",
        "Machine Learning Engineer, Platform",
        committee=("carla", "cole"),
        later_rounds=("technical", "system_design", "take_home_review"),
    ),
    DemoOpening(
        "full_stack_data_scientist",
        "Founding Full-stack Data Scientist",
        committee=("carla",),
        later_rounds=("technical", "system_design", "take_home_review", "behavioural"),
    ),
)

# Focus areas per interview kind, with role-specific variants where the round differs by role.
FOCUS_AREAS: dict[str, dict[str, tuple[str, ...]]] = {
    "screen": {"*": ("communication", "problem_formulation", "business_impact")},
    "technical": {
        "data_scientist": (
            "statistics_experimentation",
            "ml_modelling",
            "exploratory_analysis",
            "data_pipelines_sql",
        ),
        "ml_engineer": ("software_engineering", "ml_modelling", "deep_learning", "data_pipelines_sql"),
        "full_stack_data_scientist": (
            "software_engineering",
            "statistics_experimentation",
            "ml_modelling",
            "data_pipelines_sql",
        ),
    },
    "system_design": {
        "*": ("production_deployment", "cloud_containers", "mlops_monitoring", "data_pipelines_sql")
    },
    "take_home_review": {
        "*": ("software_engineering", "ml_modelling", "exploratory_analysis"),
        "ml_engineer": ("software_engineering", "ml_modelling", "production_deployment", "handover_contract"),
    },
    "behavioural": {"*": ("communication", "business_impact", "handover_contract", "problem_formulation")},
}
DURATION_MINUTES = {
    "screen": 30,
    "technical": 60,
    "system_design": 60,
    "take_home_review": 45,
    "behavioural": 45,
}

FIRST_NAMES = (
    "Aisha", "Amara", "Anders", "Anika", "Arjun", "Beatriz", "Bilal", "Camille", "Chen", "Chloé",
    "Daniel", "Dmitri", "Elena", "Emeka", "Ethan", "Farah", "Felix", "Grace", "Hana", "Hannah",
    "Hiroshi", "Inès", "Isaac", "Jamal", "Jana", "Javier", "Jin", "José", "Kavya", "Kofi",
    "Lars", "Layla", "Leila", "Lucas", "Marcus", "Mateo", "Maya", "Mei", "Nadia", "Nikhil",
    "Nora", "Oluwaseun", "Omar", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Samir", "Sofia",
    "Soo-ah", "Tariq", "Thea", "Tomás", "Valentina", "Wei", "Yara", "Yusuf", "Zainab", "Zoë",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Alvarez", "Andersson", "Bakker", "Banerjee", "Becker", "Costa", "Dubois", "Eriksen",
    "Ferreira", "Fischer", "Garcia", "Gupta", "Haddad", "Hoffmann", "Hughes", "Ibrahim", "Iyer",
    "Jansen", "Khan", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Mahmoud", "Martins", "Mensah",
    "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak", "O'Brien", "Osei", "Patel", "Quinn",
    "Rahman", "Reyes", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Suzuki", "Tan", "Taylor",
    "Torres", "Usman", "Varga", "Wagner", "Walsh", "Wang", "Weber", "Yilmaz", "Zhang", "Horvat",
    "Chowdhury", "Lindgren",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# What was asked, per area; evidence notes quote it so they read like notes from a real round.
PROBES: dict[str, tuple[str, ...]] = {
    "software_engineering": ("refactoring the notebook into a tested module", "the debugging exercise"),
    "statistics_experimentation": ("sizing and reading the A/B test", "the hypothesis-testing questions"),
    "exploratory_analysis": ("exploring the messy orders dataset", "cleaning and profiling the sample data"),
    "ml_modelling": ("choosing and validating a churn model", "the baseline-versus-model comparison"),
    "deep_learning": ("the text-classification discussion", "fine-tuning a pretrained network"),
    "production_deployment": ("serving the model behind an API", "the batch-versus-real-time trade-off"),
    "data_pipelines_sql": ("the SQL window-function task", "designing the daily training pipeline"),
    "mlops_monitoring": ("detecting drift after launch", "the retraining and rollback plan"),
    "cloud_containers": ("containerising the scoring service", "the Kubernetes deployment questions"),
    "problem_formulation": ("making a vague churn question measurable", "framing the pricing problem"),
    "communication": ("explaining results to a non-technical manager", "walking through their write-up"),
    "business_impact": ("prioritising work by expected value", "tying the model to a business metric"),
    "handover_contract": ("what to hand over to the ML engineers", "agreeing latency and accuracy targets"),
}  # fmt: skip
EVIDENCE: dict[int, tuple[str, ...]] = {
    1: (
        "Struggled with {probe}; needed heavy prompting and never reached a working answer.",
        "Could not make progress on {probe}.",
    ),
    2: (
        "Partial answer on {probe}; missed key steps without hints.",
        "Got started on {probe}, but the approach had clear gaps.",
    ),
    3: (
        "A reasonable, workable approach to {probe}; some gaps on edge cases.",
        "Handled {probe} competently with a little prompting.",
    ),
    4: (
        "Clear, well-structured answer on {probe}; raised the trade-offs unprompted.",
        "Strong on {probe}; only minor gaps.",
    ),
    5: (
        "Excellent on {probe}: went beyond the question and anticipated the follow-ups.",
        "Outstanding handling of {probe}; among the best answers I have heard.",
    ),
}
NOT_ASSESSED_EVIDENCE = ("Ran out of time before we got to this.", "Covered in another round; skipped here.")
SUMMARIES = {
    Recommendation.STRONG_YES: "Strong across the board; I would hire.",
    Recommendation.YES: "A solid session; above the bar overall.",
    Recommendation.NO: "Not at the bar yet.",
    Recommendation.STRONG_NO: "Well below the bar for this role.",
}
# Voluntary self-identification (hiring.demographics), as a separate survey would collect it: most
# candidates answer, some prefer not to say or skip a question. Independent of skill, so the demo's
# adverse-impact table shows groups without a real difference in selection.
ANSWERED_SHARE = 0.9
GENDER_SHARES = (("woman", 42), ("man", 45), ("non_binary", 3), ("prefer_not_to_say", 5), ("", 5))
ETHNICITY_SHARES = (
    ("white", 34), ("asian", 28), ("black", 12), ("hispanic_latino", 12), ("two_or_more", 4),
    ("prefer_not_to_say", 5), ("", 5),
)  # fmt: skip
AMEND_REASONS = (
    "Re-read my notes: the follow-up answer was stronger than I first credited.",
    "Calibrated with the panel; I had been harsher here than our anchors say.",
    "Corrected a slip: I rated the wrong level for this area.",
)


def _rng(offset: int = 0) -> random.Random:
    # Demo data, not secrets: a seeded generator keeps the dataset the same on every database.
    return random.Random(SEED + offset)  # noqa: S311


def _candidate_rng(number: int) -> random.Random:
    """A generator per candidate: which interviews have happened depends on the clock, and with one
    stream for everyone that would change every later candidate's levels and ratings. Each
    candidate's own stream keeps the others the same whenever the demo is seeded."""
    return random.Random(f"{SEED}:candidate:{number}")  # noqa: S311


def _clip(value: float, low: float = 1, high: float = 5) -> float:
    return max(low, min(high, value))


def recommendation_for(levels: list[int]) -> str:
    """The overall recommendation an interviewer would give for these ratings' average."""
    average = mean(levels)
    if average >= 4:
        return Recommendation.STRONG_YES
    if average >= 3:
        return Recommendation.YES
    if average >= 2:
        return Recommendation.NO
    return Recommendation.STRONG_NO


# Users -------------------------------------------------------------------------


def _user_ensure(*, username: str, first_name: str, last_name: str, password_hash: str, **extra):
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.com",
            "password": password_hash,
            **extra,
        },
    )
    return user


def demo_users_ensure() -> dict[str, AbstractBaseUser]:
    """Fetch or create the demo users; existing users keep their passwords.

    The groups exist after ``migrate`` (``hiring.roles.groups_ensure``); this reuses them.
    """
    groups: dict[str, Group] = roles.groups_ensure()
    user_model = get_user_model()
    username, password = DEMO_ADMIN
    admin, created = user_model.objects.get_or_create(
        username=username,
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
    )
    if created:
        admin.set_password(password)
        admin.save(update_fields=["password"])

    people = (RECRUITER, *COMMITTEE, *INTERVIEWERS)
    usernames = {person.username for person in people}
    existing = set(user_model.objects.filter(username__in=usernames).values_list("username", flat=True))
    # Hashing is deliberately slow, so the new users share one hash of the published demo password.
    password_hash = make_password(DEMO_PASSWORD) if usernames - existing else ""
    users = {}
    for person in people:
        user = _user_ensure(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            password_hash=password_hash,
            is_staff=person is RECRUITER,  # the recruiter works in the Django admin too
        )
        user.groups.add(groups[person.group])
        users[person.username] = user
    return users


# The dataset -------------------------------------------------------------------


def demo_data_exists() -> bool:
    return Candidate.objects.filter(source=DEMO_SOURCE).exists()


def _candidate_names(rng: random.Random) -> list[str]:
    firsts, lasts = list(FIRST_NAMES), list(LAST_NAMES)
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def _email(rng: random.Random, name: str) -> str:
    first, last = name.split(" ", 1)
    return f"{slugify(first)}.{slugify(last).replace('-', '')}@{rng.choice(EMAIL_DOMAINS)}"


def _working_day(today: datetime, offset: int) -> datetime:
    """The ``offset``-th working day after ``today`` (before it when negative); never ``today`` itself.

    Counting in working days keeps the plan the same whatever the day of the week
    and the hour the demo is seeded: an interview is held (so has scorecards) when
    its offset is negative, upcoming when positive.
    """
    step = 1 if offset > 0 else -1
    day, remaining = today, abs(offset)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def _working_slot(rng: random.Random, *, today: datetime, day_offset: int) -> datetime:
    """A half-hour slot in working hours on the ``day_offset``-th working day from today."""
    day = _working_day(today, day_offset)
    return day.replace(hour=rng.choice((9, 10, 11, 13, 14, 15, 16)), minute=rng.choice((0, 30)))


def _focus_for(rng: random.Random, *, kind: str, role_key: str) -> list[str]:
    choices = FOCUS_AREAS[kind]
    keys = choices.get(role_key, choices.get("*"))
    if len(keys) <= 3:
        return list(keys)
    kept = set(rng.sample(keys, k=rng.randint(3, len(keys))))
    return [key for key in keys if key in kept]


@dataclass
class PlannedInterview:
    kind: str
    # Working days from the seeding day: negative for one held, positive for one to come.
    day: int
    scheduled_at: datetime
    focus_area_keys: list[str]
    interviewers: list[DemoInterviewer]

    def ends_at(self) -> datetime:
        return self.scheduled_at + timedelta(minutes=DURATION_MINUTES[self.kind])


def _plan_interviews(rng: random.Random, *, opening: DemoOpening, today: datetime) -> list[PlannedInterview]:
    """A screen then one or two later rounds, a few working days apart, from 3 weeks ago to 1 week ahead.

    Interviewers are dealt round-robin from a shuffled panel, so every
    application meets at least two different interviewers and the panels
    overlap across candidates (which leniency estimates need).
    """
    later = rng.sample(opening.later_rounds, k=rng.choice((1, 2)))
    kinds = ["screen", *(kind for kind in opening.later_rounds if kind in later)]
    gaps = [rng.randint(2, 3) for _ in kinds[1:]]
    day = rng.randint(-15, 5 - sum(gaps))
    panel = rng.sample(INTERVIEWERS, k=len(INTERVIEWERS))
    dealt = 0
    planned = []
    for index, kind in enumerate(kinds):
        if index:
            day += gaps[index - 1]
        day = day or 1  # today's rounds go to tomorrow: whether one is held never follows the clock
        count = 2 if kind != "screen" and rng.random() < 0.3 else 1
        interviewers = [panel[(dealt + i) % len(panel)] for i in range(count)]
        dealt += count
        planned.append(
            PlannedInterview(
                kind=kind,
                day=day,
                scheduled_at=_working_slot(rng, today=today, day_offset=day),
                focus_area_keys=_focus_for(rng, kind=kind, role_key=opening.role_key),
                interviewers=interviewers,
            )
        )
    return planned


def _stage_for(rng: random.Random, *, planned: list[PlannedInterview], fit: float) -> str:
    offer_draw, reject_draw = rng.random(), rng.random()
    held = [interview for interview in planned if interview.day < 0]
    if not held:
        return Application.Stage.SCREENING
    if len(held) == len(planned):
        if fit > -0.1 and offer_draw < 0.75:
            return Application.Stage.OFFER
        if fit < -0.9 and reject_draw < 0.8:
            return Application.Stage.REJECTED
    return Application.Stage.INTERVIEWING


def _rating_inputs(
    rng: random.Random, *, true_levels: dict[str, float], focus: list[str], interviewer: DemoInterviewer
) -> list[RatingInput]:
    ratings = []
    for index, key in enumerate(focus):
        # Now and then an area goes unassessed, but never the first, so there is always a level.
        if index and rng.random() < 0.05:
            ratings.append(
                RatingInput(area_key=key, not_assessed=True, evidence=rng.choice(NOT_ASSESSED_EVIDENCE))
            )
            continue
        seen = true_levels[key] + interviewer.leniency_offset + rng.gauss(0, interviewer.noise)
        level = int(_clip(round(seen)))
        evidence = rng.choice(EVIDENCE[level]).format(probe=rng.choice(PROBES[key]))
        ratings.append(RatingInput(area_key=key, level=level, evidence=evidence))
    return ratings


def _summary(*, recommendation: str, ratings: list[RatingInput], area_names: dict[str, str]) -> str:
    rated = sorted((r for r in ratings if r.level is not None), key=lambda r: r.level)
    summary = SUMMARIES[recommendation]
    if rated[-1].level > rated[0].level:
        summary += f" Strongest: {area_names[rated[-1].area_key]}; weakest: {area_names[rated[0].area_key]}."
    return summary


@dataclass
class SeededScorecard:
    scorecard: Scorecard
    user: AbstractBaseUser
    ratings: list[RatingInput]


def _scorecards_write(
    rng: random.Random,
    *,
    interview: Interview,
    planned: PlannedInterview,
    stage: str,
    true_levels: dict[str, float],
    users: dict[str, AbstractBaseUser],
    area_names: dict[str, str],
    now: datetime,
) -> list[SeededScorecard]:
    """Scorecards for a held interview: most submitted, some drafts, some not started.

    Decided applications (offer, rejected) have every scorecard in; the
    latest interviews are the likeliest still to be owed.
    """
    submitted = []
    recent = planned.day >= -2
    for person in planned.interviewers:
        user = users[person.username]
        draw = rng.random()
        if stage in (Application.Stage.OFFER, Application.Stage.REJECTED):
            status = "submitted"
        elif recent:
            status = "submitted" if draw < 0.4 else "draft" if draw < 0.65 else "none"
        else:
            status = "submitted" if draw < 0.72 else "draft" if draw < 0.85 else "none"
        ratings = _rating_inputs(
            rng, true_levels=true_levels, focus=planned.focus_area_keys, interviewer=person
        )
        # Drawn whatever the status, so the status does not shift later draws.
        draft_length = rng.randint(1, len(ratings) - 1)
        delay_hours = rng.uniform(0.5, 72)
        if status == "none":
            continue
        if status == "draft":
            # Half-filled: the first areas rated, no recommendation yet.
            scorecard_save_draft(interview=interview, user=user, ratings=ratings[:draft_length])
            continue
        recommendation = recommendation_for([r.level for r in ratings if r.level is not None])
        scorecard = scorecard_save_draft(
            interview=interview,
            user=user,
            recommendation=recommendation,
            summary=_summary(recommendation=recommendation, ratings=ratings, area_names=area_names),
            ratings=ratings,
        )
        scorecard = scorecard_submit(scorecard=scorecard, user=user)
        # Demo realism: submitted some hours to days after the interview, not at seed time,
        # so turnaround figures mean something.
        submitted_at = min(now, planned.ends_at() + timedelta(hours=delay_hours))
        Scorecard.objects.filter(pk=scorecard.pk).update(submitted_at=submitted_at)
        ScorecardRevision.objects.filter(scorecard=scorecard, number=1).update(created_at=submitted_at)
        scorecard.submitted_at = submitted_at
        submitted.append(SeededScorecard(scorecard, user, ratings))
    return submitted


def _raisable(rating: RatingInput) -> bool:
    return rating.level is not None and rating.level < 5


def _amend(rng: random.Random, *, seeded: SeededScorecard, reason: str, area_names: dict[str, str]) -> None:
    """Raise one area a level, as a second look at the notes would, and amend with ``reason``."""
    ratings = list(seeded.ratings)
    index = next(i for i, r in enumerate(ratings) if _raisable(r))
    old = ratings[index]
    level = old.level + 1
    evidence = rng.choice(EVIDENCE[level]).format(probe=rng.choice(PROBES[old.area_key]))
    ratings[index] = RatingInput(area_key=old.area_key, level=level, evidence=evidence)
    recommendation = recommendation_for([r.level for r in ratings if r.level is not None])
    scorecard_amend(
        scorecard=seeded.scorecard,
        user=seeded.user,
        reason=reason,
        recommendation=recommendation,
        summary=_summary(recommendation=recommendation, ratings=ratings, area_names=area_names),
        ratings=ratings,
    )


def _share_pick(rng: random.Random, shares: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in shares], weights=[weight for _, weight in shares])[0]


def demo_demographics_create(*, candidates: list[Candidate], now: datetime) -> int:
    """Voluntary demographic answers for most demo candidates, through the CSV import's service.

    Drawn from a generator of their own, so the rest of the dataset does not change with them.
    """
    rng = _rng(offset=1)
    rows = []
    for candidate in candidates:
        if rng.random() >= ANSWERED_SHARE:
            continue  # never opened the survey
        consented_at = now - timedelta(days=rng.randint(7, 40), minutes=rng.randint(0, 600))
        rows.append(
            {
                "candidate_id": str(candidate.pk),
                "gender": _share_pick(rng, GENDER_SHARES),
                "ethnicity": _share_pick(rng, ETHNICITY_SHARES),
                "consented_at": consented_at.isoformat(),
            }
        )
    return demographic_responses_import(rows=rows, source="demo survey", actor=None)


def demo_data_create(*, version: RubricVersion, users: dict[str, AbstractBaseUser], now: datetime) -> None:
    """Create the openings, candidates, applications, interviews and scorecards of the demo."""
    rng = _rng()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    area_names = {area.key: area.name for area in version.areas.all()}
    profiles = {profile.role.key: profile for profile in version.profiles.all()}
    names = _candidate_names(rng)
    submitted: list[SeededScorecard] = []
    candidates: list[Candidate] = []
    number = 0
    for demo_opening in OPENINGS:
        profile = profiles[demo_opening.role_key]
        expected = {entry.area.key: entry.expected_level for entry in profile.entries.all()}
        opening = Opening.objects.filter(title=demo_opening.title, role=profile.role).first()
        if opening is None:
            opening = opening_create(
                title=demo_opening.title,
                role=profile.role,
                rubric_version=version,
                committee=[users[username] for username in demo_opening.committee],
            )
        for _ in range(CANDIDATES_PER_OPENING):
            number += 1
            name = names[number - 1]
            draws = _candidate_rng(number)
            # Applicants lean towards the role's profile, most of them a little under its bar;
            # ability shifts a candidate's areas up or down together.
            ability = draws.gauss(0, 0.6)
            true_levels = {
                key: _clip(level - 0.6 + ability + draws.gauss(0, 0.6)) for key, level in expected.items()
            }
            fit = mean(true_levels[key] - level for key, level in expected.items())
            planned = _plan_interviews(draws, opening=demo_opening, today=today)
            stage = _stage_for(draws, planned=planned, fit=fit)
            candidate = candidate_create(
                name=name,
                email=_email(draws, name),
                source=DEMO_SOURCE,
                external_id=f"demo-cand-{number:03d}",
            )
            candidates.append(candidate)
            application = application_create(
                candidate=candidate,
                opening=opening,
                stage=stage,
                source=DEMO_SOURCE,
                external_id=f"demo-app-{number:03d}",
            )
            for plan in planned:
                interview = interview_schedule(
                    application=application,
                    kind=plan.kind,
                    scheduled_at=plan.scheduled_at,
                    focus_area_keys=plan.focus_area_keys,
                    interviewers=[users[person.username] for person in plan.interviewers],
                    duration_minutes=DURATION_MINUTES[plan.kind],
                )
                if plan.day < 0:
                    submitted += _scorecards_write(
                        draws,
                        interview=interview,
                        planned=plan,
                        stage=stage,
                        true_levels=true_levels,
                        users=users,
                        area_names=area_names,
                        now=now,
                    )
    amendable = [seeded for seeded in submitted if any(_raisable(r) for r in seeded.ratings)]
    for seeded, reason in zip(rng.sample(amendable, k=len(AMEND_REASONS)), AMEND_REASONS, strict=True):
        _amend(rng, seeded=seeded, reason=reason, area_names=area_names)
    demo_demographics_create(candidates=candidates, now=now)
    demo_take_homes_create(applications_by_role=_take_home_applications())


def _take_home_applications() -> dict[str, list[Application]]:
    """Per role, the applications that get a take-home: those past screening, in id order."""
    chosen: dict[str, list[Application]] = {}
    for demo_opening in OPENINGS:
        chosen[demo_opening.role_key] = list(
            Application.objects.filter(
                source=DEMO_SOURCE,
                opening__title=demo_opening.title,
                opening__role__key=demo_opening.role_key,
            )
            .exclude(stage__in=["applied", "rejected", "withdrawn"])
            .order_by("pk")[: len(TAKE_HOME_STAGES)]
        )
    return chosen


# Output ------------------------------------------------------------------------


def demo_counts(*, now: datetime) -> dict[str, int]:
    interviews = Interview.objects.filter(application__source=DEMO_SOURCE)
    scorecards = Scorecard.objects.filter(interview__application__source=DEMO_SOURCE)
    submitted = Scorecard.objects.filter(
        interview=OuterRef("interview"),
        interviewer=OuterRef("interviewer"),
        status=Scorecard.Status.SUBMITTED,
    )
    return {
        "openings": Opening.objects.filter(applications__source=DEMO_SOURCE).distinct().count(),
        "candidates": Candidate.objects.filter(source=DEMO_SOURCE).count(),
        "interviews": interviews.count(),
        "upcoming": interviews.filter(scheduled_at__gt=now).count(),
        "submitted": scorecards.filter(status=Scorecard.Status.SUBMITTED).count(),
        "amended": scorecards.filter(revision__gt=1).count(),
        "drafts": scorecards.filter(status=Scorecard.Status.DRAFT).count(),
        "demographics": DemographicResponse.objects.filter(candidate__source=DEMO_SOURCE).count(),
        "owed": Assignment.objects.filter(
            interview__application__source=DEMO_SOURCE, interview__scheduled_at__lt=now
        )
        .exclude(Exists(submitted))
        .count(),
    }


def _openings_phrase(titles: list[str]) -> str:
    if len(titles) == len(OPENINGS):
        return "all three openings"
    return "; ".join(titles)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, what they can do) for every demo login, as the README lists them."""
    rows = [
        (DEMO_ADMIN[0], DEMO_ADMIN[1], "Django admin, everything"),
        (RECRUITER.username, DEMO_PASSWORD, "recruiter: every opening and scorecard; Django admin"),
    ]
    for member in COMMITTEE:
        titles = [opening.title for opening in OPENINGS if member.username in opening.committee]
        rows.append((member.username, DEMO_PASSWORD, f"hiring committee: {_openings_phrase(titles)}"))
    for person in INTERVIEWERS:
        rows.append((person.username, DEMO_PASSWORD, f"interviewer ({person.described})"))
    return rows


@contextmanager
def _task_successes_unlogged() -> Iterator[None]:
    # Without a broker the recompute tasks run inline, one INFO line each; they would bury the logins.
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(max(logging.WARNING, level))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = "Create the demo users and data (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        version = rubric_version_current()
        if version is None:
            raise CommandError("No rubric is loaded; run `python manage.py load_rubrics` first.")
        now = timezone.now()
        with _task_successes_unlogged(), transaction.atomic():
            users = demo_users_ensure()
            if demo_data_exists():
                self.stdout.write("The demo data already exists; nothing was added.")
            else:
                demo_data_create(version=version, users=users, now=now)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        counts = demo_counts(now=now)
        self.stdout.write(
            "  {openings} openings, {candidates} candidates, {interviews} interviews ({upcoming} upcoming); "
            "scorecards: {submitted} submitted ({amended} amended), {drafts} drafts; "
            "{owed} still owed for interviews held, drafts included; "
            "{demographics} voluntary demographic answers.".format(**counts)
        )
        self.stdout.write("Demo logins:")
        rows = [("username", "password", "can"), *demo_logins()]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        for username, password, can in rows:
            self.stdout.write(f"  {username:<{widths[0]}}  {password:<{widths[1]}}  {can}")
