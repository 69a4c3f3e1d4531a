"""The comparison says which parameters differ between the snapshots, and the page offers it only when
there is a previous snapshot to compare with."""

import html
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def compare_url(shortlist) -> str:
    return reverse("review:shortlist-compare", args=[shortlist.pk])


def test_the_comparison_names_each_parameter_that_differs_with_both_values(
    client, recruiter, review_opening, snapshot
):
    opening, *_ = review_opening(4)
    snapshot(opening)
    narrower = snapshot(opening, order_by="lower", stages=["offer", "interviewing"], limit=2)
    client.force_login(recruiter)

    response = client.get(compare_url(narrower))

    comparison = response.context["comparison"]
    assert [(pair.name, pair.previous, pair.current) for pair in comparison.differences] == [
        ("Order", "Fit (posterior mean)", "Lower bound of the 80% interval"),
        ("Stages", "all", "Interviewing, Offer"),  # in pipeline order, however ticked
        ("Kept", "all", "the top 2"),
    ]
    assert [pair.name for pair in comparison.parameters] == [
        "Ranked for",
        "Order",
        "Minimum coverage",
        "Minimum fit",
        "Stages",
        "Kept",
    ]
    assert len(comparison.left) == 2  # the limit, not new scores, moved them out
    text = text_of(response)
    assert (
        "3 parameters differ: order (Fit (posterior mean) before, Lower bound of the 80% interval now); "
        "stages (all before, Interviewing, Offer now); kept (all before, the top 2 now)."
    ) in text
    assert "Some of the moves below come from these, not from new scores" in text
    assert "Minimum coverage 0% 0%" in text  # the table of both snapshots' parameters


def test_with_the_same_parameters_the_comparison_says_so(client, recruiter, review_opening, snapshot):
    opening, *_ = review_opening(3)
    snapshot(opening, min_coverage=0.2, min_fit=10)
    again = snapshot(opening, min_coverage=0.2, min_fit=10)
    client.force_login(recruiter)

    response = client.get(compare_url(again))

    assert response.context["comparison"].differences == []
    text = text_of(response)
    assert "Both snapshots were made with the same parameters" in text
    assert "Minimum coverage 20% 20%" in text
    assert "Minimum fit 10 10" in text


def test_one_differing_parameter_reads_in_the_singular(client, recruiter, review_opening, snapshot):
    opening, *_ = review_opening(2)
    snapshot(opening)
    later = snapshot(opening, min_fit=5)
    client.force_login(recruiter)

    assert "1 parameter differs: minimum fit (none before, 5 now)." in text_of(client.get(compare_url(later)))


def test_the_compare_link_shows_only_when_there_is_a_previous_snapshot(
    client, recruiter, review_opening, snapshot
):
    opening, *_ = review_opening(2)
    first = snapshot(opening)
    client.force_login(recruiter)
    alone = client.get(reverse("review:opening-shortlist", args=[opening.pk])).content.decode()
    second = snapshot(opening)

    newest = client.get(reverse("review:opening-shortlist", args=[opening.pk]))
    older = client.get(reverse("review:shortlist-detail", args=[first.pk])).content.decode()

    assert "Compare with the previous snapshot" not in alone
    assert compare_url(first) not in alone
    assert newest.context["previous"] == first
    assert f'<a href="{compare_url(second)}">Compare with the previous snapshot' in newest.content.decode()
    assert "Compare with the previous snapshot" not in older  # the first has nothing before it
