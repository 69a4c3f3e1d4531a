"""The skill chart is a pure function from numbers to well-formed, accessible SVG."""

import xml.etree.ElementTree as ET

import pytest

from review.charts import (
    MINIMUM_HALF_HEIGHT,
    NARROW,
    WIDE,
    Z80,
    SkillChartRow,
    level_x,
    skill_chart_description,
    skill_chart_svg,
)

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


# No mark hides another ------------------------------------------------------------------------------

LAYOUTS = [pytest.param(WIDE, id="wide"), pytest.param(NARROW, id="narrow")]
MET = SkillChartRow("software_engineering", "Software engineering", 3.0, 0.3, 2, 3, 3)


def render_in(layout, rows=(MET,)) -> ET.Element:
    markup = skill_chart_svg(rows=list(rows), chart_id="c", title="t", description="d", layout=layout)
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def diamond_geometry(polygon) -> tuple[float, float, float]:
    """The diamond's centre x, centre y and centre-to-corner radius."""
    points = [tuple(map(float, pair.split(","))) for pair in polygon.get("points").split()]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, (max(xs) - min(xs)) / 2


def marks(group) -> tuple[list, ET.Element, ET.Element, ET.Element]:
    children = list(group)
    dot = next(el for el in children if el.tag == f"{SVG}circle")
    diamond = next(el for el in children if "chart-expected" in (el.get("class") or ""))
    bar = next(el for el in children if "chart-minimum" in (el.get("class") or ""))
    return children, dot, diamond, bar


@pytest.mark.parametrize("layout", LAYOUTS)
def test_when_estimate_expected_and_minimum_coincide_each_mark_keeps_a_visible_part(layout):
    row = next(g for g in render_in(layout).iter(f"{SVG}g") if g.get("class") == "chart-row")
    children, dot, diamond, bar = marks(row)
    x, y, radius = diamond_geometry(diamond)
    dot_r, dot_stroke = float(dot.get("r")), float(dot.get("stroke-width"))
    diamond_stroke, bar_stroke = float(diamond.get("stroke-width")), float(bar.get("stroke-width"))

    # All three at the same place.
    assert float(dot.get("cx")) == pytest.approx(x) == pytest.approx(float(bar.get("x1")))
    assert float(dot.get("cy")) == pytest.approx(y)
    # The diamond is a hollow outline drawn after (over) the dot, and its inner edge clears the dot:
    # the dot shows whole inside it and the outline is never covered.
    assert diamond.get("fill") == "none"
    assert children.index(diamond) > children.index(dot)
    assert radius / 2**0.5 - diamond_stroke / 2 > dot_r + dot_stroke / 2
    # The bar is drawn first and sticks out above and below the diamond (so beyond the dot too);
    # it is thinner than the dot, so the dot is not hidden behind it either.
    assert children.index(bar) < children.index(dot)
    assert float(bar.get("y1")) < y - radius - diamond_stroke / 2 - 2
    assert float(bar.get("y2")) > y + radius + diamond_stroke / 2 + 2
    assert bar_stroke < dot_r


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_legend_draws_the_marks_as_the_rows_do(layout):
    root = render_in(layout)
    row = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row")
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-legend")
    _children, dot, diamond, bar = marks(row)
    key_dot = next(el for el in legend if el.get("class") == "chart-estimate-key")
    key_diamond = next(el for el in legend if el.get("class") == "chart-expected-key")
    key_bar = next(el for el in legend if el.get("class") == "chart-minimum-key")

    assert key_dot.get("r") == dot.get("r")
    assert diamond_geometry(key_diamond)[2] == diamond_geometry(diamond)[2]
    assert (key_diamond.get("fill"), key_diamond.get("stroke-width")) == ("none", diamond.get("stroke-width"))
    assert (key_bar.get("stroke"), key_bar.get("stroke-width")) == (
        bar.get("stroke"),
        bar.get("stroke-width"),
    )
    legend_text = " ".join(t.text for t in legend.iter(f"{SVG}text"))
    for meaning in ("estimate, 80% interval", "expected level", "must-have minimum", "runs past the axis"):
        assert meaning in legend_text
    assert next(legend.iter(f"{SVG}polygon")).get("class") != "chart-clamp"  # a key, not a marker


# Past the scale ------------------------------------------------------------------------------------


