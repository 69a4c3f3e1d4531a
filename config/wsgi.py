"""WSGI entry point: ``gunicorn config.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

from config.celery import announce_eager_mode, tasks_import
from config.heap import startup_objects_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
tasks_import()  # before the first request's threads, which enqueue tasks by name
announce_eager_mode()
startup_objects_freeze()  # last: what start-up built is never walked by the cycle collector again
