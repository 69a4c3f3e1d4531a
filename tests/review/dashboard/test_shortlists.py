"""Shortlist pages: the newest snapshot, sorting and filtering, flags, creating snapshots, fixed queries."""

import pytest
from django.urls import reverse

from review.views.shortlists import DISAGREEMENT_RULE
from scoring.models import Shortlist
from scoring.shortlists import MAX_SHORTLIST_LIMIT, shortlist_create
from tests.factories import InterviewFactory, UserFactory
from tests.scoring.conftest import AREAS, submit

pytestmark = pytest.mark.django_db

# Session, user, groups, opening, ready snapshot, pending snapshots, roles, entries, recommendations,
# rating spreads, area names, the previous snapshot (for the compare link), the snapshots list.
SHORTLIST_PAGE_QUERIES = 13
# The snapshot page finds shortlist and opening in one query, and looks for no pending snapshot.
SNAPSHOT_PAGE_QUERIES = 11
# The export: no previous snapshot, no snapshots list.
EXPORT_QUERIES = 9


def ranks(response):
    return [row.rank for row in response.context["rows"]]


def test_the_shortlist_page_shows_the_newest_ready_snapshot_with_fits_for_every_role(
    client, committee_member, review_opening, snapshot
):
    opening, applications, *_ = review_opening(4)
    snapshot(opening)
    newest = snapshot(opening, order_by="lower")
    client.force_login(committee_member)

    response = client.get(reverse("review:opening-shortlist", args=[opening.pk]))

    assert response.context["shortlist"] == newest
    rows = response.context["rows"]
    assert [row.rank for row in rows] == [1, 2, 3, 4]
    roles = ["data_scientist", "ml_engineer", "full_stack_data_scientist"]
    assert [cell.role for cell in rows[0].fits] == roles
    assert all(cell.lower <= cell.fit <= cell.upper for row in rows for cell in row.fits)
    assert {row.application_id for row in rows} == {a.pk for a in applications}
    assert rows[0].recommendations == {"yes": 2}
    page = response.content.decode()
    assert "Data Scientist fit (80% interval)" in page
    assert DISAGREEMENT_RULE in page
    assert reverse("review:shortlist-export", args=[newest.pk]) in page
    assert reverse("review:shortlist-compare", args=[newest.pk]) in page


def test_without_a_snapshot_the_page_offers_to_create_one(client, recruiter, review_opening):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)

    response = client.get(reverse("review:opening-shortlist", args=[opening.pk]))

    assert response.context["shortlist"] is None
    assert "Create a new snapshot" in response.content.decode()
    assert reverse("review:shortlist-create", args=[opening.pk]) in response.content.decode()


def test_a_pending_snapshot_shows_as_pending_and_the_page_refreshes(
    client, recruiter, review_opening, snapshot
):
    opening, *_ = review_opening(2)
    ready = snapshot(opening)
    pending = shortlist_create(opening=opening)  # its build waits for a commit that never comes
    client.force_login(recruiter)

    newest = client.get(reverse("review:opening-shortlist", args=[opening.pk]))
    detail = client.get(reverse("review:shortlist-detail", args=[pending.pk]))

    assert newest.context["shortlist"] == ready
    assert newest.context["pending"] == [pending]
    assert "Snapshot 2 is being built" in newest.content.decode()  # the opening's second
    assert '<meta http-equiv="refresh" content="3">' in detail.content.decode()
    assert "Pending" in detail.content.decode()
    assert detail.context["rows"] == []


def test_creating_a_snapshot_calls_the_service_and_redirects_to_it(
    client, committee_member, review_opening, django_capture_on_commit_callbacks
):
    opening, applications, *_ = review_opening(4)
    applications[0].stage = "offer"
    applications[0].save()
    client.force_login(committee_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review:shortlist-create", args=[opening.pk]),
            {"order_by": "lower", "min_coverage": "30", "min_fit": "", "stages": ["interviewing"]},
        )

    shortlist = Shortlist.objects.get(opening=opening)
    assert response.status_code == 302
    assert response["Location"] == reverse("review:shortlist-detail", args=[shortlist.pk])
    assert (shortlist.status, shortlist.order_by, shortlist.min_coverage, shortlist.stages) == (
        "ready",
        "lower",
        0.3,
        ["interviewing"],
    )
    assert shortlist.created_by == committee_member
    assert shortlist.entry_count == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [({"order_by": "luck"}, "order_by"), ({"order_by": "fit", "min_fit": "120"}, "min_fit")],
)
def test_a_bad_snapshot_request_is_shown_at_its_field_and_creates_nothing(
    client, recruiter, review_opening, data, field
):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)

    response = client.post(reverse("review:shortlist-create", args=[opening.pk]), data)

    assert response.status_code == 400
    assert response.context["create_form"].errors[field]
    assert not Shortlist.objects.filter(opening=opening).exists()


