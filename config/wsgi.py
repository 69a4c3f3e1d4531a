"""WSGI entry point: ``gunicorn config.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

from config.celery import announce_eager_mode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
announce_eager_mode()
