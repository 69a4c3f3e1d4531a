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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Give each schemathesis operation test its own node id, as its name already is.

    On pytest 9, schemathesis's items for one test function all get the function's
    node id (``test_x``, not ``test_x[GET /api/v1/roles/]``): pytest 9 builds it from the
    original name and a callspec, which schemathesis's items have none of. pytest-xdist
    schedules by node id, so it ran one of them and silently dropped the rest (64 of 69).
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item._id.params is None:  # pytest 9's structured node id
            item._id = item._id.with_params(label)


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
    # Nothing collected: whitenoise indexes STATIC_ROOT each time a test client starts (per client,
    # not per process), and a developer's collected copy (700 files) costs ~0.15 s per client.
    settings.STATIC_ROOT = str(tmp_path_factory.getbasetemp() / "no-collected-static")
    # Take-home files (exercise data, candidates' uploads) go to a directory of the test's own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "takehomes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("takehomes")), "base_url": None},
        },
    }


def _rubrics_load(**kwargs) -> None:
    from django.core.management import call_command

    call_command("load_rubrics", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the shipped rubrics, as after `make run`, whatever ran before.

    A transactional test (a real server, a real worker) ends by flushing the database,
    and a flush ends with ``post_migrate``: the rubrics are loaded again there, as the
    role groups are (``hiring.apps``). So no test depends on running before the first
    transactional test of its process (xdist orders each worker's tests differently).
    """
    from django.apps import apps
    from django.db.models.signals import post_migrate

    with django_db_blocker.unblock():
        _rubrics_load()
    post_migrate.connect(
        _rubrics_load, sender=apps.get_app_config("assessments"), dispatch_uid="tests.rubrics_after_flush"
    )


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
