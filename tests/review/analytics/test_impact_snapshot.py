"""Adverse impact names the snapshot it reads as "selected" and lets the reader pick another of the
opening's ready snapshots; a choice it does not offer is a message at the field, never an error page."""

import html
import re

import pytest

from review.views.analytics import SNAPSHOT_NOT_OFFERED
from scoring.models import Shortlist
from tests.factories import ApplicationFactory, OpeningFactory
from tests.review.analytics.test_analytics_page import _shortlist, _text, _url

pytestmark = pytest.mark.django_db


def offered(response) -> list[int]:
    select = re.search(r'<select name="snapshot".*?</select>', response.content.decode(), re.S).group(0)
    return [int(value) for value in re.findall(r'<option value="(\d+)"', select)]


def test_the_newest_ready_snapshot_is_analysed_and_named_with_its_parameters(
    client, recruiter, analytics_opening
):
    opening, newest = analytics_opening["opening"], analytics_opening["shortlist"]
    client.force_login(recruiter)

    response = client.get(_url(opening))

    assert response.status_code == 200
    assert response.context["report"].shortlist == newest
    text = _text(response)
    assert "Analysed: snapshot 2 of this opening, made" in text
    assert "13 selected of 28 applicants" in text
    assert "Ranked for Data Scientist Order Fit (posterior mean) Minimum coverage 0%" in text
    assert "Stages all Kept all" in text
    assert "This snapshot was made with filters" not in text
    # The two ready snapshots, the newest first and chosen; the pending one is not offered.
    older = Shortlist.objects.filter(opening=opening, status="ready").exclude(pk=newest.pk).get()
    assert offered(response) == [newest.pk, older.pk]
    assert f'<option value="{newest.pk}" selected>Snapshot 2 (' in response.content.decode()


def test_the_reader_can_pick_an_older_snapshot(client, recruiter, analytics_opening):
    opening, newest = analytics_opening["opening"], analytics_opening["shortlist"]
    older = Shortlist.objects.filter(opening=opening, status="ready").exclude(pk=newest.pk).get()
    client.force_login(recruiter)

    response = client.get(_url(opening), {"snapshot": older.pk})

    assert response.status_code == 200
    report = response.context["report"]
    assert report.shortlist == older
    assert (report.applicants, report.selected) == (28, 1)
    assert "Analysed: snapshot 1 of this opening" in _text(response)
    assert f'<option value="{older.pk}" selected>Snapshot 1 (' in response.content.decode()


def test_a_filtered_snapshot_says_its_filters_leave_applicants_unselected(
    client, recruiter, analytics_opening
):
    opening = analytics_opening["opening"]
    top = _shortlist(opening, analytics_opening["applications"][:3])
    Shortlist.objects.filter(pk=top.pk).update(limit=3, stages=["interviewing"])
    client.force_login(recruiter)

    response = client.get(_url(opening))

    text, page = _text(response), response.content.decode()
    assert response.context["report"].shortlist == top
    assert "Analysed: snapshot 4 of this opening" in text  # after two ready ones and a pending one
    assert "Stages Interviewing Kept the top 3" in text
    assert "applicants its stages, minimums or limit left out count as not selected" in text
    assert re.search(r">Snapshot 4 \([^)]+\): by fit; stages Interviewing; kept the top 3</option>", page)


@pytest.mark.parametrize("choice", ["another opening", "pending", "not a number", "missing"])
def test_a_snapshot_not_offered_is_a_message_at_the_field_not_an_error_page(
    client, recruiter, analytics_opening, choice
):
    opening = analytics_opening["opening"]
    elsewhere = OpeningFactory(title="Elsewhere")
    foreign = _shortlist(elsewhere, [ApplicationFactory(opening=elsewhere)])
    pending = Shortlist.objects.get(opening=opening, status="pending")
    value = {"another opening": foreign.pk, "pending": pending.pk, "not a number": "abc", "missing": 999_999}
    client.force_login(recruiter)

    response = client.get(_url(opening), {"snapshot": value[choice]})

    assert response.status_code == 400
    assert response.context["snapshot_form"].errors["snapshot"] == [SNAPSHOT_NOT_OFFERED]
    assert response.context["report"].shortlist is None
    assert response.context["report"].impact == []
    page = response.content.decode()
    assert f'<p class="error" id="id_snapshot-error">{html.escape(SNAPSHOT_NOT_OFFERED)}</p>' in page
    assert 'aria-describedby="id_snapshot-error"' in page
    assert 'aria-invalid="true"' in page
    assert "No snapshot analysed: choose one of the list above" in _text(response)
    assert "Elsewhere" not in page


def test_an_empty_choice_analyses_the_newest(client, recruiter, analytics_opening):
    client.force_login(recruiter)

    response = client.get(_url(analytics_opening["opening"]), {"snapshot": ""})

    assert response.status_code == 200
    assert response.context["report"].shortlist == analytics_opening["shortlist"]


def test_without_a_ready_snapshot_there_is_nothing_to_choose(client, recruiter, opening):
    _shortlist(opening, [ApplicationFactory(opening=opening)], status=Shortlist.Status.PENDING)
    client.force_login(recruiter)

    response = client.get(_url(opening))

    assert '<select name="snapshot"' not in response.content.decode()
    assert "No ready shortlist for this opening yet" in _text(response)
