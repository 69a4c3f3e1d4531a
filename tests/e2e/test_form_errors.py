"""Forms in a real browser: after a failed submit the error summary has the focus and is in view;
its links move the focus to their fields; long texts count the characters left as you type.

At a desktop width (1280x800) and a phone's (390x844), on the two forms that matter most: the
committee's decision at the foot of a long candidate profile, and the interviewer's scorecard.
"""

import pytest

from assessments.models import Scorecard
from hiring.models import Decision
from tests.assessments.test_scorecard_pages import submitted_by
from tests.e2e.conftest import ARTIFACTS
from tests.scoring.conftest import scored_opening  # noqa: F401 - a fixture, registered by import

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]

FOCUSED_IN_VIEW = """() => {
    const element = document.activeElement;
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def assert_summary_focused_and_in_view(page) -> None:
    assert focused_id(page) == "error-summary"
    assert page.evaluate(FOCUSED_IN_VIEW), "the focused summary is inside the viewport"
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    box = page.locator("#error-summary").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"], "the summary fits the width"


def viewport_screenshot(page, name: str) -> None:
    """What the person sees at that moment (the fixture's screenshots are of the whole page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-viewport.png"))


def assert_no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"


def follow_summary_link(page, target_id: str) -> None:
    page.locator(f"#error-summary a[href='#{target_id}']").click()
    assert focused_id(page) == target_id
    assert page.evaluate(FOCUSED_IN_VIEW), f"#{target_id} is inside the viewport once focused"


@pytest.fixture
def profile(scored_opening, committee_member):  # noqa: F811
    opening, applications, _, _ = scored_opening(2)
    opening.committee.add(committee_member)
    return applications[-1]


@pytest.mark.parametrize("size", SIZES)
def test_a_decision_submitted_empty_focuses_the_summary_at_the_top_of_the_long_profile(
    live_server, new_page, log_in, screenshot, profile, committee_member, size
):
    width, height = size
    page = new_page(width=width, height=height)
    log_in(page, committee_member.username)
    page.goto(f"{live_server.url}/review/applications/{profile.pk}/")
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * height  # the form is far down

    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()

    assert_summary_focused_and_in_view(page)
    assert page.title().startswith("Error: ")
    screenshot(page, f"forms-decision-error-{width}")
    viewport_screenshot(page, f"forms-decision-error-{width}")
    follow_summary_link(page, "id_outcome_0")
    follow_summary_link(page, "id_rationale")
    assert not Decision.objects.exists()

    counter = page.locator("[data-char-count-for='id_rationale']")
    assert counter.inner_text() == "10,000 characters left"
    page.keyboard.type("Strong in production ML.")
    assert counter.inner_text() == "9,976 characters left"
    status = page.locator("[data-char-count-status-for='id_rationale']")
    status.filter(has_text="9,976 characters left").wait_for(state="attached")  # announced once typing pauses
    assert status.get_attribute("aria-live") == "polite"
    screenshot(page, f"forms-decision-counter-{width}")
    viewport_screenshot(page, f"forms-decision-counter-{width}")


@pytest.mark.parametrize("size", SIZES)
def test_a_scorecard_reviewed_empty_focuses_the_summary_and_its_links_reach_each_field(
    live_server, new_page, log_in, screenshot, rubric_version, interview, interviewer, size
):
    width, height = size
    page = new_page(width=width, height=height)
    log_in(page, interviewer.username)
    page.goto(f"{live_server.url}/interviews/{interview.pk}/scorecard/")

    page.get_by_role("button", name="Review and submit…").click()
    page.wait_for_load_state()

    assert_summary_focused_and_in_view(page)
    assert_no_sideways_scroll(page)
    links = page.locator("#error-summary a")
    assert links.count() == interview.focus_areas.count() + 1  # every area's rating, and the recommendation
    screenshot(page, f"forms-scorecard-error-{width}")
    viewport_screenshot(page, f"forms-scorecard-error-{width}")
    last_area = interview.focus_areas.order_by("order").last()
    follow_summary_link(page, f"id_rating_{last_area.key}_0")
    follow_summary_link(page, "id_recommendation_0")

    # The chosen anchor is highlighted as a whole, not only by its radio's dot.
    anchor = page.locator(f"#id_rating_{last_area.key}_3").locator("xpath=..")
    plain = anchor.evaluate("element => getComputedStyle(element).backgroundColor")
    page.locator(f"label[for='id_rating_{last_area.key}_3']").click()
    assert anchor.evaluate("element => getComputedStyle(element).backgroundColor") != plain
    assert "Strong" in anchor.inner_text()
    viewport_screenshot(page, f"forms-scorecard-chosen-{width}")

    evidence = page.get_by_label(f"Evidence for {last_area.name}")
    evidence.fill("Explained the trade-off.")
    counter = page.locator(f"[data-char-count-for='id_evidence_{last_area.key}']")
    assert counter.inner_text() == "9,976 characters left"
    screenshot(page, f"forms-scorecard-chosen-{width}")


@pytest.mark.parametrize("size", SIZES)
def test_an_amendment_without_a_reason_focuses_the_summary_which_leads_to_the_reason(
    live_server, new_page, log_in, screenshot, rubric_version, interview, interviewer, size
):
    width, height = size
    scorecard = submitted_by(interview, interviewer)
    page = new_page(width=width, height=height)
    log_in(page, interviewer.username)
    page.goto(f"{live_server.url}/scorecards/{scorecard.pk}/amend/")

    page.get_by_role("button", name="Save amendment").click()
    page.wait_for_load_state()

    assert_summary_focused_and_in_view(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"forms-amend-error-{width}")
    viewport_screenshot(page, f"forms-amend-error-{width}")
    follow_summary_link(page, "id_reason")
    scorecard.refresh_from_db()
    assert scorecard.revision == 1

    # A paste longer than the room left is cut by the browser at maxlength: the counter says so.
    reason = page.locator("#id_reason")
    reason.fill("x" * 1_995)
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.setData("text/plain", "y".repeat(20));
            document.getElementById("id_reason").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    counter = page.locator("[data-char-count-for='id_reason']")
    counter.filter(has_text="cut by 15 characters").wait_for()
    assert counter.inner_text().startswith("5 characters left.")
    assert Scorecard.objects.get(pk=scorecard.pk).revision == 1
