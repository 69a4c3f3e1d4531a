"""Tasks named by string resolve on every thread of a fresh web process (gthread workers).

Each check runs in a new interpreter: in this one the tasks are long registered.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def python(code: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return finished.stdout.strip().splitlines()[-1]


def test_threads_that_first_ask_for_a_task_at_the_same_moment_all_get_it():
    said = python(
        """
        import threading
        import django

        django.setup()
        from config.celery import task_named

        barrier, failures = threading.Barrier(16), []

        def ask():
            barrier.wait()
            try:
                task_named("scoring.application_scores_recompute")
            except Exception as error:
                failures.append(repr(error))

        threads = [threading.Thread(target=ask) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(len(failures), failures[:1])
        """
    )

    assert said == "0 []"


def test_the_web_application_registers_every_task_before_its_first_request():
    said = python(
        """
        import config.wsgi  # noqa: F401
        from config.celery import app

        print(sorted(name for name in app.tasks if not name.startswith("celery.")))
        """
    )

    for name in ("scoring.application_scores_recompute", "takehomes.take_home_grade"):
        assert name in said
