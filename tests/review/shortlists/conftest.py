"""Fixtures for the shortlist pages' posterior quantities: the scoring suite's builders, reused."""

from tests.review.dashboard.conftest import review_opening  # noqa: F401 - a fixture, registered by import
from tests.scoring.conftest import four_candidates, scored_opening  # noqa: F401 - fixtures, registered by import
