"""Suite-wide fixtures and the service preflight.

The suite runs on the real PostgreSQL and Redis named by DATABASE_URL and
REDIS_URL (``make test`` sets local defaults). When either is unreachable the
run stops before collecting anything, with one line per missing service.
"""

import pytest

from config import preflight


def pytest_configure(config: pytest.Config) -> None:
    problems = preflight.problems()
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _test_http_settings(settings):
    # The test client and the live server speak plain http; production redirects to https.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Production settings use whitenoise's manifest storage, which needs
    # collectstatic; tests render templates without running it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
