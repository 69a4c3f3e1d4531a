"""Server-rendered SVG charts: pure functions from numbers to markup (no ORM, no JavaScript).

The markup is well-formed XML (it parses with ``xml.etree``) and carries its
numbers in ``data-*`` attributes next to the drawn coordinates, so tests and
assistive tooling can read what is drawn. Every text is escaped with
``django.utils.html.escape``. No ``style`` attributes: colours are
presentation attributes (``fill``, ``stroke``) that page CSS may restyle
through the classes, so the charts survive a strict Content-Security-Policy.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from scoring.engine import Z80

SCALE_MIN = 1
SCALE_MAX = 5

# Geometry of the skill chart, in SVG user units (the viewBox scales it to the page).
WIDTH = 680
LABEL_WIDTH = 230
LABEL_LINE_CHARS = 30  # a label longer than this wraps onto a second line
PLOT_LEFT = LABEL_WIDTH + 20
PLOT_RIGHT = WIDTH - 20
# The axis runs half a level beyond the 1-5 scale so interval ends and markers at 1 or 5 stay visible.
DOMAIN_MIN = SCALE_MIN - 0.5
DOMAIN_MAX = SCALE_MAX + 0.5
TOP = 34
ROW_HEIGHT = 38
LEGEND_HEIGHT = 44


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


def level_x(level: float) -> float:
    """The x coordinate of a level on the chart's axis (clamped to the drawn domain)."""
    clamped = min(max(level, DOMAIN_MIN), DOMAIN_MAX)
    return PLOT_LEFT + (clamped - DOMAIN_MIN) / (DOMAIN_MAX - DOMAIN_MIN) * (PLOT_RIGHT - PLOT_LEFT)


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


def _label_lines(label: str) -> list[str]:
    """Split a long label at a space into two lines; the second is shortened if it is still too long."""
    if len(label) <= LABEL_LINE_CHARS:
        return [label]
    cut = label.rfind(" ", 0, LABEL_LINE_CHARS + 1)
    if cut <= 0:
        cut = LABEL_LINE_CHARS
    first, rest = label[:cut].rstrip(), label[cut:].strip()
    if len(rest) > LABEL_LINE_CHARS:
        rest = rest[: LABEL_LINE_CHARS - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    return [first, rest]


def _el(tag: str, content: str | None = None, **attributes) -> str:
    attrs = _attrs(**attributes)
    if content is None:
        return f"<{tag} {attrs}/>"
    return f"<{tag} {attrs}>{content}</{tag}>"


def skill_chart_svg(
    *, rows: Sequence[SkillChartRow], chart_id: str, title: str, description: str
) -> SafeString:
    """An inline SVG: one row per skill area on the 1-5 scale.

    Per row: the estimate as a dot with its 80% interval (estimate ± 1.2816 SE)
    as an error bar, the role's expected level as a hollow diamond and the
    must-have minimum, if any, as a tall bar. An area nobody assessed reads
    "not assessed" and has no dot (missing is not zero). The dot carries
    ``data-area``, ``data-estimate``, ``data-standard-error`` and
    ``data-n-ratings``; its ``cx`` is ``level_x(estimate)``. The root carries
    the axis mapping (``data-domain-min/max``, ``data-plot-left/right``).
    ``role="img"`` with ``<title>`` and ``<desc>`` named by
    ``aria-labelledby``; the page's table is the full accessible version.
    """
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + LEGEND_HEIGHT
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    plot_bottom = TOP + ROW_HEIGHT * max(len(rows), 1)
    parts = [
        _el("title", escape(title), id=title_id),
        _el("desc", escape(description), id=desc_id),
    ]

    axis = []
    for level in range(SCALE_MIN, SCALE_MAX + 1):
        x = _n(level_x(level))
        axis.append(
            _el("line", x1=x, x2=x, y1=TOP - 6, y2=plot_bottom, class_="chart-grid", stroke="#d8dee6")
        )
        axis.append(
            _el(
                "text",
                str(level),
                x=x,
                y=TOP - 12,
                class_="chart-tick",
                text_anchor="middle",
                font_size="12",
                fill="#5b6675",
            )
        )
    parts.append(_el("g", "".join(axis), class_="chart-axis", aria_hidden="true"))

    for index, row in enumerate(rows):
        parts.append(_row_markup(row, TOP + ROW_HEIGHT * index))

    parts.append(_legend_markup(plot_bottom + 14))
    root = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {height}",
        width=WIDTH,
        height=height,
        class_="skill-chart",
        id=chart_id,
        role="img",
        aria_labelledby=f"{title_id} {desc_id}",
        data_domain_min=_n(DOMAIN_MIN),
        data_domain_max=_n(DOMAIN_MAX),
        data_plot_left=_n(PLOT_LEFT),
        data_plot_right=_n(PLOT_RIGHT),
        font_family="system-ui, sans-serif",
    )
    # "viewBox" must keep its capital B: _attrs only rewrites underscores.
    return mark_safe(f"<svg {root}>{''.join(parts)}</svg>")  # noqa: S308 - every text and attribute is escaped


