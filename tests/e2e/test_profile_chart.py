"""The candidate's skill chart in a real browser: no mark hides another, values past the axis are
clamped and marked, the phone layout is readable and fits, and the debrief prints the chart small.

The fixture's full-stack opening expects level 3 in software engineering and production deployment
and makes 3 their must-have minimum; the candidate's stored estimate is exactly 3 in both, so the
dot, the diamond and the bar coincide there. Statistics runs past the top of the axis and
communication's interval past its bottom.
"""

import pytest

from review.charts import DOMAIN_MAX, DOMAIN_MIN
from scoring.models import ApplicationScoreState
from tests.scoring.conftest import scored_opening  # noqa: F401 - a fixture, registered by import

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = [pytest.param(1280, 800, id="desktop"), pytest.param(390, 844, id="phone")]
COINCIDING = ["software_engineering", "production_deployment"]
PRINT_MAX_WIDTH_PX = 16 / 2.54 * 96  # profile.css: max-width 16cm on paper

# The client (viewport) coordinates of a point given in an SVG element's user units.
TO_CLIENT = """([el, [x, y]]) => {
  const p = new DOMPoint(x, y).matrixTransform(el.getScreenCTM());
  return [p.x, p.y];
}"""

# What the browser paints at each mark's own part: the dot's centre, the middle of the diamond's
# upper-left edge, the bar's top end (above the diamond). Each must be that mark, and be seen.
MARKS_AT_THEIR_POINTS = """(row) => {
  const dot = row.querySelector('circle.chart-estimate');
  const diamond = row.querySelector('polygon.chart-expected');
  const bar = row.querySelector('line.chart-minimum');
  const at = (el, x, y) => {
    const p = new DOMPoint(x, y).matrixTransform(el.getScreenCTM());
    return document.elementFromPoint(p.x, p.y);
  };
  const [top, right, bottom, left] = diamond.getAttribute('points').split(' ')
    .map((pair) => pair.split(',').map(Number));
  const cx = Number(dot.getAttribute('cx')), cy = Number(dot.getAttribute('cy'));
  const barX = Number(bar.getAttribute('x1')), barTop = Number(bar.getAttribute('y1'));
  return {
    dot: at(dot, cx, cy) === dot,
    diamond: at(diamond, (top[0] + left[0]) / 2, (top[1] + left[1]) / 2) === diamond,
    bar: at(bar, barX, barTop + 1) === bar,
    sameX: [cx, top[0], barX],
  };
}"""


@pytest.fixture
def coinciding(scored_opening, committee_member):  # noqa: F811
    """A full-stack application whose stored estimates meet the role's levels and run past the axis."""
    opening, applications, _, _ = scored_opening(2, role="full_stack_data_scientist")
    opening.committee.add(committee_member)
    application = applications[1]
    state = ApplicationScoreState.objects.get(application=application)
    state.estimates = {
        **state.estimates,
        "software_engineering": [3.0, 0.3, 2],
        "production_deployment": [3.0, 0.2, 2],
        "statistics_experimentation": [5.9, 0.5, 2],  # the estimate itself past 5.5
        "communication": [1.2, 0.6, 2],  # its interval's lower end, 0.43, past 0.5
    }
    state.save()
    return application


