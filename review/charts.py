"""Server-rendered SVG charts: pure functions from numbers to markup (no ORM, no JavaScript).

The markup is well-formed XML (it parses with ``xml.etree``) and carries its
numbers in ``data-*`` attributes next to the drawn coordinates, so tests and
assistive tooling can read what is drawn. Every text is escaped with
``django.utils.html.escape``. No ``style`` attributes: colours are
presentation attributes (``fill``, ``stroke``) that page CSS may restyle
through the classes, so the charts survive a strict Content-Security-Policy.

The skill chart comes in two layouts drawn from the same rows: ``WIDE``
(labels left of the bars) and ``NARROW`` (labels above the bars, for a phone).
The page renders both and its CSS shows one, so the labels stay readable
whatever the width (a viewBox only scales; it cannot reflow).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from scoring.engine import Z80

SCALE_MIN = 1
SCALE_MAX = 5

# The axis runs half a level beyond the 1-5 scale so interval ends and markers at 1 or 5 stay visible.
# A value past it (an estimate or an interval end: the posterior is not bounded by the scale) is
# clamped to the edge and marked there with an arrowhead that carries the true value.
DOMAIN_MIN = SCALE_MIN - 0.5
DOMAIN_MAX = SCALE_MAX + 0.5

# The marks, in SVG user units. They are sized so that none can hide another when they coincide
# (estimate = expected level = must-have minimum): the dot is the smallest and filled; the diamond
# is a hollow outline drawn over it whose inner edge clears the dot; the must-have bar is a thin line
# drawn first and tall enough to stick out above and below the diamond.
DOT_RADIUS = 5
DOT_STROKE = 1
DIAMOND_RADIUS = 10  # centre to corner
DIAMOND_STROKE = 2
MINIMUM_HALF_HEIGHT = 17
MINIMUM_STROKE = 3
CAP_HALF_HEIGHT = 5  # the interval's end caps
ARROW_LENGTH = 8  # the clamp's arrowhead, pointing out of the plot
ARROW_HALF_HEIGHT = 5


@dataclass(frozen=True)
class ChartLayout:
    """Where the skill chart's parts go; the marks are the same size in every layout."""

    name: str
    width: float
    plot_left: float
    plot_right: float
    top: float  # the first row's top
    row_height: float
    labels_above: bool  # False: right-aligned to the left of the plot
    label_x: float
    label_font: int
    label_line_chars: int  # a longer label wraps (labels left) or is shortened (labels above)
    tick_font: int
    legend_left: float
    legend_columns: int
    legend_column_width: float
    legend_row_height: float
    legend_font: int

    def x(self, level: float) -> float:
        """The x coordinate of a level on this layout's axis (clamped to the drawn domain)."""
        clamped = min(max(level, DOMAIN_MIN), DOMAIN_MAX)
        span = self.plot_right - self.plot_left
        return self.plot_left + (clamped - DOMAIN_MIN) / (DOMAIN_MAX - DOMAIN_MIN) * span

    def track_y(self, row_top: float) -> float:
        """The y of a row's bars: its middle, or below the label when labels sit above."""
        if self.labels_above:
            return row_top + 20 + MINIMUM_HALF_HEIGHT
        return row_top + self.row_height / 2


# 20 units either side of the plot leave room for a clamp's arrowhead past a clamped dot.
WIDE = ChartLayout(
    name="wide",
    width=680,
    plot_left=250,
    plot_right=660,
    top=34,
    row_height=38,
    labels_above=False,
    label_x=230,
    label_font=12,
    label_line_chars=30,
    tick_font=12,
    legend_left=250,
    legend_columns=2,
    legend_column_width=200,
    legend_row_height=26,
    legend_font=12,
)
NARROW = ChartLayout(
    name="narrow",
    width=360,
    plot_left=20,
    plot_right=340,
    top=30,
    row_height=58,
    labels_above=True,
    label_x=20,
    label_font=13,
    label_line_chars=44,
    tick_font=12,
    legend_left=20,
    legend_columns=1,
    legend_column_width=320,
    legend_row_height=26,
    legend_font=12,
)

