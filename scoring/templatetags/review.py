"""Template helpers for the committee review pages."""

from django import template

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
