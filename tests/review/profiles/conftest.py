"""Fixtures for the candidate profile pages: the scoring suite's ``scored_opening`` builder, reused."""

from tests.scoring.conftest import scored_opening  # noqa: F401 - a fixture, registered by import