def _row_markup(row: SkillChartRow, top: float) -> str:
    middle = top + ROW_HEIGHT / 2
    y = _n(middle)
    lines = _label_lines(row.label)
    first_y = middle + 4 - 7 * (len(lines) - 1)
    label_lines = "".join(
        _el("tspan", escape(line), x=LABEL_WIDTH, y=_n(first_y + 14 * number))
        for number, line in enumerate(lines)
    )
    parts = [
        # The full label as the row's tooltip; the visible one may be shortened.
        _el("title", escape(row.label)),
        _el(
            "text",
            label_lines,
            class_="chart-label",
            text_anchor="end",
            font_size="12",
            fill="#1c2430",
            data_label=row.label,
        ),
        _el(
            "line",
            x1=_n(PLOT_LEFT),
            x2=_n(PLOT_RIGHT),
            y1=y,
            y2=y,
            class_="chart-track" if row.assessed else "chart-track chart-track-missing",
            stroke="#e3e8ee",
            stroke_width="1",
            stroke_dasharray=None if row.assessed else "4 4",
        ),
    ]
    if row.minimum_level is not None:
        x = _n(level_x(row.minimum_level))
        parts.append(
            _el(
                "line",
                x1=x,
                x2=x,
                y1=_n(middle - 12),
                y2=_n(middle + 12),
                class_="chart-minimum",
                stroke="#b3261e",
                stroke_width="3",
                data_minimum=row.minimum_level,
            )
        )
    if row.expected_level is not None:
        x = level_x(row.expected_level)
        diamond = f"{_n(x)},{_n(middle - 7)} {_n(x + 7)},{y} {_n(x)},{_n(middle + 7)} {_n(x - 7)},{y}"
        parts.append(
            _el(
                "polygon",
                points=diamond,
                class_="chart-expected",
                fill="none",
                stroke="#1c2430",
                stroke_width="2",
                data_expected=row.expected_level,
                data_x=_n(x),
            )
        )
    if row.estimate is None:
        parts.append(
            _el(
                "text",
                "not assessed",
                x=_n(PLOT_LEFT + 4),
                y=_n(middle + 4),
                class_="chart-missing",
                font_size="11",
                font_style="italic",
                fill="#5b6675",
            )
        )
    else:
        if row.lower is not None and row.upper is not None:
            x1, x2 = _n(level_x(row.lower)), _n(level_x(row.upper))
            interval = "".join(
                [
                    _el("line", x1=x1, x2=x2, y1=y, y2=y),
                    _el("line", x1=x1, x2=x1, y1=_n(middle - 5), y2=_n(middle + 5)),
                    _el("line", x1=x2, x2=x2, y1=_n(middle - 5), y2=_n(middle + 5)),
                ]
            )
            parts.append(
                _el(
                    "g",
                    interval,
                    class_="chart-interval",
                    stroke="#1f5fbf",
                    stroke_width="2",
                    data_lower=repr(row.lower),
                    data_upper=repr(row.upper),
                )
            )
        parts.append(
            _el(
                "circle",
                cx=_n(level_x(row.estimate)),
                cy=y,
                r="6",
                class_="chart-estimate below-bar" if row.below_bar else "chart-estimate",
                fill="#b3261e" if row.below_bar else "#1f5fbf",
                stroke="#ffffff",
                stroke_width="1.5",
                data_area=row.area,
                data_estimate=repr(row.estimate),
                data_standard_error=None if row.standard_error is None else repr(row.standard_error),
                data_n_ratings=row.n_ratings,
                data_below_bar="true" if row.below_bar else "false",
            )
        )
    return _el("g", "".join(parts), class_="chart-row", data_area=row.area)


def _legend_markup(top: float) -> str:
    y = _n(top + 10)
    x = PLOT_LEFT
    items = [
        _el("circle", cx=_n(x + 6), cy=y, r="5", fill="#1f5fbf", class_="chart-estimate-key"),
        _el("line", x1=_n(x - 4), x2=_n(x + 16), y1=y, y2=y, stroke="#1f5fbf", stroke_width="2"),
        _el("text", "estimate, 80% interval", x=_n(x + 22), y=_n(top + 14), font_size="11", fill="#1c2430"),
        _el(
            "polygon",
            points=f"{_n(x + 172)},{_n(top + 4)} {_n(x + 178)},{y} {_n(x + 172)},{_n(top + 16)} "
            f"{_n(x + 166)},{y}",
            fill="none",
            stroke="#1c2430",
            stroke_width="2",
        ),
        _el("text", "expected", x=_n(x + 184), y=_n(top + 14), font_size="11", fill="#1c2430"),
        _el(
            "line",
            x1=_n(x + 252),
            x2=_n(x + 252),
            y1=_n(top),
            y2=_n(top + 20),
            stroke="#b3261e",
            stroke_width="3",
        ),
        _el("text", "must-have minimum", x=_n(x + 260), y=_n(top + 14), font_size="11", fill="#1c2430"),
    ]
    return _el("g", "".join(items), class_="chart-legend", aria_hidden="true")


def skill_chart_description(*, rows: Sequence[SkillChartRow], role_name: str) -> str:
    """A one-paragraph summary of the chart for ``<desc>`` (the table holds every number)."""
    assessed = [row for row in rows if row.assessed]
    below = [row.label for row in rows if row.below_bar]
    missing = [row.label for row in rows if not row.assessed]
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
    sentences.append("The table below gives every number.")
    return " ".join(sentences)
