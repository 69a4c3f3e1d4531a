"""Template helpers for the committee review pages."""

from django import template
from django.template.defaultfilters import floatformat

from hiring.roles import HIRING_COMMITTEE, _group_names, is_recruiter
from review.selectors import take_home_status_shown
from takehomes.models import TakeHome

register = template.Library()


@register.filter
def can_review(user) -> bool:
    """Whether ``user`` may open the review pages: a recruiter, or someone on a hiring committee.

    Cheap on every page: the group names are cached on the user object, and the
    committee lookup only runs for people in neither group.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if is_recruiter(user) or HIRING_COMMITTEE in _group_names(user):
        return True
    return user.committee_openings.exists()


@register.filter
def percent(probability: float | None) -> str:
    """A probability (0-1) as a whole percentage; "<1%" and ">99%" rather than a certainty it is not.

    Empty for None, so a template can fall back with ``|default``.
    """
    if probability is None:
        return ""
    if 0 < probability < 0.005:
        return "<1%"
    if 0.995 <= probability < 1:
        return ">99%"
    return f"{floatformat(probability * 100, '0u')}%"  # half up, as the pages round every figure


@register.filter
def coverage_percent(coverage: float | None) -> str:
    """Coverage (0-1, the share of the role's weight assessed) as a whole percentage without the sign:
    the unit is named in the column's header, and the CSV writes the same figure. Empty for None."""
    if coverage is None:
        return ""
    return floatformat(coverage * 100, "0u")  # half up, as the pages round every figure


def _scale(value: float) -> str:
    """A 0-100 figure as an SVG coordinate: clamped to the scale, never localised."""
    return f"{min(max(value, 0.0), 100.0):.2f}"


@register.inclusion_tag("review/evidence_bar.html")
def evidence_bar(cell) -> dict:
    """A fit's evidence as a small server-drawn bar: its 80% interval on the 0-100 scale with the fit
    marked, and beneath it the coverage, so a score resting on little evidence looks thin.

    ``cell`` has ``fit``, ``lower``, ``upper`` and ``coverage`` (None when not recorded). The
    geometry goes in SVG attributes, which the Content-Security-Policy allows (style attributes
    it does not). The text alternative says what the bar shows.
    """
    lower, upper = sorted((cell.lower, cell.upper))
    coverage = getattr(cell, "coverage", None)
    label = (
        f"80% interval {floatformat(cell.lower, '1u')} to {floatformat(cell.upper, '1u')} "
        "on the 0 to 100 scale"
    )
    if coverage is not None:
        label += f"; coverage {coverage_percent(coverage)}% of the role's weight assessed"
    return {
        "lower": _scale(lower),
        "width": _scale(min(upper, 100.0) - max(lower, 0.0)),
        "fit": _scale(min(max(cell.fit, 0.75), 99.25) - 0.75),  # the mark's left edge: it stays drawn
        "coverage": None if coverage is None else _scale(coverage * 100),
        "label": label,
    }


@register.filter
def take_home_status(take_home) -> str:
    """The status a take-home shows now: ``expired`` once past its close and not handed in."""
    return take_home_status_shown(take_home)


@register.filter
def take_home_status_label(take_home) -> str:
    """The shown status in a word: Sent, Opened, Submitted, Graded, Expired."""
    return TakeHome.Status(take_home_status_shown(take_home)).label
