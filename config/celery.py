"""The Celery application.

Workers start with ``celery -A config worker``; beat with ``celery -A config beat``.
Settings come from Django's settings under the ``CELERY_`` namespace (see
config/settings.py): JSON only, ``acks_late`` with ``reject_on_worker_lost`` so a
task whose worker dies is redelivered, and a prefetch of one.

Tasks use Celery's Django task class. Callers enqueue with
``enqueue_on_commit`` (as ``task.delay_on_commit(...)`` would): the message
leaves only after the surrounding transaction commits, and never for a
transaction that rolls back. Services name the task (``"scoring.shortlist_build"``)
rather than import it, so a tasks module imports services and never the reverse.
"""

import logging
import os
import threading

from celery import Celery
from celery.canvas import Signature
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


logger = logging.getLogger(__name__)


@task_prerun.connect
@task_postrun.connect
def _database_connections_tidy(sender=None, **kwargs) -> None:
    """Around each task, what Django does around each request: close connections broken or too old.

    Celery's own closing of every connection per task is off (``CELERY_DB_REUSE_MAX``): a worker
    reuses its connection for ``CONN_MAX_AGE``, and one the database dropped is closed here (its
    errors mark it unusable) and opened afresh by the next task. Not for a task run in-process
    (eager): it runs inside its caller's request, whose connection is the caller's to manage.
    """
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_process_init.connect
def _startup_objects_freeze(**kwargs) -> None:
    """In each pool process, before its first task: start-up's objects out of the collector's walks."""
    from config.heap import startup_objects_freeze

    startup_objects_freeze()


_tasks_import_lock = threading.Lock()


def task_named(name: str):
    """The registered task called ``name``, importing every app's tasks module once if it is not yet.

    One thread imports; the others wait for it (gthread web workers serve requests on several
    threads, and a second thread's import returned before the first had registered the tasks).
    """
    if name not in app.tasks:
        with _tasks_import_lock:
            if name not in app.tasks:
                app.loader.import_default_modules()
    return app.tasks[name]


def tasks_import() -> None:
    """Register every app's tasks now (the web process, at start-up, before any thread asks)."""
    with _tasks_import_lock:
        app.loader.import_default_modules()


def task_signature(name: str, *args, **kwargs) -> Signature:
    """An immutable signature of the task called ``name``: ``freeze()`` it to know its id before sending."""
    return app.signature(name, args=args, kwargs=kwargs, immutable=True)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` (a task, its name or a ``task_signature``) after the current transaction commits.

    A broker (or result store) that cannot be reached must not fail the user's
    action, which has already committed: the failure is logged and the periodic
    sweep picks the work up later. Task arguments are primary keys, never model
    instances. A task or name is fire-and-forget (no result kept); pass a frozen
    signature to poll its result by id. In eager mode the task runs here and its
    errors propagate.
    """
    from django.db import transaction

    def send() -> None:
        # By name, a module need not import a tasks module (and eager mode still runs them).
        resolved = task
        if isinstance(task, str):
            resolved = task_named(task)
        elif isinstance(task, Signature):
            task_named(task.task)  # registered before the signature looks its task up, so eager mode runs it
        if app.conf.task_always_eager:
            resolved.apply_async(args=args, kwargs=kwargs)  # runs here: the task's own errors propagate
            return
        # A frozen signature's caller polls its result by id; for a task or a name nobody can,
        # so no result is stored, and the sender does not subscribe to the result store
        # (with Redis down, that subscription alone blocks ~20 s, then raises RuntimeError).
        options = {} if isinstance(task, Signature) else {"ignore_result": True}
        try:
            resolved.apply_async(args=args, kwargs=kwargs, **options)
        except Exception:  # the broker or result store, never the task: the user's action has committed
            logger.warning(
                "Could not enqueue %s; the periodic sweep will catch up.", resolved.name, exc_info=True
            )

    transaction.on_commit(send)


@app.task(name="config.ping", time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Answer ``"pong"``: a worker round trip for operators and tests.

    Has no side effects, so running it twice is safe; it never retries.
    """
    return "pong"


def announce_eager_mode() -> None:
    """Say once, from the serving process, that tasks run in-process without a broker.

    Called by the WSGI/ASGI entry points (which runserver loads too), so management
    commands and the autoreloader's parent stay quiet.
    """
    import logging

    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        logging.getLogger("config").warning(
            "REDIS_URL is not set: Celery tasks run eagerly inside this web process "
            "(no worker, no beat). Set REDIS_URL to use a real broker."
        )
