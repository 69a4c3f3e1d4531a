"""Fixtures for the dashboard and shortlist pages: a scored opening its committee reviews."""

import pytest
from django.test import Client

from tests.factories import OpeningFactory, UserFactory
from tests.scoring.conftest import scored_opening  # noqa: F401  (the builder, reused as a fixture here)


@pytest.fixture
def review_opening(scored_opening, committee_member):  # noqa: F811
    """``review_opening(n)``: a scored ML-engineer opening of ``n`` candidates, ``committee_member`` on it.

    Returns (opening, applications, lenient, neutral) like ``scored_opening``.
    """

    def build(n=4):
        opening, applications, lenient, neutral = scored_opening(n)
        opening.committee.add(committee_member)
        return opening, applications, lenient, neutral

    return build


@pytest.fixture
def persona_client(db, recruiter, committee_member, interviewer, outsider):
    """``persona_client(name)``: a test client signed in as a persona; "anonymous" is signed out.

    ``other_committee`` sits on another opening's committee only.
    """

    def make(name: str) -> Client:
        client = Client()
        if name == "anonymous":
            return client
        if name == "other_committee":
            user = UserFactory(username="cody_other_committee", groups=["hiring committee"])
            OpeningFactory(title="Another opening", committee=[user])
        else:
            user = {
                "recruiter": recruiter,
                "committee_member": committee_member,
                "interviewer": interviewer,
                "outsider": outsider,
            }[name]
        client.force_login(user)
        return client

    return make