# The wide layout's geometry under its historical names.
WIDTH = WIDE.width
LABEL_WIDTH = WIDE.label_x
LABEL_LINE_CHARS = WIDE.label_line_chars
PLOT_LEFT = WIDE.plot_left
PLOT_RIGHT = WIDE.plot_right
TOP = WIDE.top
ROW_HEIGHT = WIDE.row_height


@dataclass(frozen=True)
class SkillChartRow:
    """One skill area: the calibrated estimate (None when nobody assessed it) against the role's levels."""

    area: str
    label: str
    estimate: float | None
    standard_error: float | None
    n_ratings: int
    expected_level: int | None
    minimum_level: int | None

    @property
    def assessed(self) -> bool:
        return self.estimate is not None

    @property
    def below_bar(self) -> bool:
        """The engine's rule: an assessed area whose estimate is under the must-have minimum."""
        return (
            self.estimate is not None
            and self.minimum_level is not None
            and self.estimate < self.minimum_level
        )

    @property
    def lower(self) -> float | None:
        if self.estimate is None or self.standard_error is None:
            return None
        return self.estimate - Z80 * self.standard_error

    @property
    def upper(self) -> float | None:
        if self.estimate is None or self.standard_error is None:
            return None
        return self.estimate + Z80 * self.standard_error

    @property
    def clamped(self) -> list[str]:
        """The sides ("lower", "upper") where the estimate or its interval runs past the drawn axis."""
        if self.estimate is None:
            return []
        low = self.estimate if self.lower is None else self.lower
        high = self.estimate if self.upper is None else self.upper
        return [side for side, past in (("lower", low < DOMAIN_MIN), ("upper", high > DOMAIN_MAX)) if past]


def level_x(level: float) -> float:
    """The x coordinate of a level on the wide chart's axis (clamped to the drawn domain)."""
    return WIDE.x(level)


