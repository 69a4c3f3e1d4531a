"""A worker keeps its database connection from task to task, and replaces one the database dropped.

Celery's Django fixup would close it around every task (a new PostgreSQL
backend per task); config/celery.py tidies connections as Django does per request.
"""

import pytest
from django.db import connection

from config.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@app.task(name="tests.config.backend_pid")
def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run() -> int:
    return backend_pid.delay().get(timeout=20)


def test_tasks_in_a_row_share_one_database_connection(celery_worker):
    first = run()

    assert [run() for _ in range(3)] == [first] * 3


def test_a_connection_the_database_dropped_is_replaced_and_the_next_task_succeeds(celery_worker):
    dropped = run()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])

    replaced = run()

    assert replaced != dropped
    assert run() == replaced
