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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the shipped rubrics loaded, as after `make run`."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_rubrics", verbosity=0)


@pytest.fixture
def rubric_version(db):
    """The current data-role rubric version (reloaded if a transactional test flushed it)."""
    from assessments.selectors import rubric_version_current
    from assessments.services import rubric_files, rubric_load

    for path in rubric_files():
        rubric_load(path=path)
    return rubric_version_current()
