"""Fixtures for the hiring API tests: a second opening with its own committee, and API clients."""

import pytest

from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

ALL_HIRING_SCOPES = [
    "openings:read",
    "openings:write",
    "candidates:read",
    "candidates:write",
    "candidates:erase",
    "interviews:read",
    "interviews:write",
    "decisions:read",
    "decisions:write",
]


@pytest.fixture
def other_committee_member(db):
    return UserFactory(username="otto_other_committee", groups=["hiring committee"])


@pytest.fixture
def other_opening(other_committee_member):
    """An opening ``committee_member`` does not sit on."""
    return OpeningFactory(title="ML Engineer", committee=[other_committee_member])


@pytest.fixture
def other_application(other_opening):
    return ApplicationFactory(
        opening=other_opening,
        candidate__name="Grace Hopper",
        candidate__source="greenhouse",
        source="greenhouse",
    )


@pytest.fixture
def other_interview(other_application, other_interviewer):
    return InterviewFactory(application=other_application, interviewers=[other_interviewer])


@pytest.fixture
def ats(token_client):
    """A Greenhouse token holding every hiring scope."""
    return token_client(ALL_HIRING_SCOPES)


@pytest.fixture
def as_user(session_client, request):
    """``as_user("recruiter")``: a session client for a persona fixture, by name."""

    def make(persona: str):
        return session_client(request.getfixturevalue(persona))

    return make
