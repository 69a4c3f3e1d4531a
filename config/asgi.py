"""ASGI entry point: ``uvicorn config.asgi:application`` or any ASGI server."""

import os

from django.core.asgi import get_asgi_application

from config.celery import announce_eager_mode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()
announce_eager_mode()
