"""Suite-wide fixtures and the service preflight.

The suite runs on the real PostgreSQL and Redis named by DATABASE_URL and
REDIS_URL (``make test`` sets local defaults). When either is unreachable the
run stops before collecting anything, with one line per missing service.
"""

import os

import pytest
from hypothesis import settings as hypothesis_settings

from config import preflight

# Property tests are reproducible: the same examples on every run, more of them on CI.
hypothesis_settings.register_profile("repo", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("repo"), max_examples=500)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "repo")


def pytest_configure(config: pytest.Config) -> None:
    problems = preflight.problems()
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _test_http_settings(settings, tmp_path_factory):
    # The test client and the live server speak plain http; production redirects to https.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Deliberately slow password hashing costs ~0.3 s per test user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production settings use whitenoise's manifest storage, which needs
    # collectstatic; tests render templates without running it.
    # Take-home files (exercise data, candidates' uploads) go to a directory of the test's own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "takehomes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("takehomes")), "base_url": None},
        },
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


@pytest.fixture(autouse=True)
def _celery_eager_unless_real_worker(request):
    """Tasks run in-process unless a test starts a real worker (marker ``worker``).

    The suite's settings point Celery at the real Redis; without a worker,
    messages would pile up there. Tests marked ``worker`` consume them for real.
    """
    from config.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker():
    """A real Celery worker in a thread, consuming from the real Redis broker (marker ``worker``)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # start_worker pings the worker before yielding; that needs celery.ping registered.
    app.loader.import_module("celery.contrib.testing.tasks")
    app.loader.import_default_modules()
    # Both queues, as `make worker` consumes them: take-home grading has its own.
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=True,
        shutdown_timeout=10,
        queues=["celery", "grading"],
    ) as worker:
        yield worker


def wait_for(condition, *, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


# Personas -------------------------------------------------------------------


@pytest.fixture
def recruiter(db):
    from tests.factories import UserFactory

    return UserFactory(username="rita_recruiter", groups=["recruiter"])


@pytest.fixture
def committee_member(db):
    from tests.factories import UserFactory

    return UserFactory(username="carla_committee", groups=["hiring committee"])


@pytest.fixture
def interviewer(db):
    from tests.factories import UserFactory

    return UserFactory(username="ivan_interviewer", groups=["interviewer"])


@pytest.fixture
def other_interviewer(db):
    from tests.factories import UserFactory

    return UserFactory(username="olga_interviewer", groups=["interviewer"])


@pytest.fixture
def outsider(db):
    from tests.factories import UserFactory

    return UserFactory(username="oscar_outsider", groups=["interviewer"])


@pytest.fixture
def opening(committee_member):
    from tests.factories import OpeningFactory

    return OpeningFactory(title="Senior Data Scientist", committee=[committee_member], source="greenhouse")


@pytest.fixture
def application(opening):
    """Ada's application, pushed in by Greenhouse: the source of ``token_client``'s tokens."""
    from tests.factories import ApplicationFactory

    return ApplicationFactory(
        opening=opening, candidate__name="Ada Lovelace", candidate__source="greenhouse", source="greenhouse"
    )


@pytest.fixture
def interview(application, interviewer):
    """A finished technical interview of Ada with three focus areas; ``interviewer`` is assigned."""
    from tests.factories import InterviewFactory

    return InterviewFactory(application=application, interviewers=[interviewer])


@pytest.fixture
def second_interview(application, other_interviewer):
    """Another interview of the same application, by ``other_interviewer``."""
    from tests.factories import InterviewFactory

    return InterviewFactory(
        application=application,
        kind="system_design",
        interviewers=[other_interviewer],
        focus=["software_engineering", "production_deployment"],
    )


# API clients -------------------------------------------------------------------


@pytest.fixture
def token_client(db):
    """``token_client(scopes, source="greenhouse", shared_sources=())``: a client with a fresh token.

    The client has ``.token`` (the IntegrationToken) and ``.secret``.
    """
    from rest_framework.test import APIClient

    from integrations.services import token_create

    def make(scopes, *, source: str = "greenhouse", name: str = "Test ATS", shared_sources=()):
        token, secret = token_create(
            name=name, source=source, scopes=list(scopes), shared_sources=list(shared_sources)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        client.token, client.secret = token, secret
        return client

    return make


@pytest.fixture
def session_client(db):
    """``session_client(user)``: an APIClient signed in as ``user`` through the session."""
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make
