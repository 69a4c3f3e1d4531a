from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Makes config/ an app so its static files and checks are found."""

    name = "config"
    label = "config"
    verbose_name = "Configuration"
