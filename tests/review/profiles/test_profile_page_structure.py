"""The profile page's order and folds: the opening's role first and open, the other roles folded,
and the chart in two layouts (wide, and narrow for a phone) that the page's CSS switches between."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG = "{http://www.w3.org/2000/svg}"


class FitSections(HTMLParser):
    """Each role's fit section, in page order, with the ``<details>`` (if any) around it."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.sections: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section" and "fit-role" in (attributes.get("class") or "").split():
            folds = [a for t, a in self.stack if t == "details"]
            self.sections.append(
                {
                    "role": attributes["aria-labelledby"].removeprefix("fit-").removesuffix("-h"),
                    "folded": bool(folds),
                    "open": all("open" in fold for fold in folds),
                }
            )
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def fit_sections(html: str) -> list[dict]:
    parser = FitSections()
    parser.feed(html)
    return parser.sections


@pytest.fixture
def scored(scored_opening, committee_member):
    opening, applications, *_ = scored_opening(2)
    opening.committee.add(committee_member)
    return opening, applications[1]


def test_the_openings_role_comes_first_and_open_and_the_other_roles_are_folded_closed(
    client, committee_member, scored
):
    opening, application = scored
    client.force_login(committee_member)

    response = client.get(f"/review/applications/{application.pk}/")

    sections = fit_sections(response.content.decode())
    assert opening.role.key == "ml_engineer"
    assert sections[0] == {"role": "ml_engineer", "folded": False, "open": True}
    others = sections[1:]
    assert {section["role"] for section in others} == {"data_scientist", "full_stack_data_scientist"}
    assert all(section["folded"] and not section["open"] for section in others)
    assert response.context["fits"][0].fit.role == "ml_engineer"


def test_each_folded_role_says_its_fit_in_its_summary(client, committee_member, scored):
    _opening, application = scored
    client.force_login(committee_member)

    response = client.get(f"/review/applications/{application.pk}/")

    html = response.content.decode()
    summaries = dict(
        re.findall(r'<details class="fit-other" id="fit-(\w+)">\s*<summary>(.*?)</summary>', html, re.S)
    )
    for fit in response.context["fits"][1:]:
        summary = re.sub(r"<[^>]+>", "", summaries[fit.fit.role])
        assert summary.startswith(f"{fit.name}: fit {fit.fit.fit:.0f} (80% interval ")
        assert "% coverage" in summary


def test_the_opening_role_shows_first_in_the_debrief_summary_too(client, committee_member, scored):
    _opening, application = scored
    client.force_login(committee_member)

    html = client.get(f"/review/applications/{application.pk}/debrief/").content.decode()

    table = re.search(r'<table class="fit-summary-table">.*?</table>', html, re.S).group(0)
    first_row = re.search(r"<tbody>\s*<tr>\s*<th scope=\"row\">(.*?)</th>", table, re.S).group(1)
    assert "this opening" in first_row


@pytest.mark.parametrize("page", ["", "debrief/"])
def test_the_chart_comes_in_a_wide_and_a_narrow_layout_with_distinct_ids(
    client, committee_member, scored, page
):
    _opening, application = scored
    client.force_login(committee_member)

    html = client.get(f"/review/applications/{application.pk}/{page}").content.decode()

    charts = [ET.fromstring(markup) for markup in re.findall(r"<svg\b.*?</svg>", html, re.S)]  # noqa: S314
    assert [chart.get("data-layout") for chart in charts] == ["wide", "narrow"]
    assert [chart.get("class") for chart in charts] == [
        "skill-chart skill-chart-wide",
        "skill-chart skill-chart-narrow",
    ]
    ids = [element.get("id") for chart in charts for element in chart.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert all(chart.get("role") == "img" for chart in charts)
    dots = [
        {
            dot.get("data-area"): dot.get("data-estimate")
            for dot in chart.iter(f"{SVG}circle")
            if dot.get("data-area")
        }
        for chart in charts
    ]
    assert dots[0] == dots[1]
    assert dots[0]


def test_the_wide_tables_carry_their_column_names_for_the_phone_layout(client, committee_member, scored):
    _opening, application = scored
    client.force_login(committee_member)

    html = client.get(f"/review/applications/{application.pk}/").content.decode()

    tables = re.findall(r'<table class="(?:skill-table|fit-breakdown)".*?</table>', html, re.S)
    assert len(tables) == 4  # the skill table and one breakdown per role
    for table in tables:
        headers = [
            re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
        ]
        for row in re.findall(r"<tbody>.*?</tbody>", table, re.S):
            labels = re.findall(r'<td[^>]*data-label="([^"]+)"', row)
            assert labels
            assert set(labels) <= set(headers[1:])
        assert not re.search(r"<td(?![^>]*data-label)[^>]*>", table), "every cell names its column"
