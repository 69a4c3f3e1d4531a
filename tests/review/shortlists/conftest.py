"""Fixtures for the shortlist pages' posterior quantities: the scoring suite's builders, reused."""

import pytest

from scoring.shortlists import shortlist_create
from tests.scoring.conftest import four_candidates, scored_opening  # noqa: F401 - fixtures, registered by import


@pytest.fixture
def snapshot(django_capture_on_commit_callbacks):
    """``snapshot(opening, **parameters)``: a shortlist made by the service and built (tasks are eager)."""

    def make(opening, **parameters):
        with django_capture_on_commit_callbacks(execute=True):
            shortlist = shortlist_create(opening=opening, **parameters)
        shortlist.refresh_from_db()
        return shortlist

    return make
