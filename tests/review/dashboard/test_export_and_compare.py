"""The CSV export of a snapshot and the comparison with the previous snapshot."""

import csv
import io

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from assessments.models import Scorecard
from assessments.services import RatingInput, scorecard_amend
from review.views.shortlists import csv_safe
from scoring.shortlists import shortlist_create
from tests.factories import ApplicationFactory, InterviewFactory
from tests.scoring.conftest import AREAS, submit

pytestmark = pytest.mark.django_db

ROLES = ["data_scientist", "ml_engineer", "full_stack_data_scientist"]
# The ML engineer role's must-haves, in the rubric's area order.
BARS = ["software_engineering", "production_deployment", "mlops_monitoring", "cloud_containers"]
HEADER = [
    "rank",
    "candidate",
    "application_id",
    "stage",
    *[f"{role}_{part}" for role in ROLES for part in ("fit", "lower", "upper")],
    "coverage_percent",
    "meets_bars_probability",
    *[f"below_bar_probability_{bar}" for bar in BARS],
    "below_bar",
    "consider_role",
    "disagreement",
    "recommendations_strong_no",
    "recommendations_no",
    "recommendations_yes",
    "recommendations_strong_yes",
]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def number(value, digits=1):
    return floatformat(value, f"{digits}u")


def test_the_export_has_one_row_per_entry_with_fits_flags_and_recommendations(
    client, committee_member, review_opening, snapshot
):
    opening, applications, *_ = review_opening(2)
    for application, name in zip(applications, ["Ada Lovelace", "Grace Hopper"], strict=True):
        application.candidate.name = name
        application.candidate.save()
    shortlist = snapshot(opening)
    client.force_login(committee_member)

    response = client.get(reverse("review:shortlist-export", args=[shortlist.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    filename = "shortlist-opening-ml_engineer-snapshot-1.csv"  # the opening's first snapshot
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    header, *rows = read_csv(response)
    assert header == HEADER
    ada, grace = applications  # skill 1 and 2; each rated by a lenient and a neutral interviewer
    names = {ada.pk: "Ada Lovelace", grace.pk: "Grace Hopper"}
    area_names = dict(opening.rubric_version.areas.values_list("key", "name"))
    expected = []
    for entry in shortlist.entries.order_by("rank"):
        fits = [number(entry.fits[role][part]) for role in ROLES for part in ("fit", "lower", "upper")]
        expected.append(
            [
                str(entry.rank),
                names[entry.application_id],
                str(entry.application_id),
                "interviewing",
                *fits,
                number(entry.coverage * 100, 0),  # a percentage, as on the page
                number(entry.meets_bars_probability, 3),
                *[number(entry.below_bar_probability[bar], 3) for bar in BARS],
                "; ".join(area_names[key] for key in entry.below_bar),
                "",
                "no",
                "0",
                "0",
                "2",
                "0",
            ]
        )
    assert rows == expected
    assert [row[1] for row in rows] == ["Grace Hopper", "Ada Lovelace"]  # the stronger candidate first
    assert rows[1][HEADER.index("below_bar")]  # the weaker one is likely below some must-have


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("Grace Hopper", "Grace Hopper"),
    ],
)
def test_the_export_quotes_cells_a_spreadsheet_would_run_as_formulas(
    client, recruiter, review_opening, snapshot, name, cell
):
    opening, applications, *_ = review_opening(1)
    applications[0].candidate.name = name
    applications[0].candidate.save()
    shortlist = snapshot(opening)
    client.force_login(recruiter)

    _, row = read_csv(client.get(reverse("review:shortlist-export", args=[shortlist.pk])))

    assert row[1] == cell


def test_the_formula_guard_leaves_numbers_and_empty_cells_alone():
    assert [csv_safe(v) for v in (None, "", "72.5", 3, "a=b")] == ["", "", "72.5", "3", "a=b"]
    assert csv_safe("\t=1") == "'\t=1"


def test_a_pending_snapshot_has_nothing_to_export(client, recruiter, review_opening):
    opening, *_ = review_opening(1)
    pending = shortlist_create(opening=opening)
    client.force_login(recruiter)

    response = client.get(reverse("review:shortlist-export", args=[pending.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("review:shortlist-detail", args=[pending.pk])


def test_the_comparison_shows_who_moved_up_or_down_entered_and_left(
    client, recruiter, review_opening, snapshot, django_capture_on_commit_callbacks
):
    # Skill 1..4 for applications 0..3: the first snapshot ranks them 3, 2, 1, 0.
    opening, applications, lenient, neutral = review_opening(4)
    first = snapshot(opening, stages=["interviewing"])
    assert list(first.entries.order_by("rank").values_list("application_id", flat=True)) == [
        a.pk for a in reversed(applications)
    ]
    # Then application 0 is re-rated at the top, 3 is rejected, and a newcomer rated like 3 arrives.
    with django_capture_on_commit_callbacks(execute=True):
        for scorecard in Scorecard.objects.filter(interview__application=applications[0]):
            scorecard_amend(
                scorecard=scorecard,
                user=scorecard.interviewer,
                reason="Re-read the work sample.",
                recommendation="strong_yes",
                summary="",
                ratings=[RatingInput(key, 5) for key in AREAS],
            )
    applications[3].stage = "rejected"
    applications[3].save()
    newcomer = ApplicationFactory(opening=opening, candidate__name="Nina Newcomer")
    interview = InterviewFactory(application=newcomer, focus=AREAS, interviewers=[lenient, neutral])
    with django_capture_on_commit_callbacks(execute=True):
        submit(interview, lenient, {key: 5 for key in AREAS})
        submit(interview, neutral, {key: 4 for key in AREAS})
    second = snapshot(opening, stages=["interviewing"])
    client.force_login(recruiter)

    response = client.get(reverse("review:shortlist-compare", args=[second.pk]))

    assert response.context["previous"] == first
    comparison = response.context["comparison"]
    assert [(m.application_id, m.previous_rank, m.rank, m.delta) for m in comparison.moved_up] == [
        (applications[0].pk, 4, 1, 3)
    ]
    assert [(m.application_id, m.previous_rank, m.rank) for m in comparison.moved_down] == [
        (applications[2].pk, 2, 3),
        (applications[1].pk, 3, 4),
    ]
    assert [(m.application_id, m.rank) for m in comparison.entered] == [(newcomer.pk, 2)]
    assert [(m.application_id, m.previous_rank) for m in comparison.left] == [(applications[3].pk, 1)]
    assert comparison.unchanged == 0
    page = response.content.decode()
    assert "Nina Newcomer" in page
    assert "+3" in page


def test_the_first_snapshot_has_nothing_to_compare_with(client, recruiter, review_opening, snapshot):
    opening, *_ = review_opening(2)
    only = snapshot(opening)
    client.force_login(recruiter)

    response = client.get(reverse("review:shortlist-compare", args=[only.pk]))

    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert "no earlier ready snapshot" in response.content.decode()