def test_a_limit_beyond_the_services_bound_is_shown_at_the_limit_field_and_creates_nothing(
    client, recruiter, review_opening
):
    opening, *_ = review_opening(2)
    client.force_login(recruiter)

    response = client.post(
        reverse("review:shortlist-create", args=[opening.pk]),
        {"order_by": "fit", "limit": str(MAX_SHORTLIST_LIMIT + 1)},
    )

    assert response.status_code == 400
    assert response.context["create_form"].errors["limit"] == [
        f"Limit is a whole number from 1 to {MAX_SHORTLIST_LIMIT}."
    ]
    assert not Shortlist.objects.filter(opening=opening).exists()


def test_the_table_sorts_by_name_fit_and_coverage(client, recruiter, review_opening, snapshot):
    opening, *_ = review_opening(4)
    shortlist = snapshot(opening)
    client.force_login(recruiter)
    url = reverse("review:shortlist-detail", args=[shortlist.pk])

    by_name = client.get(url, {"sort": "name"}).context["rows"]
    by_ds_fit = client.get(url, {"sort": "-fit_data_scientist"}).context["rows"]
    by_rank_reversed = client.get(url, {"sort": "-rank"}).context["rows"]
    by_coverage = client.get(url, {"sort": "coverage"}).context["rows"]
    unknown = client.get(url, {"sort": "secret_field"})

    assert [r.candidate for r in by_name] == sorted((r.candidate for r in by_name), key=str.casefold)
    fits = [r.fit_for("data_scientist") for r in by_ds_fit]
    assert fits == sorted(fits, reverse=True)
    assert [r.rank for r in by_rank_reversed] == [4, 3, 2, 1]
    assert [r.coverage for r in by_coverage] == sorted(r.coverage for r in by_coverage)
    assert ranks(unknown) == [1, 2, 3, 4]
    header = next(h for h in unknown.context["headers"] if h.label.startswith("Data Scientist"))
    assert header.next_sort == "-fit_data_scientist"


def test_the_table_filters_by_stage_coverage_and_flags(client, recruiter, review_opening, snapshot):
    opening, applications, *_ = review_opening(4)
    applications[1].stage = "offer"
    applications[1].save()
    shortlist = snapshot(opening)
    client.force_login(recruiter)
    url = reverse("review:shortlist-detail", args=[shortlist.pk])

    offers = client.get(url, {"stage": ["offer"]}).context["rows"]
    covered = client.get(url, {"min_coverage": "33"}).context["rows"]  # every one covers a third
    uncovered = client.get(url, {"min_coverage": "34"}).context["rows"]
    disagreeing = client.get(url, {"flag": ["disagreement"]}).context["rows"]
    bad_input = client.get(url, {"min_coverage": "lots"})

    assert [r.application_id for r in offers] == [applications[1].pk]
    assert (len(covered), len(uncovered)) == (4, 0)
    assert disagreeing == []
    assert len(bad_input.context["rows"]) == 4  # an invalid filter is ignored, not an error


def test_interviewers_who_disagree_are_flagged(client, recruiter, review_opening, snapshot):
    opening, applications, *_ = review_opening(3)
    harsh = UserFactory(username="hal_harsh")
    doubter = UserFactory(username="dora_doubter")
    split_ratings = InterviewFactory(application=applications[0], focus=AREAS, interviewers=[harsh])
    # The others rated application 0 (skill 1) at 2 and 1: 4 in communication is three levels apart.
    submit(split_ratings, harsh, {**{key: 2 for key in AREAS}, "communication": 4}, recommendation="yes")
    split_votes = InterviewFactory(application=applications[1], focus=AREAS, interviewers=[doubter])
    submit(split_votes, doubter, {key: 2 for key in AREAS}, recommendation="strong_no")
    shortlist = snapshot(opening)
    client.force_login(recruiter)

    response = client.get(reverse("review:shortlist-detail", args=[shortlist.pk]), {"flag": "disagreement"})

    rows = {row.application_id: row for row in response.context["rows"]}
    assert set(rows) == {applications[0].pk, applications[1].pk}
    assert rows[applications[0].pk].disagreement_areas == ["Communication and storytelling"]
    assert not rows[applications[0].pk].recommendations_split
    assert rows[applications[1].pk].recommendations_split
    assert rows[applications[1].pk].recommendations == {"yes": 2, "strong_no": 1}
    assert "Disagreement" in response.content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_the_shortlist_page_costs_the_same_queries_for_any_number_of_entries(
    client, recruiter, review_opening, snapshot, django_assert_num_queries, n
):
    opening, *_ = review_opening(n)
    shortlist = snapshot(opening)
    assert shortlist.entry_count == n
    client.force_login(recruiter)
    url = reverse("review:opening-shortlist", args=[opening.pk])

    with django_assert_num_queries(SHORTLIST_PAGE_QUERIES):
        response = client.get(url, {"sort": "-coverage", "flag": ["below_bar"]})

    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_the_snapshot_page_and_export_cost_the_same_queries_for_any_number_of_entries(
    client, recruiter, review_opening, snapshot, django_assert_num_queries, n
):
    opening, *_ = review_opening(n)
    shortlist = snapshot(opening)
    client.force_login(recruiter)

    with django_assert_num_queries(SNAPSHOT_PAGE_QUERIES):
        client.get(reverse("review:shortlist-detail", args=[shortlist.pk]))
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(reverse("review:shortlist-export", args=[shortlist.pk]))

    assert len(response.content.decode().splitlines()) == n + 1
