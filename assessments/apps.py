from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Hiring erases a candidate without importing assessments: it signals, and we redact our tables.
        from assessments.services.erasure import on_candidate_erasing
        from hiring.signals import candidate_erasing

        candidate_erasing.connect(on_candidate_erasing, dispatch_uid="assessments_candidate_erasing")
