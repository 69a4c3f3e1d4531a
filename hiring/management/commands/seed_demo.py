"""Load demo data for a first run: ``python manage.py seed_demo``.

Idempotent: running it again finds what it made before and changes nothing.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ADMIN = ("admin", "demo-admin-pass")


class Command(BaseCommand):
    help = "Create the demo users and data (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        username, password = DEMO_ADMIN
        admin, created = user_model.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
        )
        if created:
            admin.set_password(password)
            admin.save(update_fields=["password"])
        self.stdout.write("Demo data ready.")
        self.stdout.write("Demo logins (username / password):")
        self.stdout.write(f"  {username} / {password}   Django admin, all pages")
