"""The opening analytics page: numbers, definitions, permissions, and no individual's demographics."""

import datetime as dt
import html
import math
import re
from dataclasses import astuple

import pytest
from django.urls import reverse
from django.utils import timezone

from hiring.models import DemographicResponse
from scoring.models import AreaReliability, InterviewerOffset, Shortlist, ShortlistEntry
from tests.factories import (
    ApplicationFactory,
    InterviewFactory,
    OpeningFactory,
    ScorecardFactory,
    UserFactory,
)
from tests.scoring.conftest import scored_opening  # noqa: F401 (the scoring suite's builder, reused)

pytestmark = pytest.mark.django_db

INTERVIEW_START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)  # 60 minutes: ends at 10:00
INTERVIEW_END = INTERVIEW_START + dt.timedelta(hours=1)


def _respond(candidate, *, gender="", ethnicity=""):
    return DemographicResponse.objects.create(
        candidate=candidate, gender=gender, ethnicity=ethnicity, consented_at=timezone.now(), source="survey"
    )


def _shortlist(opening, applications, *, status=Shortlist.Status.READY):
    shortlist = Shortlist.objects.create(
        opening=opening, role=opening.role, status=status, entry_count=len(applications)
    )
    ShortlistEntry.objects.bulk_create(
        ShortlistEntry(shortlist=shortlist, rank=rank, application=application, coverage=1.0, fits={})
        for rank, application in enumerate(applications, start=1)
    )
    return shortlist


def _submitted(interview, user, hours_after_end):
    return ScorecardFactory(
        interview=interview,
        interviewer=user,
        status="submitted",
        revision=1,
        recommendation="yes",
        submitted_at=INTERVIEW_END + dt.timedelta(hours=hours_after_end),
    )


@pytest.fixture
def analytics_opening(opening, interviewer):
    """28 applicants with self-reported answers, a ready shortlist, scorecards, offsets and agreement.

    Gender: woman 8 of 10 selected, man 3 of 10, non-binary 1 of 3 (suppressed: fewer than 5),
    prefer not to say 2, no response 3 (1 of them selected). Ethnicity: 2 Pacific Islander
    (suppressed), 1 prefer not to say, 25 not answered. 13 of 28 selected.
    """
    applications, selected = [], []

    def add(count, chosen, *, respond=True, **answers):
        for index in range(count):
            application = ApplicationFactory(opening=opening)
            if respond:
                _respond(application.candidate, **answers)
            applications.append(application)
            if index < chosen:
                selected.append(application)

    add(10, 8, gender="woman")
    add(9, 3, gender="man")
    add(1, 0, gender="man", ethnicity="prefer_not_to_say")
    add(1, 1, gender="non_binary", ethnicity="pacific_islander")
    add(1, 0, gender="non_binary", ethnicity="pacific_islander")
    add(1, 0, gender="non_binary")
    add(2, 0, gender="prefer_not_to_say")
    add(3, 1, respond=False)

    _shortlist(opening, applications[:1])  # older ready shortlist: superseded
    shortlist = _shortlist(opening, selected)
    _shortlist(opening, applications[:2], status=Shortlist.Status.PENDING)  # newer, not ready: ignored

    ann = UserFactory(username="ann_rater", first_name="Ann", last_name="Rater")
    ben = UserFactory(username="ben_rater", first_name="Ben", last_name="Rater")
    interviews = [
        InterviewFactory(application=application, scheduled_at=INTERVIEW_START, duration_minutes=60)
        for application in applications[:5]
    ]
    for interview, hours in zip(interviews, [1, 2, 3, 4, 10], strict=True):
        _submitted(interview, ann, hours)
    for interview, hours in zip(interviews, [-0.5, 0.5, 2], strict=False):
        _submitted(interview, ben, hours)
    ScorecardFactory(interview=interviews[4], interviewer=ben)  # a draft: not a submission
    InterviewFactory(application=applications[5], interviewers=[interviewer])

    now = timezone.now()
    rubric = opening.rubric_version.rubric
    InterviewerOffset.objects.create(
        rubric=rubric, interviewer=ann, offset=0.5, standard_error=0.2, n_ratings=12, computed_at=now
    )
    InterviewerOffset.objects.create(
        rubric=rubric, interviewer=ben, offset=-0.1, standard_error=0.3, n_ratings=8, computed_at=now
    )
    areas = list(opening.rubric_version.areas.order_by("order")[:3])
    for area, alpha, reading in zip(
        areas, [0.85, 0.7, math.nan], ["reliable", "tentative", "not enough overlap"], strict=True
    ):
        AreaReliability.objects.create(
            opening=opening, area=area, alpha=alpha, n_units=6, n_ratings=13, n_raters=3,
            reading=reading, computed_at=now,
        )  # fmt: skip
    return {"opening": opening, "applications": applications, "shortlist": shortlist, "areas": areas}