def visible_chart(page):
    charts = page.locator("svg.skill-chart")
    visible = [charts.nth(index) for index in range(charts.count()) if charts.nth(index).is_visible()]
    assert len(visible) == 1, "exactly one layout of the chart shows"
    return visible[0]


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_dot_the_diamond_and_the_bar_are_all_visible_when_they_coincide(
    live_server, new_page, log_in, screenshot, coinciding, committee_member, width, height
):
    page = new_page(width=width, height=height)
    log_in(page, committee_member.username)

    page.goto(f"{live_server.url}/review/applications/{coinciding.pk}/")

    chart = visible_chart(page)
    assert chart.get_attribute("data-layout") == ("wide" if width > 700 else "narrow")
    for area in COINCIDING:
        row = chart.locator(f"g.chart-row[data-area='{area}']")
        row.scroll_into_view_if_needed()
        for mark in ("circle.chart-estimate", "polygon.chart-expected"):
            assert row.locator(mark).is_visible()
        # A vertical line's box has no width, so Playwright never calls it visible: it is hit-tested below.
        assert row.locator("line.chart-minimum").bounding_box()["height"] > 0
        seen = row.evaluate(MARKS_AT_THEIR_POINTS)
        assert seen["sameX"][0] == seen["sameX"][1] == seen["sameX"][2], "the three marks coincide"
        assert {mark: seen[mark] for mark in ("dot", "diamond", "bar")} == {
            "dot": True,
            "diamond": True,
            "bar": True,
        }, area
        boxes = {
            mark: row.locator(selector).bounding_box()
            for mark, selector in (
                ("dot", "circle.chart-estimate"),
                ("diamond", "polygon.chart-expected"),
                ("bar", "line.chart-minimum"),
            )
        }
        # The diamond's box holds the dot's; the bar sticks out above and below the diamond.
        assert boxes["diamond"]["width"] > boxes["dot"]["width"]
        assert boxes["bar"]["y"] < boxes["diamond"]["y"]
        assert boxes["bar"]["y"] + boxes["bar"]["height"] > boxes["diamond"]["y"] + boxes["diamond"]["height"]
    chart.scroll_into_view_if_needed()
    screenshot(page, f"profile-chart-coinciding-{width}")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_values_past_the_axis_are_clamped_to_it_and_marked(
    live_server, new_page, log_in, screenshot, coinciding, committee_member, width, height
):
    page = new_page(width=width, height=height)
    log_in(page, committee_member.username)

    page.goto(f"{live_server.url}/review/applications/{coinciding.pk}/")

    chart = visible_chart(page)
    chart.scroll_into_view_if_needed()
    svg_box = chart.bounding_box()
    right, left = float(chart.get_attribute("data-plot-right")), float(chart.get_attribute("data-plot-left"))
    for area, side, value in (
        ("statistics_experimentation", "upper", "5.90"),
        ("communication", "lower", "0.43"),
    ):
        row = chart.locator(f"g.chart-row[data-area='{area}']")
        marker = row.locator(f"polygon.chart-clamp[data-clamped='{side}']")
        assert marker.is_visible()
        box = marker.bounding_box()
        # Inside the drawing (not cut off), outside the plot, pointing the way the value went.
        assert svg_box["x"] <= box["x"]
        assert box["x"] + box["width"] <= svg_box["x"] + svg_box["width"]
        edge = page.evaluate(TO_CLIENT, [chart.element_handle(), [right if side == "upper" else left, 0]])[0]
        if side == "upper":
            assert box["x"] >= edge - 0.5
        else:
            assert box["x"] + box["width"] <= edge + 0.5
        assert value in marker.locator("title").text_content()
        # The marker is painted on top where it is: nothing covers it.
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).classList.contains('chart-clamp')", list(centre)
        )
        line = row.locator("g.chart-interval line").first
        drawn = [float(line.get_attribute("x1")), float(line.get_attribute("x2"))]
        assert min(drawn) >= left - 1e-3, "the interval is clamped to the plot"
        assert max(drawn) <= right + 1e-3
    past = chart.locator("desc").text_content()
    assert f"Past the axis ({DOMAIN_MIN:g} to {DOMAIN_MAX:g})" in past
    screenshot(page, f"profile-chart-clamped-{width}")


def test_on_a_phone_the_page_does_not_scroll_sideways_and_the_chart_reads_at_11_px_or_more(
    live_server, new_page, log_in, screenshot, coinciding, committee_member
):
    page = new_page(width=390, height=844)
    log_in(page, committee_member.username)

    page.goto(f"{live_server.url}/review/applications/{coinciding.pk}/")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    chart = visible_chart(page)
    assert chart.get_attribute("data-layout") == "narrow"
    sizes = chart.evaluate(
        """(svg) => [...svg.querySelectorAll('text')].map((text) =>
             parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a)"""
    )
    assert sizes
    assert min(sizes) >= 11, sizes
    table = page.locator("table.skill-table")
    table_box = table.bounding_box()
    assert table_box["x"] >= 0
    assert table_box["x"] + table_box["width"] <= 390
    screenshot(page, "profile-phone")


def test_the_debrief_prints_the_chart_at_a_bounded_width(
    live_server, new_page, log_in, screenshot, coinciding, committee_member
):
    page = new_page(width=1280, height=900)
    log_in(page, committee_member.username)
    page.goto(f"{live_server.url}/review/applications/{coinciding.pk}/debrief/")

    page.emulate_media(media="print")

    chart = visible_chart(page)
    assert chart.get_attribute("data-layout") == "wide"
    box = chart.bounding_box()
    assert box["width"] <= PRINT_MAX_WIDTH_PX + 1
    table = page.locator("table.skill-table").bounding_box()
    assert box["width"] < table["width"], "the chart no longer outgrows the tables beside it"
    screenshot(page, "debrief-print")