def clamp_markers(root) -> dict[str, ET.Element]:
    return {
        el.get("data-clamped"): el
        for el in root.iter(f"{SVG}polygon")
        if "chart-clamp" in (el.get("class") or "").split()
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_estimate_past_the_axis_is_drawn_at_its_edge_with_an_arrowhead_giving_its_value(layout):
    root = render_in(layout, [SkillChartRow("a", "A", 6.2, 0.1, 1, 3, None)])
    dot = next(root.iter(f"{SVG}circle"))
    markers = clamp_markers(root)

    assert dot.get("data-clamped") == "upper"
    assert float(dot.get("cx")) == pytest.approx(layout.plot_right)
    assert set(markers) == {"upper"}
    arrow = [tuple(map(float, pair.split(","))) for pair in markers["upper"].get("points").split()]
    tip = max(arrow)
    # Past the dot at the edge, pointing out of the plot, and still inside the drawing.
    assert min(x for x, _ in arrow) >= layout.plot_right + float(dot.get("r"))
    assert tip[0] <= layout.width
    assert float(markers["upper"].get("data-value")) == 6.2
    assert "Estimate 6.20" in markers["upper"].find(f"{SVG}title").text
    assert "past the axis: drawn at 5.5" in markers["upper"].find(f"{SVG}title").text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_interval_end_past_the_axis_is_clamped_and_gets_an_arrowhead_instead_of_its_cap(layout):
    row = SkillChartRow("a", "A", 1.0, 0.6, 2, 3, None)  # interval 0.23 to 1.77
    root = render_in(layout, [row])
    interval = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-interval")
    line = interval.find(f"{SVG}line")
    caps = [el.get("class") for el in interval if "chart-cap" in (el.get("class") or "")]
    markers = clamp_markers(root)

    assert float(line.get("x1")) == pytest.approx(layout.plot_left, abs=1e-3)
    assert float(line.get("x2")) == pytest.approx(layout.x(row.upper), abs=1e-3)
    assert interval.get("data-clamped") == "lower"
    assert caps == ["chart-cap chart-cap-upper"]
    assert set(markers) == {"lower"}
    arrow = [tuple(map(float, pair.split(","))) for pair in markers["lower"].get("points").split()]
    assert max(x for x, _ in arrow) <= layout.plot_left
    assert min(x for x, _ in arrow) >= 0
    assert float(markers["lower"].get("data-value")) == pytest.approx(row.lower)
    assert f"lower end, {row.lower:.2f}" in markers["lower"].find(f"{SVG}title").text
    assert next(root.iter(f"{SVG}circle")).get("data-clamped") is None  # the estimate itself is on the axis


def test_values_inside_the_axis_keep_both_caps_and_no_arrowhead():
    root = render()

    assert clamp_markers(root) == {}
    for interval in (g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-interval"):
        assert interval.get("data-clamped") is None
        assert len([el for el in interval if "chart-cap" in (el.get("class") or "")]) == 2


def test_the_description_gives_the_true_values_past_the_axis():
    rows = [SkillChartRow("a", "Statistics", 5.9, 0.5, 2, 4, None), *ROWS]

    text = skill_chart_description(rows=rows, role_name="ML Engineer")

    assert (
        "Past the axis (0.5 to 5.5), drawn at its edge with an arrowhead: Statistics (estimate 5.90" in text
    )
    assert "Software engineering" not in text.split("Past the axis")[1]


# The phone layout ----------------------------------------------------------------------------------


def test_the_narrow_layout_puts_each_label_above_its_bars_in_a_larger_font():
    root = render_in(NARROW, ROWS)
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row"]

    assert root.get("data-layout") == "narrow"
    assert root.get("viewBox").startswith(f"0 0 {NARROW.width:g} ")
    for group in rows:
        label = next(t for t in group.iter(f"{SVG}text") if t.get("class") == "chart-label")
        track = next(line for line in group.iter(f"{SVG}line") if "chart-track" in line.get("class"))
        span = label.find(f"{SVG}tspan")
        assert label.get("text-anchor") == "start"
        assert float(span.get("x")) == NARROW.plot_left
        assert float(span.get("y")) < float(track.get("y1")) - MINIMUM_HALF_HEIGHT  # above the tallest mark
        assert int(label.get("font-size")) >= 13
    assert all(int(t.get("font-size")) >= 12 for t in root.iter(f"{SVG}text"))


def test_the_narrow_layout_encodes_the_same_numbers():
    root = render_in(NARROW, ROWS)
    dots = {dot.get("data-area"): dot for dot in root.iter(f"{SVG}circle") if dot.get("data-area")}

    assert set(dots) == {"software_engineering", "statistics"}
    for row in ROWS[:2]:
        assert float(dots[row.area].get("data-estimate")) == row.estimate
        assert float(dots[row.area].get("cx")) == pytest.approx(NARROW.x(row.estimate), abs=1e-3)
    assert float(root.get("data-plot-left")) == NARROW.plot_left
    assert float(root.get("data-plot-right")) == NARROW.plot_right


def test_a_label_too_long_for_the_narrow_layout_is_shortened_and_keeps_its_full_name_as_tooltip():
    label = "Statistical depth and experimentation design for production systems"
    root = render_in(NARROW, [SkillChartRow("a", label, 3.0, 0.2, 2, 3, None)])

    row = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row")
    text = next(t for t in row.iter(f"{SVG}text") if t.get("class") == "chart-label")
    lines = [span.text for span in text.iter(f"{SVG}tspan")]
    assert len(lines) == 1
    assert len(lines[0]) <= NARROW.label_line_chars
    assert lines[0].endswith("\N{HORIZONTAL ELLIPSIS}")
    assert text.get("data-label") == label
    assert row.find(f"{SVG}title").text == label


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_is_well_formed_without_style_attributes(layout):
    markup = str(skill_chart_svg(rows=ROWS, chart_id="c1", title="t", description="d", layout=layout))

    assert " style=" not in markup
    assert all(element.get("style") is None for element in ET.fromstring(markup).iter())  # noqa: S314