def _url(opening):
    return reverse("review:opening-analytics", args=[opening.pk])


def _text(response) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_analytics_url_is_under_review(opening):
    assert _url(opening) == f"/review/openings/{opening.pk}/analytics/"


def test_adverse_impact_shows_rates_ratios_and_fisher_p_from_the_newest_ready_shortlist(
    client, recruiter, analytics_opening
):
    # Gender, analysed 23 applicants (8 + 3 + 1 = 12 selected among them):
    #   woman 8/10 = .80 (highest), man 3/10 = .30 -> ratio .30 / .80 = .375 -> flagged;
    #   non-binary 3 applicants -> suppressed.
    #   Fisher, two-sided, group vs the rest analysed (non-binary included):
    #   woman [[8, 2], [4, 9]] -> 48776 / C(23, 12) = 48776 / 1352078 = 0.0360748...
    #   man   [[3, 7], [9, 4]] -> 0.0995327... (scipy.stats.fisher_exact, checked by the same sum).
    # Left out: 3 not answered, 2 prefer not to say.
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]))

    assert response.status_code == 200
    report = response.context["report"]
    assert report.shortlist == analytics_opening["shortlist"]
    assert (report.applicants, report.selected) == (28, 13)
    gender, ethnicity = report.impact
    assert gender.dimension == "gender"
    woman, man, non_binary = gender.result.groups
    assert (woman.group, woman.applicants, woman.selected) == ("Woman", 10, 8)
    assert woman.rate == pytest.approx(0.8)
    assert woman.impact_ratio == pytest.approx(1.0)
    assert woman.flagged is False
    assert woman.p_value == pytest.approx(0.03607484183604792)
    assert (man.group, man.applicants, man.selected) == ("Man", 10, 3)
    assert man.rate == pytest.approx(0.3)
    assert man.impact_ratio == pytest.approx(0.375)
    assert man.flagged is True
    assert man.p_value == pytest.approx(0.0995327192661962)
    assert (non_binary.group, non_binary.suppressed, non_binary.applicants) == ("Non-binary", True, None)
    assert gender.result.analysed == 23
    assert (gender.not_answered, gender.prefer_not_to_say, gender.excluded) == (3, 2, 5)
    # Ethnicity: only 2 answers, one group, suppressed; 25 not answered, 1 preferred not to say.
    assert [(g.group, g.suppressed) for g in ethnicity.result.groups] == [
        ("Native Hawaiian or Other Pacific Islander", True)
    ]
    assert (ethnicity.not_answered, ethnicity.prefer_not_to_say) == (25, 1)

    text = _text(response)
    assert "Woman (highest rate) 10 8 0.80 1.000 met 0.036" in text
    assert "Man 10 3 0.30 0.375 Below 0.8 0.100" in text
    assert "Non-binary fewer than 5: not shown" in text
    assert "Left out of the gender analysis: 5 (3 not answered, 2 preferred not to say)" in text
    assert "Left out of the ethnicity analysis: 26 (25 not answered, 1 preferred not to say)" in text
    assert "13 selected of 28 applicants" in text
    # The definitions are on the page.
    assert "Applicants are all of this opening's applications" in text
    assert "selected are the applications on the shortlist snapshot analysed" in text
    assert "the newest ready one unless you choose another" in text
    assert "29 CFR 1607.4(D)" in text
    assert "Fisher's exact test, two-sided, of the group against everyone else analysed" in text


def test_the_analytics_page_shows_turnaround_per_interviewer_and_overall(
    client, recruiter, analytics_opening
):
    # Ann: 1, 2, 3, 4, 10 h -> median 3, p90 4 + 0.6 * 6 = 7.6.
    # Ben: -0.5 (counted 0), 0.5, 2 h -> median 0.5, p90 0.5 + 0.8 * 1.5 = 1.7; his draft does not count.
    # All: 0, 0.5, 1, 2, 2, 3, 4, 10 -> median (2 + 2) / 2 = 2, p90 at rank 6.3: 4 + 0.3 * 6 = 5.8.
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]))

    report = response.context["report"]
    assert [(row.interviewer, astuple(row.summary)) for row in report.turnaround] == [
        ("Ann Rater", (5, pytest.approx(3.0), pytest.approx(7.6))),
        ("Ben Rater", (3, pytest.approx(0.5), pytest.approx(1.7))),
    ]
    assert astuple(report.turnaround_overall) == (8, pytest.approx(2.0), pytest.approx(5.8))
    text = _text(response)
    assert "Ann Rater 5 3.0 7.6" in text
    assert "Ben Rater 3 0.5 1.7" in text
    assert "All interviewers 8 2.0 5.8" in text


