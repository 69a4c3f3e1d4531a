from django.apps import AppConfig


class TakehomesConfig(AppConfig):
    name = "takehomes"
    verbose_name = "Take-home assessments"

    def ready(self) -> None:
        # Hiring erases a candidate without importing takehomes: it signals, and we delete their files.
        from hiring.signals import candidate_erasing
        from takehomes.erasure import on_candidate_erasing

        candidate_erasing.connect(on_candidate_erasing, dispatch_uid="takehomes_candidate_erasing")
