"""A take-home's report in a real browser, at desk and phone widths: it reads, fits and passes axe.

The report is the ML Engineer exercise's, written as grading writes it (a missed latency budget,
an over-claimed F1, a copy flag), so every part of the page shows. axe-core audits each page
the browser loads (tests/e2e/conftest.py).
"""

import pytest

from tests.review.takehomes.conftest import graded  # noqa: F401 - a fixture, registered by import
from tests.takehomes.conftest import exercises, mle_exercise  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = [pytest.param(1280, 800, id="desktop"), pytest.param(390, 844, id="phone")]
FLAG = {
    "kind": "near_identical_predictions",
    "candidate": "Grace Hopper",
    "take_home": 41,
    "agreement": 0.994,
}


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_take_home_report_reads_and_fits_at_desk_and_phone_widths(
    live_server,
    new_page,
    log_in,
    screenshot,
    graded,  # noqa: F811
    committee_member,
    width,
    height,
):
    take_home, _ = graded(flags=[FLAG])
    page = new_page(width=width, height=height)
    log_in(page, committee_member.username)

    page.goto(f"{live_server.url}/review/take-homes/{take_home.pk}/")

    assert page.get_by_role("heading", level=1).inner_text() == "Take-home report: Ada Lovelace"
    charts = page.locator("svg.claim-chart")
    shown = [charts.nth(i) for i in range(charts.count()) if charts.nth(i).is_visible()]
    assert len(shown) == 1, "exactly one layout of the chart shows"
    assert shown[0].get_attribute("data-layout") == ("wide" if width > 700 else "narrow")
    assert shown[0].locator("polygon.chart-claimed").count() == 2  # accuracy and F1 were claimed
    assert page.get_by_text("Over-claimed: better than measured").first.is_visible()
    assert page.get_by_text("Over a limit:").is_visible()
    assert page.get_by_text("Near-identical predictions").is_visible()
    f1_row = page.locator("table.contract-table tr[data-item='f1']")
    f1_row.scroll_into_view_if_needed()
    assert f1_row.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, (
        "no sideways scroll"
    )
    screenshot(page, f"take-home-report-{width}")

    page.goto(f"{live_server.url}/review/applications/{take_home.application.pk}/")

    assert page.locator(f"#take-home-{take_home.pk}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, (
        "no sideways scroll"
    )
    screenshot(page, f"take-home-profile-{width}")
