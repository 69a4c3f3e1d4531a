"""Fixtures of the hostile-input and authorisation sweeps: one world (see ``world.py``)."""

import pytest

from tests.hostile.world import World, world_build


@pytest.fixture
def api_settings(settings):
    settings.API_RATE_LIMIT = "1000000/min"  # the sweeps send thousands of requests
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # literal loopback URLs only: no DNS
    return settings


@pytest.fixture
def world(db, rubric_version, api_settings, django_capture_on_commit_callbacks) -> World:
    return world_build(django_capture_on_commit_callbacks)
