"""The demo data `make run` loads: `python manage.py seed_demo`."""

import datetime as dt
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from statistics import mean

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.test import TestCase, override_settings
from django.utils import timezone

from assessments.models import Rating, Scorecard
from assessments.services import rubric_files, rubric_load
from config.management.commands.seed_demo import (
    CANDIDATES_PER_OPENING,
    DEMO_PASSWORD,
    INTERVIEWERS,
    OPENINGS,
    _candidate_rng,
    _plan_interviews,
    _stage_for,
    demo_logins,
)
from hiring import roles
from hiring.models import Application, Assignment, Candidate, DemographicResponse, Interview, Opening
from integrations.models import AuditEvent
from review.selectors import opening_analytics, opening_snapshots_ready

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
ROLE_KEYS = {"data_scientist", "ml_engineer", "full_stack_data_scientist"}
INTERVIEWER_USERNAMES = {"ivan", "sara", "noah", "mia", "leo"}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The command's output; it seeds once for the module, in a transaction rolled back at the end.

    Seeding takes seconds, so the tests share it. Each test still runs in its own
    savepoint (the django_db mark), so one that writes leaves the next the same data.
    """
    # Hash as the per-test settings in conftest do, so the logins check against the same hasher.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        for path in rubric_files():  # a transactional test elsewhere may have flushed them
            rubric_load(path=path)
        yield seed()
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps and auth, many-to-many tables included."""
    return {
        model._meta.label: model.objects.count()
        for label in ("auth", "hiring", "assessments", "scoring")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def test_seed_opens_one_opening_per_role_on_the_current_rubric_version(seeded, rubric_version):
    openings = Opening.objects.select_related("role")

    assert sorted(opening.role.key for opening in openings) == sorted(ROLE_KEYS)
    assert {opening.rubric_version_id for opening in openings} == {rubric_version.pk}
    assert all(opening.status == Opening.Status.OPEN for opening in openings)


def test_seed_gives_sixty_candidates_an_application_with_two_or_three_interviews(seeded):
    applications = Application.objects.filter(source="demo")

    assert Candidate.objects.filter(source="demo").count() == 60
    assert applications.count() == 60
    assert applications.values("candidate").distinct().count() == 60
    assert sorted(set(applications.values_list("opening__role__key", flat=True))) == sorted(ROLE_KEYS)
    for application in applications.prefetch_related("interviews__focus_areas", "interviews__assignments"):
        # People's interviews: a graded take-home adds the automated grader's own.
        interviews = [i for i in application.interviews.all() if i.kind != Interview.Kind.TAKE_HOME]
        assert 2 <= len(interviews) <= 3
        assert {interview.kind for interview in interviews} >= {Interview.Kind.SCREEN}
        for interview in interviews:
            assert 2 <= len(interview.focus_areas.all()) <= 5
            assert 1 <= len(interview.assignments.all()) <= 2


def test_seed_puts_most_applications_in_interviews_and_some_in_other_stages(seeded):
    stages = list(Application.objects.filter(source="demo").values_list("stage", flat=True))

    assert stages.count(Application.Stage.INTERVIEWING) > len(stages) / 2
    assert len(set(stages)) >= 3


def test_seed_spreads_interviews_from_three_weeks_ago_to_a_week_ahead(seeded):
    now = timezone.now()
    times = list(Interview.objects.values_list("scheduled_at", flat=True))

    assert min(times) >= now - dt.timedelta(days=22)
    assert max(times) <= now + dt.timedelta(days=10)
    assert any(time > now for time in times)
    assert sum(time < now for time in times) > len(times) / 2


def demo_plans(today: dt.datetime) -> list[tuple]:
    """(stage, next draw, planned interviews) of every demo candidate, as seeding on ``today`` draws them."""
    plans = []
    for number, opening in enumerate((o for o in OPENINGS for _ in range(CANDIDATES_PER_OPENING)), 1):
        draws = _candidate_rng(number)
        planned = _plan_interviews(draws, opening=opening, today=today)
        stage = _stage_for(draws, planned=planned, fit=0.0)
        plans.append((stage, draws.random(), planned))
    return plans


def test_the_demo_holds_the_same_interviews_whatever_the_day_and_hour_it_is_seeded():
    """Which interviews are held (so have scorecards and feed the leniency readings) is never the clock's."""
    monday = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    seen = {}
    for today in (monday + dt.timedelta(days=days) for days in range(7)):
        plans = demo_plans(today)
        for _, _, planned in plans:
            for p in planned:
                assert p.scheduled_at.weekday() < 5, (today, p.kind)
                assert (p.scheduled_at < today) == (p.day < 0), (
                    today,
                    p.kind,
                )  # held: before the seeding day
                assert p.day < 0 or p.scheduled_at >= today + dt.timedelta(days=1), (today, p.kind)  # to come
        seen[today.strftime("%A")] = [
            (
                stage,
                draw,
                [(p.kind, p.day, p.scheduled_at.time(), p.focus_area_keys, p.interviewers) for p in planned],
            )
            for stage, draw, planned in plans
        ]

    assert len({repr(plans) for plans in seen.values()}) == 1, "the plan differs by weekday"


def test_seed_creates_five_interviewers_a_recruiter_and_a_committee(seeded):
    user_model = get_user_model()
    interviewers = set(
        user_model.objects.filter(groups__name=roles.INTERVIEWER).values_list("username", flat=True)
    )
    rita = user_model.objects.get(username="rita")
    carla = user_model.objects.get(username="carla")

    assert interviewers == INTERVIEWER_USERNAMES
    assert roles.is_recruiter(rita)
    assert rita.is_staff
    assert rita.has_perm("hiring.change_application")
    assert rita.has_perm("assessments.view_scorecard")
    assert user_model.objects.filter(committee_openings__isnull=False).distinct().count() >= 2
    for opening in Opening.objects.all():
        assert roles.is_committee_member(carla, opening.pk)
        assert not opening.committee.filter(groups__name=roles.INTERVIEWER).exists()


def test_seed_leaves_submitted_and_draft_scorecards_and_interviews_still_owed_one(seeded):
    now = timezone.now()
    held = Assignment.objects.filter(interview__scheduled_at__lt=now)
    submitted = Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED)
    drafts = Scorecard.objects.filter(status=Scorecard.Status.DRAFT)
    not_started = held.exclude(
        Exists(Scorecard.objects.filter(interview=OuterRef("interview"), interviewer=OuterRef("interviewer")))
    )

    assert submitted.count() > 80
    assert 0.6 < submitted.count() / held.count() < 0.9
    assert drafts.count() > 0
    assert not_started.count() > 0
    assert not Scorecard.objects.filter(interview__scheduled_at__gt=now).exists()


