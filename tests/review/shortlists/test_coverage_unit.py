"""Coverage has one unit, named in the header: a whole percentage on the page, the dashboard and the CSV."""

import csv
import io
import re

import pytest
from django.urls import reverse

from review.templatetags.review import coverage_percent
from scoring.models import FitScore

pytestmark = pytest.mark.django_db


def test_coverage_reads_as_a_whole_percentage_rounded_half_up():
    assert [coverage_percent(value) for value in (0.288, 0.125, 1.0, 0.0, None)] == [
        "29",
        "13",
        "100",
        "0",
        "",
    ]


def test_the_page_the_dashboard_and_the_csv_show_the_same_coverage_in_the_same_unit(
    client, recruiter, review_opening, snapshot
):
    opening, applications, *_ = review_opening(2)
    thin = applications[0]
    FitScore.objects.filter(application=thin, role=opening.role).update(coverage=0.288)
    shortlist = snapshot(opening)
    client.force_login(recruiter)

    page = client.get(reverse("review:shortlist-detail", args=[shortlist.pk]))
    dashboard = client.get(reverse("review:opening-dashboard", args=[opening.pk])).content.decode()
    header, *rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("review:shortlist-export", args=[shortlist.pk])).content.decode())
        )
    )

    assert "Coverage (%)" in [h.label for h in page.context["headers"]]
    html = page.content.decode()
    cells = re.findall(r'<td class="col-coverage num">([^<]*)</td>', html)
    column = header.index("coverage_percent")
    assert {row[1]: row[column] for row in rows}[thin.candidate.name] == "29"
    assert sorted(cells) == sorted(row[column] for row in rows)
    assert '<th scope="col" class="num">Coverage (%)</th>' in dashboard
    assert '<td class="num">29</td>' in dashboard
    assert "0.288" not in html + dashboard


def test_the_profile_and_the_debrief_round_coverage_as_the_shortlist_does(
    client, recruiter, review_opening, snapshot
):
    # 0.125 is where rounding half to even (12) and half up (13) part.
    opening, applications, *_ = review_opening(1)
    application = applications[0]
    FitScore.objects.filter(application=application, role=opening.role).update(coverage=0.125)
    client.force_login(recruiter)

    profile = client.get(reverse("review:application-profile", args=[application.pk])).content.decode()
    debrief = client.get(reverse("review:application-debrief", args=[application.pk])).content.decode()

    assert "13% of the role's weight assessed" in profile
    assert '<td class="num">13%</td>' in debrief
    assert "12%" not in profile + debrief
