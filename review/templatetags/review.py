"""Template helpers for the committee review pages."""

from django import template
from django.template.defaultfilters import floatformat

from hiring.roles import HIRING_COMMITTEE, _group_names, is_recruiter

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
