"""Who may do what: the three user groups and committee membership.

Roles are Django groups. Superusers count as recruiters. Committee
membership is per opening (``Opening.committee``). What each role may do
through the API is ``integrations.scopes``'s table; ``api_roles`` says which
of its roles a person holds.
"""

from django.contrib.auth.models import AbstractBaseUser, Group, Permission

from integrations.identity import is_integration
from integrations.scopes import ApiRole

INTERVIEWER = "interviewer"
HIRING_COMMITTEE = "hiring committee"
RECRUITER = "recruiter"
GROUPS = (INTERVIEWER, HIRING_COMMITTEE, RECRUITER)
# The recruiter manages these apps' records in the Django admin. Interviewers and committee
# members work in the app's own pages, so their groups hold no admin permissions.
RECRUITER_APP_LABELS = ("hiring", "assessments", "scoring", "integrations")


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


def api_roles(user: AbstractBaseUser) -> set[ApiRole]:
    """A signed-in person's roles for the API (``settings.API_PERSON_ROLES``; scopes per role in
    ``integrations.scopes.ROLE_SCOPES``): committee members are those of any opening."""
    if is_recruiter(user):
        return {ApiRole.RECRUITER}
    names = _group_names(user)
    roles = set()
    if HIRING_COMMITTEE in names or user.committee_openings.exists():
        roles.add(ApiRole.COMMITTEE)
    if INTERVIEWER in names:
        roles.add(ApiRole.INTERVIEWER)
    return roles


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
