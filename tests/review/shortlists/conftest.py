"""Fixtures for the shortlist pages' posterior quantities: the scoring suite's builders, reused."""

from tests.scoring.conftest import four_candidates, scored_opening  # noqa: F401 - fixtures, registered by import
