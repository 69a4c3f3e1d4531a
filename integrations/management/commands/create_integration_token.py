"""``manage.py create_integration_token NAME --source greenhouse --scope candidates:write ...``."""

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from integrations.scopes import ALL_SCOPES, READ_SCOPES
from integrations.services import token_create


class Command(BaseCommand):
    help = "Create an integration token for an ATS and print its secret once (it is stored only hashed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who uses it, e.g. 'Greenhouse production'.")
        parser.add_argument("--source", required=True, help="The ATS's name for its ids, e.g. 'greenhouse'.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=[],
            help=f"A scope to grant (repeat). Known: {', '.join(sorted(ALL_SCOPES))}; 'read' for every read "
            "scope, 'all' for every scope.",
        )
        parser.add_argument(
            "--share",
            action="append",
            dest="shared_sources",
            default=[],
            help="Another source whose records it may also write (repeat), e.g. 'manual' for records made "
            "in the web app. By default a token writes only its own source's records.",
        )

    def handle(self, *args, name, source, scopes, shared_sources, **options):
        expanded = set()
        for scope in scopes:
            expanded |= {"all": ALL_SCOPES, "read": READ_SCOPES}.get(scope, {scope})
        try:
            token, raw = token_create(
                name=name, source=source, scopes=sorted(expanded), shared_sources=shared_sources
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Created token '{token.name}' ({token.prefix}…) with scopes: {', '.join(token.scopes)}"
            + (f"; also writes records of: {', '.join(token.shared_sources)}" if token.shared_sources else "")
        )
        self.stderr.write("Copy the secret now: it is not stored and cannot be shown again.")
        self.stdout.write(raw)
