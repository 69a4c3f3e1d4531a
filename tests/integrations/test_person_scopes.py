"""What people signed in to the web app may do through the API: integrations' table, hiring's roles."""

import pytest

from integrations.identity import IntegrationUser
from integrations.scopes import ALL_SCOPES, user_has_scope
from integrations.services import token_create
from tests.factories import OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db

COMMITTEE = {
    "roles:read",
    "openings:read",
    "candidates:read",
    "interviews:read",
    "scorecards:read",
    "scores:read",
    "shortlists:read",
    "decisions:read",
    "shortlists:write",
    "decisions:write",
    "take_homes:read",
    "take_homes:write",
}
INTERVIEWER = {"roles:read", "interviews:read", "scorecards:read", "scorecards:write"}


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (["recruiter"], ALL_SCOPES),
        (["hiring committee"], COMMITTEE),
        (["interviewer"], INTERVIEWER),
        (["hiring committee", "interviewer"], COMMITTEE | INTERVIEWER),
        ([], {"roles:read"}),
    ],
)
def test_a_person_s_role_allows_its_scopes_and_no_others(groups, expected):
    user = UserFactory(groups=groups)

    allowed = {scope for scope in ALL_SCOPES if user_has_scope(user, scope)}

    assert allowed == expected


def test_sitting_on_an_opening_s_committee_allows_the_committee_s_scopes():
    member = UserFactory(groups=[])
    OpeningFactory(committee=[member])

    assert {scope for scope in ALL_SCOPES if user_has_scope(member, scope)} == COMMITTEE


def test_a_superuser_counts_as_a_recruiter():
    assert all(user_has_scope(UserFactory(is_superuser=True), scope) for scope in ALL_SCOPES)


def test_an_integration_token_s_scopes_are_its_own_not_a_role_s():
    token, _secret = token_create(name="Greenhouse", source="greenhouse", scopes=sorted(ALL_SCOPES))
    principal = IntegrationUser(token)

    assert not any(user_has_scope(principal, scope) for scope in ALL_SCOPES)


def test_the_roles_come_from_the_function_the_setting_names(settings):
    settings.API_PERSON_ROLES = "tests.integrations.test_person_scopes.only_interviewing"

    assert user_has_scope(UserFactory(groups=["recruiter"]), "scorecards:write")
    assert not user_has_scope(UserFactory(groups=["recruiter"]), "openings:write")


def only_interviewing(user):
    from integrations.scopes import ApiRole

    return {ApiRole.INTERVIEWER}