def test_the_analytics_page_shows_each_interviewers_offset_with_its_80_percent_interval(
    client, committee_member, analytics_opening
):
    # Ann 0.5 -/+ 1.2816 * 0.2 = 0.24 .. 0.76 (lenient); Ben -0.1 -/+ 1.2816 * 0.3 = -0.48 .. 0.28.
    client.force_login(committee_member)

    response = client.get(_url(analytics_opening["opening"]))

    text = _text(response)
    assert "Ann Rater +0.50 0.24 to 0.76 12 lenient" in text
    assert "Ben Rater -0.10 -0.48 to 0.28 8 no clear lean" in text
    assert "80% interval" in text
    assert "points on the 1\N{EN DASH}5 scale" in text


def test_the_analytics_page_reads_agreement_on_krippendorffs_scale_and_says_it_uses_raw_ratings(
    client, recruiter, analytics_opening
):
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]))

    first, second, third = (area.name for area in analytics_opening["areas"])
    text = _text(response)
    assert f"{first} 0.850 reliable 6 13 3" in text
    assert f"{second} 0.700 tentative 6 13 3" in text
    assert f"{third} — not enough overlap 6 13 3" in text
    assert "raw ratings, before the leniency correction" in text
    alpha = "\N{GREEK SMALL LETTER ALPHA}"
    assert (
        f"{alpha} ≥ 0.800 reliable; 0.667 ≤ {alpha} < 0.800 good enough for tentative conclusions only"
        in text
    )


def test_the_analytics_page_never_shows_a_candidate_or_an_individual_answer(
    client, recruiter, analytics_opening
):
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]))

    page = response.content.decode()
    for application in analytics_opening["applications"]:
        assert application.candidate.name not in page
        assert application.candidate.email not in page
        assert reverse("review:application-profile", args=[application.pk]) not in page


def test_the_analytics_page_shows_what_the_scoring_pipeline_computed(client, recruiter, scored_opening):  # noqa: F811
    opening, _, lenient, neutral = scored_opening(6)
    opening.committee.add(recruiter)
    client.force_login(recruiter)

    response = client.get(_url(opening))

    report = response.context["report"]
    stored = {item.interviewer.username: item for item in InterviewerOffset.objects.all()}
    assert {row.interviewer for row in report.leniency} == {lenient.get_full_name(), neutral.get_full_name()}
    top = report.leniency[0]
    assert top.interviewer == lenient.get_full_name()
    assert top.offset == pytest.approx(stored[lenient.username].offset)
    assert top.upper - top.lower == pytest.approx(
        2 * 1.2815515655446004 * stored[lenient.username].standard_error
    )
    assert len(report.agreement) == AreaReliability.objects.filter(opening=opening).count() > 0
    assert report.turnaround_overall.count == 12


def test_the_analytics_page_without_a_ready_shortlist_says_so(client, recruiter, opening):
    _shortlist(opening, [ApplicationFactory(opening=opening)], status=Shortlist.Status.PENDING)
    client.force_login(recruiter)

    response = client.get(_url(opening))

    assert response.status_code == 200
    assert response.context["report"].impact == []
    assert "No ready shortlist for this opening yet" in _text(response)


def test_the_smallest_reported_group_follows_the_setting(client, recruiter, analytics_opening, settings):
    settings.ADVERSE_IMPACT_MIN_GROUP = 11
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]))

    gender = response.context["report"].impact[0]
    assert all(group.suppressed for group in gender.result.groups)
    assert "fewer than 11: not shown" in _text(response)


def test_the_analytics_page_runs_a_fixed_number_of_queries(
    client, recruiter, analytics_opening, django_assert_num_queries
):
    client.force_login(recruiter)
    client.get(_url(analytics_opening["opening"]))  # warm the session and content types

    # session, user, groups, opening, then the ready snapshots (the newest is analysed), agreement,
    # offsets, turnaround, entries, applications, answers.
    with django_assert_num_queries(11):
        client.get(_url(analytics_opening["opening"]))
    for _ in range(5):
        _respond(ApplicationFactory(opening=analytics_opening["opening"]).candidate, gender="man")
    with django_assert_num_queries(11):
        client.get(_url(analytics_opening["opening"]))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 200),
        ("committee_member", 200),
        ("other_committee", 404),
        ("interviewer", 404),
        ("outsider", 404),
    ],
)
def test_only_recruiters_and_the_openings_committee_see_its_analytics(
    client, request, analytics_opening, persona, status
):
    if persona == "other_committee":
        user = UserFactory(username="cody_other_committee", groups=["hiring committee"])
        OpeningFactory(title="Another opening", committee=[user])
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(_url(analytics_opening["opening"]))

    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, opening):
    response = client.get(_url(opening))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_analytics_of_a_missing_opening_is_404(client, recruiter):
    client.force_login(recruiter)

    assert client.get(reverse("review:opening-analytics", args=[999_999])).status_code == 404
