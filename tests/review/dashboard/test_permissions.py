"""Who may open the openings list, dashboards and shortlist pages: a matrix per page and persona."""

import pytest
from django.urls import reverse

from tests.factories import InterviewFactory

pytestmark = pytest.mark.django_db

OPENING_PAGES = ["opening-dashboard", "opening-shortlist"]
SNAPSHOT_PAGES = ["shortlist-detail", "shortlist-compare", "shortlist-export"]
OPENING_ONLY = {
    "recruiter": 200,
    "committee_member": 200,
    "other_committee": 404,
    "interviewer": 404,
    "outsider": 404,
    "anonymous": 302,
}


@pytest.fixture
def reviewed(review_opening, snapshot, interviewer):
    opening, applications, *_ = review_opening(2)
    # The interviewer persona interviews on this opening: that still gives no access to its review pages.
    InterviewFactory(application=applications[0], interviewers=[interviewer])
    return opening, snapshot(opening)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 200),
        ("committee_member", 200),
        ("other_committee", 200),
        ("interviewer", 404),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_the_openings_list_is_for_recruiters_and_committee_members(persona_client, reviewed, persona, status):
    response = persona_client(persona).get(reverse("review:opening-list"))

    assert response.status_code == status


@pytest.mark.parametrize("page", OPENING_PAGES)
@pytest.mark.parametrize(("persona", "status"), OPENING_ONLY.items())
def test_opening_pages_are_for_recruiters_and_the_openings_committee(
    persona_client, reviewed, page, persona, status
):
    opening, _ = reviewed

    response = persona_client(persona).get(reverse(f"review:{page}", args=[opening.pk]))

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", SNAPSHOT_PAGES)
@pytest.mark.parametrize(("persona", "status"), OPENING_ONLY.items())
def test_snapshot_pages_are_for_recruiters_and_the_openings_committee(
    persona_client, reviewed, page, persona, status
):
    _, shortlist = reviewed

    response = persona_client(persona).get(reverse(f"review:{page}", args=[shortlist.pk]))

    assert response.status_code == status


@pytest.mark.parametrize("action", ["opening-recompute", "shortlist-create"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("recruiter", 302), ("committee_member", 302), ("other_committee", 404), ("interviewer", 404)],
)
def test_only_reviewers_of_the_opening_can_recompute_or_create_snapshots(
    persona_client, reviewed, action, persona, status
):
    opening, _ = reviewed
    url = reverse(f"review:{action}", args=[opening.pk])

    response = persona_client(persona).post(url, {"order_by": "fit"})

    assert response.status_code == status


def test_the_actions_refuse_get(persona_client, reviewed):
    opening, _ = reviewed
    client = persona_client("recruiter")

    assert client.get(reverse("review:opening-recompute", args=[opening.pk])).status_code == 405
    assert client.get(reverse("review:shortlist-create", args=[opening.pk])).status_code == 405


def test_a_committee_member_lists_only_the_openings_they_sit_on(persona_client, reviewed):
    opening, _ = reviewed

    mine = persona_client("committee_member").get(reverse("review:opening-list"))
    theirs = persona_client("other_committee").get(reverse("review:opening-list"))

    assert [o.pk for o in mine.context["openings"]] == [opening.pk]
    assert opening.title not in theirs.content.decode()
    assert "Another opening" in theirs.content.decode()


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("recruiter", True), ("committee_member", True), ("interviewer", False), ("outsider", False)],
)
def test_the_nav_links_openings_for_reviewers_only(persona_client, reviewed, persona, shown):
    response = persona_client(persona).get(reverse("assessments:role-list"))

    assert (f'href="{reverse("review:opening-list")}"' in response.content.decode()) is shown
