import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("config")


class ConfigAppConfig(AppConfig):
    name = "config"
    label = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # Said once per process, at start-up, so nobody wonders where the worker is.
            logger.warning(
                "REDIS_URL is not set: Celery tasks run eagerly inside this process "
                "(no worker, no beat). Set REDIS_URL to use a real broker."
            )
