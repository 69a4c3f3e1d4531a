"""Web and task processes freeze what start-up built (``config.heap``), in processes of their own."""

from tests.config.test_settings import run_python

# Prints the frozen count, then whether garbage made afterwards is still collected.
AFTERWARDS = """
import gc
print(gc.get_freeze_count())
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a
del a, b
print(gc.collect() >= 2)
"""


def run(code: str) -> list[str]:
    # Eager tasks: no broker is needed to import the entry points.
    finished = run_python(code, DJANGO_SETTINGS_MODULE="config.settings", REDIS_URL=None)
    assert finished.returncode == 0, finished.stderr[-2000:]
    return finished.stdout.split()


def test_the_wsgi_entry_point_freezes_start_up_objects_and_garbage_is_still_collected():
    frozen, collected = run("import config.wsgi\n" + AFTERWARDS)

    # The app registry, models, URL resolver and modules: far more than a bare interpreter's.
    assert int(frozen) > 50_000
    assert collected == "True"


def test_each_celery_pool_process_freezes_before_its_first_task():
    frozen, collected = run(
        "import django; django.setup()\n"
        "import config.celery\n"
        "from celery.signals import worker_process_init\n"
        "worker_process_init.send(sender=None)\n" + AFTERWARDS
    )

    assert int(frozen) > 50_000
    assert collected == "True"


def test_a_process_that_does_not_start_a_server_freezes_nothing():
    frozen, _ = run("import django; django.setup()\nimport config.celery\n" + AFTERWARDS)

    assert frozen == "0"
