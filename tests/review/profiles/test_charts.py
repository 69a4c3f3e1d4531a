"""The skill chart is a pure function from numbers to well-formed, accessible SVG."""

import xml.etree.ElementTree as ET

import pytest

from review.charts import Z80, SkillChartRow, level_x, skill_chart_description, skill_chart_svg

SVG = "{http://www.w3.org/2000/svg}"

ROWS = [
    SkillChartRow("software_engineering", "Software engineering", 3.4172, 0.31, 4, 4, 3),
    SkillChartRow("statistics", "Statistics", 2.25, 0.5, 2, 4, 3),
    SkillChartRow("communication", "Communication & <teamwork>", None, None, 0, 3, None),
]


def render(rows=ROWS) -> ET.Element:
    markup = skill_chart_svg(rows=rows, chart_id="c1", title="Chart for <Ada>", description="Desc & more")
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def test_each_dot_encodes_its_estimate_in_data_attributes_and_x_position():
    root = render()
    left, right = float(root.get("data-plot-left")), float(root.get("data-plot-right"))
    low, high = float(root.get("data-domain-min")), float(root.get("data-domain-max"))

    dots = {
        dot.get("data-area"): dot
        for dot in root.iter(f"{SVG}circle")
        if "chart-estimate" in dot.get("class").split()
    }

    assert set(dots) == {"software_engineering", "statistics"}
    for row in ROWS[:2]:
        dot = dots[row.area]
        assert float(dot.get("data-estimate")) == row.estimate
        assert float(dot.get("data-standard-error")) == row.standard_error
        assert int(dot.get("data-n-ratings")) == row.n_ratings
        expected_x = left + (row.estimate - low) / (high - low) * (right - left)
        assert float(dot.get("cx")) == pytest.approx(expected_x, abs=1e-3)


def test_the_error_bar_spans_the_80_percent_interval():
    root = render()
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-interval"]

    assert len(bars) == 2
    first = bars[0]
    assert float(first.get("data-lower")) == pytest.approx(3.4172 - Z80 * 0.31)
    assert float(first.get("data-upper")) == pytest.approx(3.4172 + Z80 * 0.31)
    line = first.find(f"{SVG}line")
    assert float(line.get("x1")) == pytest.approx(level_x(3.4172 - Z80 * 0.31), abs=1e-3)
    assert float(line.get("x2")) == pytest.approx(level_x(3.4172 + Z80 * 0.31), abs=1e-3)


def test_an_unassessed_area_reads_not_assessed_and_has_no_dot():
    root = render()
    row = next(
        g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-row" and g.get("data-area") == "communication"
    )

    assert row.find(f"{SVG}circle") is None
    assert [t.text for t in row.iter(f"{SVG}text") if t.get("class") == "chart-missing"] == ["not assessed"]


def test_expected_levels_and_minimums_are_marked_per_area():
    root = render()
    expected = {
        g.get("data-area"): g.find(f"{SVG}polygon").get("data-expected")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-row"
    }
    minimums = [
        line.get("data-minimum") for line in root.iter(f"{SVG}line") if line.get("class") == "chart-minimum"
    ]

    assert expected == {"software_engineering": "4", "statistics": "4", "communication": "3"}
    assert minimums == ["3", "3"]


def test_an_estimate_below_the_minimum_is_flagged():
    root = render()
    flags = {
        dot.get("data-area"): dot.get("data-below-bar")
        for dot in root.iter(f"{SVG}circle")
        if dot.get("data-area")
    }

    assert flags == {"software_engineering": "false", "statistics": "true"}


def test_the_chart_is_named_for_assistive_technology_and_escapes_text():
    root = render()

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}title").text == "Chart for <Ada>"
    assert root.find(f"{SVG}desc").text == "Desc & more"
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == ["Software engineering", "Statistics", "Communication & <teamwork>"]


def test_a_long_label_wraps_onto_two_lines_and_keeps_its_full_name_as_tooltip():
    label = "Statistical depth and experimentation design for <production> systems"
    root = render([SkillChartRow("a", label, 3.0, 0.2, 2, 3, None)])

    row = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row")
    text = next(t for t in row.iter(f"{SVG}text") if t.get("class") == "chart-label")
    lines = [span.text for span in text.iter(f"{SVG}tspan")]
    assert len(lines) == 2
    assert all(len(line) <= 30 for line in lines)
    assert lines[0] == "Statistical depth and"
    assert text.get("data-label") == label
    assert row.find(f"{SVG}title").text == label


def test_the_chart_uses_no_style_attributes():
    markup = str(skill_chart_svg(rows=ROWS, chart_id="c1", title="t", description="d"))

    assert " style=" not in markup
    assert all(element.get("style") is None for element in ET.fromstring(markup).iter())  # noqa: S314


def test_estimates_outside_the_axis_are_drawn_at_its_edge_but_keep_their_value():
    root = render([SkillChartRow("a", "A", 6.2, 0.1, 1, 3, None)])
    dot = next(root.iter(f"{SVG}circle"))

    assert float(dot.get("data-estimate")) == 6.2
    assert float(dot.get("cx")) == pytest.approx(float(root.get("data-plot-right")), abs=1e-3)


def test_the_description_names_missing_and_below_bar_areas():
    text = skill_chart_description(rows=ROWS, role_name="ML Engineer")

    assert "2 of 3 areas assessed" in text
    assert "Not assessed: Communication & <teamwork>." in text
    assert "Below a must-have minimum: Statistics." in text
