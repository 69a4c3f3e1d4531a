"""The opening dashboard's take-home column: each application's status, the report linked once graded."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takehomes.models import TakeHome
from tests.factories import ApplicationFactory
from tests.review.takehomes.conftest import take_home_make

pytestmark = pytest.mark.django_db

# The dashboard's reads, the take-homes one prefetch among them (review.selectors.opening_applications).
DASHBOARD_QUERIES = 14


def dashboard_url(opening) -> str:
    return reverse("review:opening-dashboard", args=[opening.pk])


def take_home_cell(html: str, candidate: str) -> str:
    row = re.search(rf"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?{candidate}.*?</tr>", html, re.S).group(0)
    cell = re.search(r'<td class="take-home-cell">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


def test_each_status_shows_in_the_column_and_a_graded_one_links_its_report(
    client, recruiter, opening, application, mle_exercise, ds_exercise, graded
):
    now = timezone.now()
    sent = ApplicationFactory(opening=opening, candidate__name="Sam Sent")
    take_home_make(sent, ds_exercise)
    opened = ApplicationFactory(opening=opening, candidate__name="Olive Opened")
    take_home_make(
        opened, ds_exercise, status=TakeHome.Status.OPENED, opened_at=now, deadline_at=now + timedelta(days=1)
    )
    submitted = ApplicationFactory(opening=opening, candidate__name="Sue Submitted")
    take_home_make(submitted, ds_exercise, status=TakeHome.Status.SUBMITTED, submitted_at=now)
    lapsed = ApplicationFactory(opening=opening, candidate__name="Ed Expired")
    # Never opened, and past the link's expiry: stored as "sent", shown as expired.
    take_home_make(lapsed, ds_exercise, sent_days_ago=ds_exercise.expiry_days + 1)
    late = ApplicationFactory(opening=opening, candidate__name="Lou Late")
    # Opened, and past the deadline without handing in.
    take_home_make(
        late,
        ds_exercise,
        status=TakeHome.Status.OPENED,
        opened_at=now - timedelta(days=4),
        deadline_at=now - timedelta(hours=1),
    )
    ApplicationFactory(opening=opening, candidate__name="Nat None")
    take_home, _ = graded()
    client.force_login(recruiter)

    html = client.get(dashboard_url(opening)).content.decode()

    assert '<th scope="col">Take-home</th>' in html
    assert take_home_cell(html, "Sam Sent") == "Sent"
    assert take_home_cell(html, "Olive Opened") == "Opened"
    assert take_home_cell(html, "Sue Submitted") == "Submitted"
    assert take_home_cell(html, "Ed Expired") == "Expired"
    assert take_home_cell(html, "Lou Late") == "Expired"
    assert take_home_cell(html, "Nat None") == "not sent"
    assert take_home_cell(html, "Ada Lovelace") == "Graded report on Ada Lovelace's take-home"
    report_url = reverse("review:take-home-report", args=[take_home.pk])
    assert html.count(f'href="{report_url}"') == 1


def test_the_dashboard_runs_the_same_number_of_queries_whatever_the_take_homes(
    client, recruiter, opening, ds_exercise, mle_exercise, django_assert_num_queries
):
    def add_applications(n):
        for _ in range(n):
            application = ApplicationFactory(opening=opening)
            take_home_make(application, ds_exercise)
            take_home_make(application, mle_exercise, status=TakeHome.Status.OPENED, opened_at=timezone.now())

    client.force_login(recruiter)
    add_applications(1)
    client.get(dashboard_url(opening))  # the session and the caches, warmed
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(dashboard_url(opening))
    add_applications(6)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(dashboard_url(opening))

    assert response.content.decode().count('<td class="take-home-cell">') == 7
