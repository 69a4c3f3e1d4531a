"""A hiring-committee member reviews a ranked shortlist, opens a candidate and records a decision."""

import pytest

from hiring.models import Decision
from scoring.shortlists import shortlist_create
from tests.scoring.conftest import scored_opening  # noqa: F401 - a fixture, registered by import

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewed_opening(scored_opening, committee_member, django_capture_on_commit_callbacks):  # noqa: F811
    opening, applications, _, _ = scored_opening(4)
    opening.committee.add(committee_member)
    with django_capture_on_commit_callbacks(execute=True):
        shortlist_create(opening=opening)
    return opening, applications


def test_committee_member_opens_the_shortlist_a_candidate_and_records_a_decision(
    live_server, new_page, log_in, screenshot, reviewed_opening, committee_member
):
    opening, applications = reviewed_opening
    best = applications[-1]  # skill rises with the index
    page = new_page()
    log_in(page, committee_member.username)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Openings").click()
    screenshot(page, "committee-01-openings")
    page.get_by_role("link", name=opening.title).first.click()
    screenshot(page, "committee-02-dashboard")

    page.goto(f"{live_server.url}/review/openings/{opening.pk}/shortlist/")
    screenshot(page, "committee-03-shortlist")
    first_row = page.locator("table tbody tr").first
    assert best.candidate.name in first_row.inner_text()
    first_row.get_by_role("link", name=best.candidate.name).click()

    assert page.get_by_role("heading", name=best.candidate.name).first.is_visible()
    chart = page.locator("svg[role='img']").first
    assert chart.is_visible()
    screenshot(page, "committee-04-profile")

    page.get_by_role("radio", name="Advance").check()
    page.get_by_label("Rationale").fill("Strongest calibrated fit; no must-have gaps.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    screenshot(page, "committee-05-decided")

    assert page.get_by_text("Strongest calibrated fit; no must-have gaps.").first.is_visible()
    decision = Decision.objects.get(application=best)
    assert (decision.outcome, decision.decided_by) == ("advance", committee_member)
