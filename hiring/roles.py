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


def is_integration(actor) -> bool:
    """A request authenticated by an integration token (``integrations.authentication.IntegrationUser``)."""
    return getattr(actor, "token", None) is not None


# What people signed in to the web app may do through the API, by role. Integration
# tokens hold explicit scopes instead (``integrations.scopes``).
_READS = {
    "roles:read",
    "openings:read",
    "candidates:read",
    "interviews:read",
    "scorecards:read",
    "scores:read",
    "shortlists:read",
    "decisions:read",
}
_COMMITTEE_SCOPES = frozenset(_READS | {"shortlists:write", "decisions:write"})
_INTERVIEWER_SCOPES = frozenset({"roles:read", "interviews:read", "scorecards:read", "scorecards:write"})


def user_has_scope(user: AbstractBaseUser, scope: str) -> bool:
    """Whether a signed-in person's role allows an API scope; what they see within it is filtered further."""
    if not user.is_authenticated or is_integration(user):
        return False
    if is_recruiter(user) or scope == "roles:read":  # the rubrics are every signed-in person's reference
        return True
    names = _group_names(user)
    allowed = set()
    if HIRING_COMMITTEE in names or user.committee_openings.exists():
        allowed |= _COMMITTEE_SCOPES
    if INTERVIEWER in names:
        allowed |= _INTERVIEWER_SCOPES
    return scope in allowed


def sees_all_openings(actor) -> bool:
    """Integration tokens (within their scopes) and recruiters see every opening."""
    return is_integration(actor) or is_recruiter(actor)


def opening_ids_visible_to(actor):
    """None when the actor sees every opening; else the ids of the openings whose committee they sit on."""
    if sees_all_openings(actor):
        return None
    if not actor.is_authenticated:
        return []
    return list(actor.committee_openings.values_list("pk", flat=True))