def test_every_submitted_scorecard_rates_or_marks_every_focus_area(seeded):
    submitted = Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED).prefetch_related(
        "ratings", "interview__focus_areas", "revisions"
    )

    for scorecard in submitted:
        answered = {r.area_id for r in scorecard.ratings.all() if r.level is not None or r.not_assessed}
        assert answered == {area.pk for area in scorecard.interview.focus_areas.all()}
        assert all(r.evidence for r in scorecard.ratings.all())
        assert scorecard.recommendation
        assert scorecard.summary
        assert len(scorecard.revisions.all()) == scorecard.revision
    assert Rating.objects.filter(not_assessed=True).exists()


def test_a_few_submitted_scorecards_are_amended_with_a_reason(seeded):
    amended = Scorecard.objects.filter(revision__gt=1)

    assert 2 <= amended.count() <= 5
    for scorecard in amended:
        latest = scorecard.revisions.get(number=scorecard.revision)
        assert latest.reason
        assert latest.ratings != scorecard.revisions.get(number=1).ratings


def test_the_lenient_interviewer_rates_clearly_higher_than_the_severe_one(seeded):
    def mean_rating(username: str) -> float:
        levels = Rating.objects.filter(
            scorecard__interviewer__username=username,
            scorecard__status=Scorecard.Status.SUBMITTED,
            level__isnull=False,
        ).values_list("level", flat=True)
        return mean(levels)

    assert mean_rating("ivan") - mean_rating("sara") > 0.6


def test_every_candidate_meets_two_interviewers_and_submissions_link_all_five(seeded):
    for application in Application.objects.filter(source="demo"):
        interviewers = Assignment.objects.filter(interview__application=application)
        assert interviewers.values("interviewer").distinct().count() >= 2

    # Interviewers who scored the same application are linked; leniency needs one connected group.
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for interviewer, application_id in Scorecard.objects.filter(
        status=Scorecard.Status.SUBMITTED
    ).values_list("interviewer__username", "interview__application_id"):
        parent[root(interviewer)] = root(f"application {application_id}")
    assert len({root(username) for username in INTERVIEWER_USERNAMES}) == 1


