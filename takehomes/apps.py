from django.apps import AppConfig


class TakehomesConfig(AppConfig):
    name = "takehomes"
    verbose_name = "Take-home assessments"
