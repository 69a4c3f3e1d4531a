"""The analytics page's opening of 28 applicants, shared by its tests."""

from tests.review.analytics.test_analytics_page import analytics_opening  # noqa: F401 - a fixture, registered by import
