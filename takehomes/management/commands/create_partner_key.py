"""``manage.py create_partner_key NAME --source greenhouse``: an ATS's assessment-partner key."""

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from takehomes.partners.services import partner_key_create


class Command(BaseCommand):
    help = (
        "Create an assessment-partner key for an ATS (the organisation-level API key it sends us) and "
        "print it once: it is stored only hashed."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who uses it, e.g. 'Greenhouse production'.")
        parser.add_argument("--source", required=True, help="The ATS's name for its ids, e.g. 'greenhouse'.")

    def handle(self, *args, name, source, **options):
        try:
            key, raw = partner_key_create(name=name, source=source)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Created partner key '{key.name}' ({key.prefix}…) for source '{key.source}'.")
        self.stderr.write("Copy the key now: it is not stored and cannot be shown again.")
        self.stdout.write(raw)
