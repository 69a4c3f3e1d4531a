"""The scopes an integration token can hold, and what each one allows.

Every API endpoint names the one scope it needs per method; a token without
it gets 403 ``missing_scope``. People signed in to the web app reach the API
through their session instead, limited by their role (see ``integrations.access``).
"""

from django.db import models


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
}
READ_SCOPES = frozenset(scope for scope in Scope.values if scope.endswith(":read"))
