"""``python manage.py load_rubrics [PATH ...]``: load rubric data files as versions.

Without paths it loads every ``assessments/rubrics/*.yaml``. Idempotent: a
file whose content is already loaded changes nothing; an edited file becomes a
new version. A bad file stops the command with its problems and loads nothing
of that file.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.rubric_file import RubricFileError
from assessments.services import rubric_files, rubric_load


class Command(BaseCommand):
    help = "Load the role rubrics from their YAML files (idempotent; edited files become new versions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", type=Path, help="Rubric files (default: assessments/rubrics/*.yaml)"
        )

    def handle(self, *args, paths: list[Path], **options) -> None:
        paths = paths or rubric_files()
        if not paths:
            raise CommandError("No rubric files found.")
        for path in paths:
            try:
                version, created = rubric_load(path=path)
            except RubricFileError as exc:
                raise CommandError(f"Rubric file not loaded, nothing written:\n{exc}") from None
            state = "loaded as new version" if created else "unchanged, already loaded as version"
            self.stdout.write(f"{path.name}: {state} {version.number} of {version.rubric.key}")
