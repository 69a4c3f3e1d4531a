"""The scopes an integration token can hold, and what each one allows.

Every API endpoint names the one scope it needs per method; a token without
it gets 403 ``missing_scope``. People signed in to the web app reach the API
through their session instead, limited by their role (``user_has_scope``).
"""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from integrations.identity import is_integration


class Scope(models.TextChoices):
    ROLES_READ = "roles:read", "Read roles and rubric versions"
    OPENINGS_READ = "openings:read", "Read openings"
    OPENINGS_WRITE = "openings:write", "Create and update openings"
    CANDIDATES_READ = "candidates:read", "Read candidates and applications"
    CANDIDATES_WRITE = "candidates:write", "Create and update candidates and applications"
    CANDIDATES_ERASE = "candidates:erase", "Erase a candidate's personal data"
    INTERVIEWS_READ = "interviews:read", "Read interviews and interviewer assignments"
    INTERVIEWS_WRITE = "interviews:write", "Schedule interviews and assign interviewers"
    SCORECARDS_READ = "scorecards:read", "Read submitted scorecards"
    SCORECARDS_WRITE = "scorecards:write", "Submit and amend scorecards on behalf of interviewers"
    SCORES_READ = "scores:read", "Read fit scores"
    SHORTLISTS_READ = "shortlists:read", "Read shortlists"
    SHORTLISTS_WRITE = "shortlists:write", "Create shortlists"
    DECISIONS_READ = "decisions:read", "Read decisions"
    DECISIONS_WRITE = "decisions:write", "Record decisions"
    WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhook subscriptions and read deliveries"
    INTERVIEWERS_READ = "interviewers:read", "Read interviewer users and their ATS identities"
    INTERVIEWERS_WRITE = "interviewers:write", "Create and update interviewer users and their ATS identities"
    TAKE_HOMES_READ = "take_homes:read", "Read exercises, take-homes and their grading reports"
    TAKE_HOMES_WRITE = "take_homes:write", "Send take-home exercises to applications"
    ATTRIBUTE_MAPPINGS_READ = "attribute_mappings:read", "Read scorecard attribute mappings"
    ATTRIBUTE_MAPPINGS_WRITE = (
        "attribute_mappings:write",
        "Create, change and delete scorecard attribute mappings",
    )


ALL_SCOPES = frozenset(Scope.values)

# A webhook event carries its resource as the API shows it, so hearing about it needs the scope
# that reading it needs: checked when subscribing and again before every delivery.
EVENT_READ_SCOPES = {
    "scorecard.submitted": Scope.SCORECARDS_READ,
    "scorecard.amended": Scope.SCORECARDS_READ,
    "fit_scores.updated": Scope.SCORES_READ,
    "shortlist.ready": Scope.SHORTLISTS_READ,
    "decision.recorded": Scope.DECISIONS_READ,
    "take_home.graded": Scope.TAKE_HOMES_READ,
}
READ_SCOPES = frozenset(scope for scope in Scope.values if scope.endswith(":read"))


class ApiRole(StrEnum):
    """What a person signed in to the web app is, as far as the API cares."""

    RECRUITER = "recruiter"
    COMMITTEE = "committee"
    INTERVIEWER = "interviewer"


# What people signed in to the web app may do through the API, by role. Integration tokens
# hold explicit scopes instead. What they see within a scope is filtered further.
PERSON_READS = frozenset(
    {
        Scope.ROLES_READ,
        Scope.OPENINGS_READ,
        Scope.CANDIDATES_READ,
        Scope.INTERVIEWS_READ,
        Scope.SCORECARDS_READ,
        Scope.SCORES_READ,
        Scope.SHORTLISTS_READ,
        Scope.DECISIONS_READ,
        Scope.TAKE_HOMES_READ,
    }
)
ROLE_SCOPES: dict[ApiRole, frozenset[str]] = {
    ApiRole.RECRUITER: ALL_SCOPES,
    ApiRole.COMMITTEE: PERSON_READS | {Scope.SHORTLISTS_WRITE, Scope.DECISIONS_WRITE, Scope.TAKE_HOMES_WRITE},
    ApiRole.INTERVIEWER: frozenset(
        {Scope.ROLES_READ, Scope.INTERVIEWS_READ, Scope.SCORECARDS_READ, Scope.SCORECARDS_WRITE}
    ),
}
# The rubrics are every signed-in person's reference.
EVERY_PERSON_SCOPES = frozenset({Scope.ROLES_READ})


def person_roles(user) -> set[ApiRole]:
    """The API roles of a signed-in person, as ``settings.API_PERSON_ROLES`` (a dotted path) says.

    Roles are Django groups and committee seats, which the hiring app keeps
    (``hiring.roles.api_roles``); the setting names it so this module imports no app.
    """
    return import_string(settings.API_PERSON_ROLES)(user)


def user_has_scope(user, scope: str) -> bool:
    """Whether a signed-in person's role allows an API scope; what they see within it is filtered further.

    Always False for integration tokens: they hold their scopes themselves (``IntegrationToken.has_scope``).
    """
    if not user.is_authenticated or is_integration(user):
        return False
    if scope in EVERY_PERSON_SCOPES:
        return True
    return any(scope in ROLE_SCOPES[role] for role in person_roles(user))
