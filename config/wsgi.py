"""WSGI entry point: ``gunicorn config.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

from config.celery import announce_eager_mode, tasks_import

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
tasks_import()  # before the first request's threads, which enqueue tasks by name
announce_eager_mode()
