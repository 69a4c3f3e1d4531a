"""Fixtures shared by the committee pages' tests."""

import pytest

from scoring.shortlists import shortlist_create


@pytest.fixture
def snapshot(django_capture_on_commit_callbacks):
    """``snapshot(opening, **parameters)``: a shortlist made by the service and built (tasks are eager)."""

    def make(opening, **parameters):
        with django_capture_on_commit_callbacks(execute=True):
            shortlist = shortlist_create(opening=opening, **parameters)
        shortlist.refresh_from_db()
        return shortlist

    return make
