import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_python(code: str, **env_overrides: str | None) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter whose environment has the given overrides (None removes)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "debug": settings.DEBUG,
}))
"""


def test_suite_runs_on_postgresql_when_database_url_points_at_it():
    assert os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://"))
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_redis_broker_is_used_when_redis_url_is_set():
    assert settings.CELERY_BROKER_URL == os.environ["REDIS_URL"]
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_without_database_url_an_sqlite_file_in_the_project_is_used():
    result = run_python(SETTINGS_PROBE, DATABASE_URL=None, REDIS_URL=None, DEBUG="1")

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert Path(probe["name"]).parent == PROJECT_DIR


def test_without_redis_url_tasks_run_eagerly_and_the_web_process_says_so_once():
    result = run_python(
        SETTINGS_PROBE + "import config.wsgi, config.urls",
        DATABASE_URL=None,
        REDIS_URL=None,
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["eager"] is True
    assert result.stderr.count("REDIS_URL is not set") == 1


def test_with_redis_url_the_web_process_does_not_mention_eager_mode():
    result = run_python(SETTINGS_PROBE + "import config.wsgi", DATABASE_URL=None, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert "REDIS_URL is not set" not in result.stderr


def test_debug_is_off_unless_set():
    result = run_python(SETTINGS_PROBE, DEBUG=None, SECRET_KEY="x" * 60)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["debug"] is False


def test_production_without_secret_key_refuses_to_start():
    result = run_python(SETTINGS_PROBE, DEBUG=None, SECRET_KEY=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_earlier_secret_keys_are_fallbacks_trimmed_and_never_empty(settings):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY_FALLBACKS)"
    )
    result = run_python(code, SECRET_KEY_FALLBACKS=" old-key-one , ,old-key-two,")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['old-key-one', 'old-key-two']"
    assert settings.SECRET_KEY_FALLBACKS == []  # unset: none, not [""]: anyone could forge under an empty key


def test_bad_debug_value_is_a_configuration_error():
    result = run_python(SETTINGS_PROBE, DEBUG="sometimes")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be one of" in result.stderr


def test_deploy_check_reports_nothing_with_production_like_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=PROJECT_DIR,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "SECRET_KEY": "k3y-" + "q9Zx!vR2#mT7&pL4" * 4,
            "ALLOWED_HOSTS": "scorecards.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_celery_is_configured_for_safe_redelivery():
    from config.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_are_enqueued_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    from config.celery import ping

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ping.delay_on_commit()

    # Nothing left for the broker inside the open transaction; one send waits for commit.
    assert len(callbacks) == 1
