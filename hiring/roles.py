"""Who may do what: the three user groups and committee membership.

Roles are Django groups. Superusers count as recruiters. Committee
membership is per opening (``Opening.committee``).
"""

from django.contrib.auth.models import AbstractBaseUser, Group, Permission

INTERVIEWER = "interviewer"
HIRING_COMMITTEE = "hiring committee"
RECRUITER = "recruiter"
GROUPS = (INTERVIEWER, HIRING_COMMITTEE, RECRUITER)
# The recruiter manages these apps' records in the Django admin. Interviewers and committee
# members work in the app's own pages, so their groups hold no admin permissions.
RECRUITER_APP_LABELS = ("hiring", "assessments", "scoring")


def groups_ensure(*, group_model=Group, permission_model=Permission) -> dict[str, Group]:
    """The three groups, created if missing, the recruiter's holding every permission of its apps.

    Idempotent; it adds missing permissions and never removes one. Runs in the
    ``0007_role_groups`` data migration (with the historical models) and after
    every ``migrate`` (``hiring.apps``), so a fresh database has the groups
    without the demo, and permissions of models added later reach recruiters.
    """
    groups = {name: group_model.objects.get_or_create(name=name)[0] for name in GROUPS}
    groups[RECRUITER].permissions.add(
        *permission_model.objects.filter(content_type__app_label__in=RECRUITER_APP_LABELS)
    )
    return groups


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