def _n(value: float) -> str:
    """A coordinate as markup: three decimals, no trailing noise."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _attrs(**attributes) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
    return " ".join(parts)


def _label_lines(label: str, line_chars: int = LABEL_LINE_CHARS) -> list[str]:
    """Split a long label at a space into two lines; the second is shortened if it is still too long."""
    if len(label) <= line_chars:
        return [label]
    cut = label.rfind(" ", 0, line_chars + 1)
    if cut <= 0:
        cut = line_chars
    first, rest = label[:cut].rstrip(), label[cut:].strip()
    if len(rest) > line_chars:
        rest = rest[: line_chars - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    return [first, rest]


def _shortened(label: str, line_chars: int) -> str:
    if len(label) <= line_chars:
        return label
    return label[: line_chars - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def _el(tag: str, content: str | None = None, **attributes) -> str:
    attrs = _attrs(**attributes)
    if content is None:
        return f"<{tag} {attrs}/>"
    return f"<{tag} {attrs}>{content}</{tag}>"


def _level(value: float) -> str:
    return f"{value:.2f}"


# The marks, shared by the rows and the legend ------------------------------------------------------


def _dot(x: float, y: float, **attributes) -> str:
    return _el(
        "circle",
        cx=_n(x),
        cy=_n(y),
        r=_n(DOT_RADIUS),
        stroke="#ffffff",
        stroke_width=_n(DOT_STROKE),
        **attributes,
    )


def _diamond(x: float, y: float, **attributes) -> str:
    r = DIAMOND_RADIUS
    points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
    return _el(
        "polygon",
        points=points,
        fill="none",
        stroke="#1c2430",
        stroke_width=_n(DIAMOND_STROKE),
        stroke_linejoin="miter",
        **attributes,
    )


def _minimum_bar(x: float, y: float, half_height: float = MINIMUM_HALF_HEIGHT, **attributes) -> str:
    return _el(
        "line",
        x1=_n(x),
        x2=_n(x),
        y1=_n(y - half_height),
        y2=_n(y + half_height),
        stroke="#b3261e",
        stroke_width=_n(MINIMUM_STROKE),
        **attributes,
    )


def _arrowhead(base_x: float, y: float, direction: int, content: str | None = None, **attributes) -> str:
    """A filled triangle whose base stands at ``base_x`` and whose tip points left (-1) or right (+1)."""
    tip = base_x + direction * ARROW_LENGTH
    points = (
        f"{_n(base_x)},{_n(y - ARROW_HALF_HEIGHT)} {_n(tip)},{_n(y)} {_n(base_x)},{_n(y + ARROW_HALF_HEIGHT)}"
    )
    return _el("polygon", content, points=points, fill="#1f5fbf", **attributes)


# The chart --------------------------------------------------------------------------------------


def skill_chart_svg(
    *,
    rows: Sequence[SkillChartRow],
    chart_id: str,
    title: str,
    description: str,
    layout: ChartLayout = WIDE,
) -> SafeString:
    """An inline SVG: one row per skill area on the 1-5 scale.

    Per row: the estimate as a filled dot with its 80% interval (estimate ±
    1.2816 SE) as an error bar, the role's expected level as a hollow diamond
    drawn over the dot and the must-have minimum, if any, as a thin bar taller
    than both; when the three coincide each stays visible (see the mark sizes
    above). A value past the axis (``DOMAIN_MIN``-``DOMAIN_MAX``) is drawn at
    its edge with a ``chart-clamp`` arrowhead pointing out, whose ``<title>``
    and ``data-value`` give the true value. An area nobody assessed reads
    "not assessed" and has no dot (missing is not zero). The dot carries
    ``data-area``, ``data-estimate``, ``data-standard-error`` and
    ``data-n-ratings``; its ``cx`` is ``layout.x(estimate)``. The root carries
    the axis mapping (``data-domain-min/max``, ``data-plot-left/right``) and
    ``data-layout``. ``role="img"`` with ``<title>`` and ``<desc>`` named by
    ``aria-labelledby``; the page's table is the full accessible version.
    """
    n_rows = max(len(rows), 1)
    plot_bottom = layout.top + layout.row_height * n_rows
    legend_rows = -(-4 // layout.legend_columns)
    height = plot_bottom + 12 + layout.legend_row_height * legend_rows + 6
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        _el("title", escape(title), id=title_id),
        _el("desc", escape(description), id=desc_id),
    ]

    axis = []
    for level in range(SCALE_MIN, SCALE_MAX + 1):
        x = _n(layout.x(level))
        axis.append(
            _el("line", x1=x, x2=x, y1=layout.top - 6, y2=plot_bottom, class_="chart-grid", stroke="#d8dee6")
        )
        axis.append(
            _el(
                "text",
                str(level),
                x=x,
                y=layout.top - 12,
                class_="chart-tick",
                text_anchor="middle",
                font_size=layout.tick_font,
                fill="#5b6675",
            )
        )
    parts.append(_el("g", "".join(axis), class_="chart-axis", aria_hidden="true"))

    for index, row in enumerate(rows):
        parts.append(_row_markup(row, layout.top + layout.row_height * index, layout))

    parts.append(_legend_markup(plot_bottom + 12, layout))
    root = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {_n(layout.width)} {_n(height)}",
        width=_n(layout.width),
        height=_n(height),
        class_=f"skill-chart skill-chart-{layout.name}",
        id=chart_id,
        role="img",
        aria_labelledby=f"{title_id} {desc_id}",
        data_layout=layout.name,
        data_domain_min=_n(DOMAIN_MIN),
        data_domain_max=_n(DOMAIN_MAX),
        data_plot_left=_n(layout.plot_left),
        data_plot_right=_n(layout.plot_right),
        font_family="system-ui, sans-serif",
    )
    # "viewBox" must keep its capital B: _attrs only rewrites underscores.
    return mark_safe(f"<svg {root}>{''.join(parts)}</svg>")  # noqa: S308 - every text and attribute is escaped


def _label_markup(row: SkillChartRow, top: float, middle: float, layout: ChartLayout) -> str:
    if layout.labels_above:
        lines = [_shortened(row.label, layout.label_line_chars)]
        first_y, anchor = top + 15, "start"
    else:
        lines = _label_lines(row.label, layout.label_line_chars)
        first_y, anchor = middle + 4 - 7 * (len(lines) - 1), "end"
    spans = "".join(
        _el("tspan", escape(line), x=_n(layout.label_x), y=_n(first_y + 14 * number))
        for number, line in enumerate(lines)
    )
    return _el(
        "text",
        spans,
        class_="chart-label",
        text_anchor=anchor,
        font_size=layout.label_font,
        fill="#1c2430",
        data_label=row.label,
    )


def _row_markup(row: SkillChartRow, top: float, layout: ChartLayout) -> str:
    middle = layout.track_y(top)
    y = _n(middle)
    parts = [
        # The full label as the row's tooltip; the visible one may be shortened.
        _el("title", escape(row.label)),
        _label_markup(row, top, middle, layout),
        _el(
            "line",
            x1=_n(layout.plot_left),
            x2=_n(layout.plot_right),
            y1=y,
            y2=y,
            class_="chart-track" if row.assessed else "chart-track chart-track-missing",
            stroke="#e3e8ee",
            stroke_width="1",
            stroke_dasharray=None if row.assessed else "4 4",
        ),
    ]
    # Drawing order, bottom to top: the must-have bar, the interval, the dot, the diamond.
    if row.minimum_level is not None:
        parts.append(
            _minimum_bar(
                layout.x(row.minimum_level), middle, class_="chart-minimum", data_minimum=row.minimum_level
            )
        )
    clamped = row.clamped
    if row.estimate is None:
        parts.append(
            _el(
                "text",
                "not assessed",
                x=_n(layout.plot_left + 4),
                y=_n(middle + 4),
                class_="chart-missing",
                font_size="12" if layout.labels_above else "11",
                font_style="italic",
                fill="#5b6675",
            )
        )
    else:
        if row.lower is not None and row.upper is not None:
            x1, x2 = layout.x(row.lower), layout.x(row.upper)
            interval = [_el("line", x1=_n(x1), x2=_n(x2), y1=y, y2=y)]
            # An end cap says "the interval ends here": a clamped end gets an arrowhead instead.
            for x, side in ((x1, "lower"), (x2, "upper")):
                if side not in clamped:
                    interval.append(
                        _el(
                            "line",
                            x1=_n(x),
                            x2=_n(x),
                            y1=_n(middle - CAP_HALF_HEIGHT),
                            y2=_n(middle + CAP_HALF_HEIGHT),
                            class_=f"chart-cap chart-cap-{side}",
                        )
                    )
            parts.append(
                _el(
                    "g",
                    "".join(interval),
                    class_="chart-interval",
                    stroke="#1f5fbf",
                    stroke_width="2",
                    data_lower=repr(row.lower),
                    data_upper=repr(row.upper),
                    data_clamped=" ".join(clamped) or None,
                )
            )
        estimate_past = (
            "lower" if row.estimate < DOMAIN_MIN else "upper" if row.estimate > DOMAIN_MAX else None
        )
        parts.append(
            _dot(
                layout.x(row.estimate),
                middle,
                class_="chart-estimate below-bar" if row.below_bar else "chart-estimate",
                fill="#b3261e" if row.below_bar else "#1f5fbf",
                data_area=row.area,
                data_estimate=repr(row.estimate),
                data_standard_error=None if row.standard_error is None else repr(row.standard_error),
                data_n_ratings=row.n_ratings,
                data_below_bar="true" if row.below_bar else "false",
                data_clamped=estimate_past,
            )
        )
    if row.expected_level is not None:
        # After the dot: a hollow outline around it, so the dot never covers the expected level.
        x = layout.x(row.expected_level)
        parts.append(
            _diamond(x, middle, class_="chart-expected", data_expected=row.expected_level, data_x=_n(x))
        )
    for side in clamped:
        parts.append(_clamp_markup(row, side, middle, layout))
    return _el("g", "".join(parts), class_="chart-row", data_area=row.area)


def _clamp_markup(row: SkillChartRow, side: str, middle: float, layout: ChartLayout) -> str:
    """The arrowhead at a clamped end, outside the plot, with the true value as its tooltip."""
    direction = 1 if side == "upper" else -1
    edge, limit = (layout.plot_right, DOMAIN_MAX) if side == "upper" else (layout.plot_left, DOMAIN_MIN)
    end = row.upper if side == "upper" else row.lower
    estimate_past = row.estimate > DOMAIN_MAX if side == "upper" else row.estimate < DOMAIN_MIN
    if estimate_past:
        value = row.estimate
        text = f"Estimate {_level(row.estimate)}"
        if row.lower is not None and row.upper is not None:
            text += f" (80% interval {_level(row.lower)} to {_level(row.upper)})"
        base = edge + direction * (DOT_RADIUS + 2)  # past the dot drawn at the edge
    else:
        value = end
        text = f"The 80% interval's {side} end, {_level(end)}"
        base = edge
    text += f", is past the axis: drawn at {_n(limit)}."
    return _arrowhead(
        base,
        middle,
        direction,
        _el("title", escape(text)),
        class_=f"chart-clamp chart-clamp-{side}",
        data_clamped=side,
        data_value=repr(value),
    )


def _legend_markup(top: float, layout: ChartLayout) -> str:
    """The key: each mark drawn as on the rows (same shapes, sizes and order), with its meaning."""
    row_height, font = layout.legend_row_height, layout.legend_font

    def slot(index: int) -> tuple[float, float]:
        column, line = index % layout.legend_columns, index // layout.legend_columns
        return (
            layout.legend_left + column * layout.legend_column_width,
            top + line * row_height + row_height / 2,
        )

    def text(label: str, x: float, y: float) -> str:
        return _el("text", escape(label), x=_n(x + 30), y=_n(y + 4), font_size=font, fill="#1c2430")

    items = []
    x, y = slot(0)
    items += [
        _el("line", x1=_n(x), x2=_n(x + 22), y1=_n(y), y2=_n(y), stroke="#1f5fbf", stroke_width="2"),
        _dot(x + 11, y, fill="#1f5fbf", class_="chart-estimate-key"),
        text("estimate, 80% interval", x, y),
    ]
    x, y = slot(1)
    items += [
        _dot(x + 11, y, fill="#1f5fbf", class_="chart-estimate-key"),
        _diamond(x + 11, y, class_="chart-expected-key"),
        text("expected level", x, y),
    ]
    x, y = slot(2)
    items += [
        _minimum_bar(x + 11, y, half_height=row_height / 2 - 1, class_="chart-minimum-key"),
        text("must-have minimum", x, y),
    ]
    x, y = slot(3)
    items += [
        _el("line", x1=_n(x), x2=_n(x + 12), y1=_n(y), y2=_n(y), stroke="#1f5fbf", stroke_width="2"),
        _arrowhead(x + 12, y, 1, class_="chart-clamp-key"),
        text("runs past the axis", x, y),
    ]
    return _el("g", "".join(items), class_="chart-legend", aria_hidden="true")


def skill_chart_description(*, rows: Sequence[SkillChartRow], role_name: str) -> str:
    """A one-paragraph summary of the chart for ``<desc>`` (the table holds every number)."""
    assessed = [row for row in rows if row.assessed]
    below = [row.label for row in rows if row.below_bar]
    missing = [row.label for row in rows if not row.assessed]
    past = [row for row in rows if row.clamped]
    sentences = [
        f"Calibrated skill estimates with 80% intervals against the {role_name} profile's expected "
        f"levels and must-have minimums, on the {SCALE_MIN}-{SCALE_MAX} scale.",
        f"{len(assessed)} of {len(rows)} areas assessed.",
    ]
    if missing:
        sentences.append(f"Not assessed: {', '.join(missing)}.")
    sentences.append(
        f"Below a must-have minimum: {', '.join(below)}." if below else "No area below its minimum."
    )
    if past:
        described = "; ".join(
            f"{row.label} (estimate {_level(row.estimate)}"
            + (
                f", interval {_level(row.lower)} to {_level(row.upper)})"
                if row.lower is not None and row.upper is not None
                else ")"
            )
            for row in past
        )
        sentences.append(
            f"Past the axis ({_n(DOMAIN_MIN)} to {_n(DOMAIN_MAX)}), drawn at its edge with an arrowhead: "
            f"{described}."
        )
    sentences.append("The table below gives every number.")
    return " ".join(sentences)


# The take-home chart: claimed against measured --------------------------------------------------


@dataclass(frozen=True)
class ClaimChartRow:
    """A take-home contract's metric: the measured value with its 95% interval, the claim, the budget."""

    key: str
    label: str
    value: float
    lower: float
    upper: float
    claimed: float | None  # None: nothing (or nothing numeric) claimed
    budget: float | None  # a minimum, or None
    verdict: str  # in words, for the row's tooltip (the page's table has it too)


