from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Integration tokens, idempotent requests, the event outbox and webhooks: the API's platform."""

    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Integrations"
