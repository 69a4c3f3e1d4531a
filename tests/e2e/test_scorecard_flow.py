"""An interviewer scores a candidate in a real browser; a co-interviewer cannot peek."""

import pytest

from assessments.models import Scorecard

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = "Wrote property tests for the feature pipeline unprompted."


@pytest.fixture
def setup(rubric_version, interview, interviewer, second_interview, other_interviewer):
    return interview, second_interview


def choose(page, field_id: str) -> None:
    page.locator(f"label[for='{field_id}']").click()


def test_interviewer_saves_a_draft_submits_and_sees_it_read_only(
    live_server, new_page, log_in, screenshot, setup, interviewer
):
    interview, _ = setup
    page = new_page(width=390, height=844)  # a phone
    log_in(page, interviewer.username)

    page.get_by_role("link", name="My interviews").click()
    screenshot(page, "01-my-interviews")
    assert page.get_by_role("heading", name="Overdue (1)").is_visible()
    page.get_by_role("link", name="Write scorecard").click()

    # Anchors sit next to the choices; pick one by its label, another from the keyboard.
    choose(page, "id_rating_software_engineering_3")  # level 4
    page.get_by_label("Evidence for Software engineering quality").fill(EVIDENCE)
    page.focus("#id_rating_statistics_experimentation_2")
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save draft").click()
    assert page.get_by_text("Draft saved").is_visible()
    assert page.locator("#id_rating_software_engineering_3").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "no sideways scroll on a phone"
    )
    screenshot(page, "02-scorecard-draft")

    # Review with an area left unrated: the error shows at that area.
    page.get_by_role("button", name="Review and submit…").click()
    assert page.locator("#area-communication .error").is_visible()
    screenshot(page, "03-scorecard-errors")

    choose(page, "id_rating_communication_5")  # not assessed
    choose(page, "id_recommendation_3")  # strong yes
    page.get_by_label("Summary").fill("Strong engineer; hire.")
    page.get_by_role("button", name="Review and submit…").click()
    assert page.get_by_role("heading", name="Submit your scorecard?").is_visible()
    screenshot(page, "04-scorecard-confirm")

    page.get_by_role("button", name="Submit scorecard").click()
    assert page.get_by_text("Scorecard submitted. It is now read-only.").is_visible()
    assert page.locator("input[type=radio]").count() == 0
    assert page.get_by_text(EVIDENCE).is_visible()
    screenshot(page, "05-scorecard-submitted")

    scorecard = Scorecard.objects.get(interview=interview, interviewer=interviewer)
    assert (scorecard.status, scorecard.recommendation) == ("submitted", "strong_yes")
    assert {r.area.key: (r.level, r.not_assessed) for r in scorecard.ratings.select_related("area")} == {
        "software_engineering": (4, False),
        "statistics_experimentation": (3, False),
        "communication": (None, True),
    }


def test_a_second_interviewer_cannot_see_the_first_ones_ratings_before_submitting(
    live_server, new_page, log_in, screenshot, setup, interviewer, other_interviewer
):
    interview, second = setup
    first = new_page()
    log_in(first, interviewer.username)
    first.goto(f"{live_server.url}/interviews/{interview.pk}/scorecard/")
    for field in (
        "id_rating_software_engineering_4",
        "id_rating_statistics_experimentation_4",
        "id_rating_communication_4",
        "id_recommendation_3",
    ):
        choose(first, field)
    first.get_by_label("Evidence for Software engineering quality").fill(EVIDENCE)
    first.get_by_role("button", name="Review and submit…").click()
    first.get_by_role("button", name="Submit scorecard").click()
    first_scorecard = Scorecard.objects.get(interview=interview, interviewer=interviewer)

    page = new_page()
    log_in(page, other_interviewer.username)
    page.goto(f"{live_server.url}/interviews/{second.pk}/scorecard/")
    screenshot(page, "06-second-interviewer-form")
    assert EVIDENCE not in page.content()
    assert page.locator("input[type=radio]:checked").count() == 0
    response = page.goto(f"{live_server.url}/scorecards/{first_scorecard.pk}/")
    assert response.status == 404
    screenshot(page, "07-second-interviewer-blocked")

    page.goto(f"{live_server.url}/interviews/{second.pk}/scorecard/")
    for field in (
        "id_rating_software_engineering_2",
        "id_rating_production_deployment_2",
        "id_recommendation_1",
    ):
        choose(page, field)
    page.get_by_role("button", name="Review and submit…").click()
    page.get_by_role("button", name="Submit scorecard").click()
    assert page.get_by_role("heading", name="Other interviewers' scorecards for Ada Lovelace").is_visible()
    assert page.get_by_text(EVIDENCE).is_visible()
    screenshot(page, "08-second-interviewer-after-submit")


def test_interview_kit_prints_the_focus_areas(live_server, new_page, log_in, screenshot, setup, interviewer):
    interview, _ = setup
    page = new_page()
    log_in(page, interviewer.username)

    page.goto(f"{live_server.url}/interviews/{interview.pk}/kit/")
    page.emulate_media(media="print")
    screenshot(page, "09-interview-kit-print")

    assert page.get_by_role("heading", name="Software engineering quality").is_visible()
    assert not page.locator(".site-header").is_visible()  # navigation is hidden in print