def test_the_demo_has_candidates_at_every_stage_of_a_take_home_for_each_role(seeded):
    from takehomes.models import GradingReport, TakeHome

    take_homes = TakeHome.objects.filter(application__source="demo").select_related("exercise__role")
    stages = {}
    for take_home in take_homes:
        stages.setdefault(take_home.exercise.role.key, set()).add(take_home.status)
    graded = GradingReport.objects.filter(
        take_home__application__source="demo", status=GradingReport.Status.GRADED
    ).select_related("take_home__exercise")

    assert set(stages) == ROLE_KEYS
    every_stage = {"sent", "opened", "submitted", "graded", "expired"}
    assert all(statuses == every_stage for statuses in stages.values())
    assert all(report.scorecard_id for report in graded)
    with_model = [report for report in graded if report.take_home.exercise.requires_model]
    assert with_model
    assert {report.model_run["status"] for report in with_model} == {"ok"}
    assert any(item["verdict"] == "over_claimed" for report in graded for item in report.contract["items"])


def test_running_the_seed_twice_creates_nothing_new(seeded):
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "already exists" not in seeded
    assert "already exists" in output
    assert output.split("Demo logins:")[1] == seeded.split("Demo logins:")[1]


def test_the_demo_users_log_in_with_the_printed_passwords(seeded, client):
    table = seeded.split("Demo logins:")[1]
    printed = dict(re.findall(r"^  (\w+)\s+(\S+)\s+\S.*$", table, flags=re.MULTILINE))
    printed.pop("username")

    assert set(printed) == {"admin", "rita", "carla", "cole", *INTERVIEWER_USERNAMES}
    assert {printed[name] for name in printed if name != "admin"} == {DEMO_PASSWORD}
    for username, password in printed.items():
        assert client.login(username=username, password=password), username
        client.logout()


def test_the_readme_lists_every_demo_login():
    readme = README.read_text()

    for username, password, can in demo_logins():
        assert f"| `{username}` | `{password}` | {can} |" in readme


def test_most_demo_candidates_gave_voluntary_demographic_answers_with_consent(seeded):
    answers = DemographicResponse.objects.filter(candidate__source="demo")

    assert 0.75 < answers.count() / 60 < 1
    assert answers.filter(consented_at__isnull=True).count() == 0
    assert answers.filter(gender="prefer_not_to_say").exists() or answers.filter(gender="").exists()
    assert {"woman", "man"} <= set(answers.values_list("gender", flat=True))
    assert AuditEvent.objects.filter(action="demographics.imported").exists()


# What Analytics shows once the demo is scored as `make run` scores it (these come last: the
# module's data then holds the calibration and shortlists for the tests after this point).


@pytest.fixture(scope="module")
def analysed(seeded, django_db_blocker) -> Iterator[None]:
    """``make run``'s next step on the seeded demo: calibrate, recompute and snapshot a shortlist."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # as in `make run`; the per-test autouse fixture is not up yet
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            with TestCase.captureOnCommitCallbacks(execute=True):  # the shortlist builds run on commit
                call_command("recompute_scores", "--shortlist", verbosity=0, stdout=StringIO())
            yield
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager


def test_the_demo_analytics_reads_each_interviewer_s_documented_lean(analysed):
    documented = {f"{person.first_name} {person.last_name}": person.lean for person in INTERVIEWERS}

    for opening in Opening.objects.all():
        analytics = opening_analytics(opening=opening, shortlist=opening_snapshots_ready(opening).first())
        readings = {row.interviewer: row.reading for row in analytics.leniency}
        assert readings, opening.title
        assert readings == {name: documented[name] for name in readings}, opening.title
    assert {person.lean for person in INTERVIEWERS} == {"lenient", "severe", "no clear lean"}


def test_the_demo_adverse_impact_table_has_groups_to_compare(analysed):
    for opening in Opening.objects.all():
        result = opening_analytics(opening=opening, shortlist=opening_snapshots_ready(opening).first())
        gender = next(dimension for dimension in result.impact if dimension.dimension == "gender")
        reported = [group for group in gender.result.groups if not group.suppressed]

        assert result.shortlist is not None, opening.title
        assert len(reported) >= 2, opening.title
        assert gender.excluded < result.applicants / 2, opening.title
