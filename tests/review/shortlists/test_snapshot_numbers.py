"""Snapshots are numbered within their opening ("Snapshot 2" is the opening's second), on every page."""

import re

import pytest
from django.urls import reverse

from scoring.models import Shortlist
from scoring.selectors import shortlists_numbered
from scoring.shortlists import shortlist_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def interleaved(review_opening, snapshot):
    """Two openings whose snapshots were made in turn: each opening's numbers differ from the ids."""
    first, *_ = review_opening(2)
    second, *_ = review_opening(3)
    made = {
        "first 1": snapshot(first),
        "second 1": snapshot(second),
        "first 2": snapshot(first, order_by="lower"),
        "second 2": snapshot(second),
    }
    return first, second, made


def listed_numbers(html: str) -> list[str]:
    return re.findall(r">Snapshot (\d+)</a></th>", html)


def test_each_opening_numbers_its_snapshots_from_one_by_creation(interleaved):
    _, _, made = interleaved

    numbers = dict(shortlists_numbered(Shortlist.objects.all()).values_list("pk", "number"))

    assert {name: numbers[shortlist.pk] for name, shortlist in made.items()} == {
        "first 1": 1,
        "second 1": 1,
        "first 2": 2,
        "second 2": 2,
    }
    assert made["second 1"].pk > made["first 1"].pk  # the ids run across openings


def test_the_shortlist_pages_show_the_openings_own_numbers(client, recruiter, interleaved):
    _, second, made = interleaved
    client.force_login(recruiter)

    newest = client.get(reverse("review:opening-shortlist", args=[second.pk])).content.decode()
    detail = client.get(reverse("review:shortlist-detail", args=[made["second 1"].pk]))

    assert listed_numbers(newest) == ["2", "1"]
    assert "<dd>2 of this opening · Ready</dd>" in newest
    assert detail.context["shortlist"].number == 1
    page = detail.content.decode()
    assert "<title>Snapshot 1: " in page
    assert re.search(r"<h1>Snapshot 1 <span", page)


def test_a_pending_snapshot_is_announced_by_its_number_in_the_opening(client, recruiter, interleaved):
    first, _, _ = interleaved
    shortlist_create(opening=first)  # the third of this opening; its build waits for a commit
    client.force_login(recruiter)

    page = client.get(reverse("review:opening-shortlist", args=[first.pk])).content.decode()

    assert "Snapshot 3 is being built" in page
    assert listed_numbers(page) == ["3", "2", "1"]


def test_the_comparison_and_the_csv_use_the_openings_numbers(client, recruiter, interleaved):
    _, _, made = interleaved
    client.force_login(recruiter)

    compare = client.get(reverse("review:shortlist-compare", args=[made["first 2"].pk])).content.decode()
    export = client.get(reverse("review:shortlist-export", args=[made["second 2"].pk]))

    assert "<h1>Snapshot 2 against the previous one</h1>" in compare
    assert (
        f'<a href="{reverse("review:shortlist-detail", args=[made["first 1"].pk])}">snapshot 1</a>' in compare
    )
    assert (
        export["Content-Disposition"] == 'attachment; filename="shortlist-opening-ml_engineer-snapshot-2.csv"'
    )


def test_the_admin_lists_each_snapshots_number_in_its_opening(admin_client, interleaved):
    _, _, made = interleaved

    response = admin_client.get(reverse("admin:scoring_shortlist_changelist"))

    assert response.status_code == 200
    shown = {shortlist.pk: shortlist.number for shortlist in response.context["cl"].result_list}
    assert shown == {made[name].pk: int(name[-1]) for name in made}
    assert "Snapshot of its opening" in response.content.decode()
