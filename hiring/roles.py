"""Who may do what: the three user groups and committee membership.

Roles are Django groups. Superusers count as recruiters. Committee
membership is per opening (``Opening.committee``).
"""

from django.contrib.auth.models import AbstractBaseUser, Group

INTERVIEWER = "interviewer"
HIRING_COMMITTEE = "hiring committee"
RECRUITER = "recruiter"
GROUPS = (INTERVIEWER, HIRING_COMMITTEE, RECRUITER)


def groups_ensure() -> dict[str, Group]:
    """Create the three groups if missing (idempotent)."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in GROUPS}


def _group_names(user: AbstractBaseUser) -> set[str]:
    # Cached per user object: pages ask several times per request.
    if not hasattr(user, "_role_group_names"):
        user._role_group_names = (
            set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        )
    return user._role_group_names


def is_recruiter(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and (user.is_superuser or RECRUITER in _group_names(user))


def is_committee_member(user: AbstractBaseUser, opening_id: int) -> bool:
    return user.is_authenticated and user.committee_openings.filter(pk=opening_id).exists()


def sees_all_scorecards(user: AbstractBaseUser, opening_id: int) -> bool:
    """Recruiters and the opening's committee see every submitted scorecard of the opening."""
    return is_recruiter(user) or is_committee_member(user, opening_id)