@dataclass(frozen=True)
class ClaimChartLayout:
    name: str
    width: float
    plot_left: float
    plot_right: float
    row_height: float
    labels_above: bool
    label_x: float
    font: int


CLAIM_WIDE = ClaimChartLayout("wide", 680, 190, 650, 40, False, 176, 12)
CLAIM_NARROW = ClaimChartLayout("narrow", 360, 20, 340, 58, True, 20, 13)
CLAIM_TOP = 30
CLAIM_BAR_HALF_HEIGHT = 6
CLAIM_TICK_HALF_HEIGHT = 10
CLAIM_DIAMOND_RADIUS = 7
CLAIM_BUDGET_HALF_HEIGHT = 14


def claim_chart_domain(rows: Sequence[ClaimChartRow]) -> tuple[float, float]:
    """The axis: from a round 0.05 below the lowest interval end, claim or budget, up to 1."""
    values = [row.lower for row in rows] + [
        v for row in rows for v in (row.claimed, row.budget) if v is not None
    ]
    lowest = min([v for v in values if 0 <= v <= 1], default=0.0)
    return max(0.0, int((lowest - 0.02) * 20) / 20), 1.0


def _claim_ticks(domain_min: float, domain_max: float) -> list[float]:
    span = domain_max - domain_min
    step = 0.05 if span <= 0.3 else 0.1 if span <= 0.6 else 0.2
    ticks, tick = [], domain_max
    while tick >= domain_min - 1e-9:
        ticks.append(round(tick, 2))
        tick -= step
    return sorted(ticks)


