from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Makes config/ an app so its static files and checks are found."""

    name = "config"
    label = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from config import redaction, security  # noqa: F401 - security connects the audit receivers

        # From here on no log record carries a token, webhook secret, password or session id.
        redaction.install()