def claim_chart_svg(
    *,
    rows: Sequence[ClaimChartRow],
    chart_id: str,
    title: str,
    description: str,
    layout: ClaimChartLayout = CLAIM_WIDE,
) -> SafeString:
    """An inline SVG: one row per contract metric, its measured 95% interval as a bar, the measured
    value as a tick across it, the claim as a hollow diamond and the budget (a minimum) as a red line.

    The axis runs from ``claim_chart_domain``'s lower end to 1 (metrics are fractions); a claim past
    it is drawn at the edge with ``data-clamped``. Each row's ``<title>`` says every number in words;
    the marks carry ``data-value``, ``data-lower``, ``data-upper``, ``data-claimed`` and ``data-budget``.
    ``role="img"`` with ``<title>`` and ``<desc>``; the page's contract table is the full text version.
    """
    domain_min, domain_max = claim_chart_domain(rows)

    def x(value: float) -> float:
        clamped = min(max(value, domain_min), domain_max)
        span = layout.plot_right - layout.plot_left
        return layout.plot_left + (clamped - domain_min) / (domain_max - domain_min) * span

    n_rows = max(len(rows), 1)
    plot_bottom = CLAIM_TOP + layout.row_height * n_rows
    legend_rows = 2 if layout.labels_above else 1
    height = plot_bottom + 14 + 24 * legend_rows
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [_el("title", escape(title), id=title_id), _el("desc", escape(description), id=desc_id)]
    axis = []
    for tick in _claim_ticks(domain_min, domain_max):
        tx = _n(x(tick))
        axis.append(
            _el("line", x1=tx, x2=tx, y1=CLAIM_TOP - 6, y2=plot_bottom, class_="chart-grid", stroke="#d8dee6")
        )
        axis.append(
            _el(
                "text",
                f"{tick:.2f}",
                x=tx,
                y=CLAIM_TOP - 12,
                text_anchor="middle",
                font_size=12,
                fill="#5b6675",
                class_="chart-tick",
            )
        )
    parts.append(_el("g", "".join(axis), class_="chart-axis", aria_hidden="true"))

    for index, row in enumerate(rows):
        top = CLAIM_TOP + layout.row_height * index
        middle = top + 20 + CLAIM_BUDGET_HALF_HEIGHT if layout.labels_above else top + layout.row_height / 2
        y = _n(middle)
        label_y = top + 15 if layout.labels_above else middle + 4
        marks = [
            _el("title", escape(_claim_row_text(row))),
            _el(
                "text",
                escape(row.label),
                x=_n(layout.label_x),
                y=_n(label_y),
                text_anchor="start" if layout.labels_above else "end",
                font_size=layout.font,
                fill="#1c2430",
                class_="chart-label",
            ),
            _el(
                "line",
                x1=_n(layout.plot_left),
                x2=_n(layout.plot_right),
                y1=y,
                y2=y,
                stroke="#e3e8ee",
                class_="chart-track",
            ),
        ]
        if row.budget is not None:
            bx = x(row.budget)
            marks.append(
                _el(
                    "line",
                    x1=_n(bx),
                    x2=_n(bx),
                    y1=_n(middle - CLAIM_BUDGET_HALF_HEIGHT),
                    y2=_n(middle + CLAIM_BUDGET_HALF_HEIGHT),
                    stroke="#b3261e",
                    stroke_width="3",
                    class_="chart-budget",
                    data_budget=repr(row.budget),
                )
            )
        left, right = x(row.lower), x(row.upper)
        marks.append(
            _el(
                "rect",
                x=_n(left),
                y=_n(middle - CLAIM_BAR_HALF_HEIGHT),
                width=_n(max(right - left, 1.0)),
                height=_n(2 * CLAIM_BAR_HALF_HEIGHT),
                fill="#8fb0e3",
                class_="chart-interval",
                data_lower=repr(row.lower),
                data_upper=repr(row.upper),
            )
        )
        vx = _n(x(row.value))
        marks.append(
            _el(
                "line",
                x1=vx,
                x2=vx,
                y1=_n(middle - CLAIM_TICK_HALF_HEIGHT),
                y2=_n(middle + CLAIM_TICK_HALF_HEIGHT),
                stroke="#1f5fbf",
                stroke_width="3",
                class_="chart-measured",
                data_value=repr(row.value),
            )
        )
        if row.claimed is None:
            marks.append(
                _el(
                    "text",
                    "not claimed",
                    # At the right end, above the track: clear of the label, the bar and the tick.
                    x=_n(layout.plot_right),
                    y=_n(middle - CLAIM_TICK_HALF_HEIGHT - 2),
                    text_anchor="end",
                    font_size=11,
                    font_style="italic",
                    fill="#5b6675",
                    class_="chart-unclaimed",
                )
            )
        else:
            cx = x(row.claimed)
            r = CLAIM_DIAMOND_RADIUS
            clamped = "upper" if row.claimed > domain_max else "lower" if row.claimed < domain_min else None
            marks.append(
                _el(
                    "polygon",
                    points=_diamond_points(cx, middle, r),
                    fill="#ffffff",
                    fill_opacity="0.4",
                    stroke="#1c2430",
                    stroke_width="2",
                    class_="chart-claimed",
                    data_claimed=repr(row.claimed),
                    data_clamped=clamped,
                )
            )
        parts.append(_el("g", "".join(marks), class_="chart-row", data_metric=row.key))

    parts.append(_claim_legend(plot_bottom + 14, layout))
    root = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {_n(layout.width)} {_n(height)}",
        width=_n(layout.width),
        height=_n(height),
        class_=f"claim-chart claim-chart-{layout.name}",
        id=chart_id,
        role="img",
        aria_labelledby=f"{title_id} {desc_id}",
        data_layout=layout.name,
        data_domain_min=_n(domain_min),
        data_domain_max=_n(domain_max),
        data_plot_left=_n(layout.plot_left),
        data_plot_right=_n(layout.plot_right),
        font_family="system-ui, sans-serif",
    )
    return mark_safe(f"<svg {root}>{''.join(parts)}</svg>")  # noqa: S308 - every text and attribute is escaped


def _diamond_points(x: float, y: float, r: float) -> str:
    return f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"


def _f3(value: float) -> str:
    return floatformat(value, "3u")  # half up, as the pages round every figure


def _claim_row_text(row: ClaimChartRow) -> str:
    text = f"{row.label}: measured {_f3(row.value)}, 95% interval {_f3(row.lower)} to {_f3(row.upper)}"
    text += "; not claimed" if row.claimed is None else f"; claimed {_f3(row.claimed)} ({row.verdict})"
    if row.budget is not None:
        text += f"; budget at least {_f3(row.budget)}"
    return text + "."


def _claim_legend(top: float, layout: ClaimChartLayout) -> str:
    columns = 2 if layout.labels_above else 4
    column_width = (layout.width - 40) / columns if layout.labels_above else 160
    left = layout.label_x if layout.labels_above else 20

    def slot(index: int) -> tuple[float, float]:
        return left + (index % columns) * column_width, top + (index // columns) * 24 + 12

    def text(label: str, sx: float, sy: float) -> str:
        return _el("text", escape(label), x=_n(sx + 26), y=_n(sy + 4), font_size=12, fill="#1c2430")

    items = []
    sx, sy = slot(0)
    items += [
        _el(
            "rect",
            x=_n(sx),
            y=_n(sy - CLAIM_BAR_HALF_HEIGHT),
            width="20",
            height=_n(2 * CLAIM_BAR_HALF_HEIGHT),
            fill="#8fb0e3",
        ),
        text("95% interval", sx, sy),
    ]
    sx, sy = slot(1)
    items += [
        _el(
            "line",
            x1=_n(sx + 10),
            x2=_n(sx + 10),
            y1=_n(sy - CLAIM_TICK_HALF_HEIGHT),
            y2=_n(sy + CLAIM_TICK_HALF_HEIGHT),
            stroke="#1f5fbf",
            stroke_width="3",
        ),
        text("measured", sx, sy),
    ]
    sx, sy = slot(2)
    r = CLAIM_DIAMOND_RADIUS
    items += [
        _el(
            "polygon",
            points=_diamond_points(sx + 10, sy, r),
            fill="#ffffff",
            stroke="#1c2430",
            stroke_width="2",
        ),
        text("claimed", sx, sy),
    ]
    sx, sy = slot(3)
    items += [
        _el(
            "line",
            x1=_n(sx + 10),
            x2=_n(sx + 10),
            y1=_n(sy - 10),
            y2=_n(sy + 10),
            stroke="#b3261e",
            stroke_width="3",
        ),
        text("budget (minimum)", sx, sy),
    ]
    return _el("g", "".join(items), class_="chart-legend", aria_hidden="true")


def claim_chart_description(rows: Sequence[ClaimChartRow]) -> str:
    """A summary of the claim chart for ``<desc>`` (the contract table holds every number)."""
    if not rows:
        return "No metric was measured."
    domain_min, domain_max = claim_chart_domain(rows)
    sentences = [
        f"Each contract metric as measured on the hidden test set, with its 95% interval, against what the "
        f"candidate claimed and the exercise's budget; the axis runs from {domain_min:.2f} to "
        f"{domain_max:.2f}."
    ]
    sentences += [_claim_row_text(row) for row in rows]
    sentences.append("The contract table gives every item.")
    return " ".join(sentences)
