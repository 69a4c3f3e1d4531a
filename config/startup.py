"""Production start-up: the static files the pages link to are collected before the first request.

With ``DEBUG`` off, pages name their static files through whitenoise's manifest,
``STATIC_ROOT/staticfiles.json``. A file missing from it makes every page that
links it a 500 ("Missing staticfiles manifest entry"): ``/admin/``,
``/accounts/login/``, ``/api/docs/``. The Docker image collects the files when
it is built. Everywhere else gunicorn's ``on_starting`` hook
(config/gunicorn.conf.py) runs ``python -m config.startup``:

* manifest present and listing every static file the apps ship: nothing is
  written (the image's STATIC_ROOT is read-only to the user gunicorn runs as);
* manifest missing, unreadable or lacking a file (an upgrade added one): it runs
  ``collectstatic --noinput``;
* collecting fails (STATIC_ROOT not writable, say): it exits 1 with one line
  naming STATIC_ROOT and the command to run, and gunicorn does not start.

With ``DEBUG`` on the storage keeps no manifest and this does nothing.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ImproperlyConfigured

COLLECT_COMMAND = "python manage.py collectstatic --noinput"


class StaticFilesNotCollected(ImproperlyConfigured):
    """The manifest lacks static files and collecting them failed; the message says what to run."""


def static_files_missing_from_manifest() -> list[str]:
    """The static files the apps ship that STATIC_ROOT's manifest does not list, sorted.

    Every file when there is no manifest or it cannot be read; none when the
    configured storage keeps no manifest. Reads a fresh storage each time, so
    a process that collected sees the new manifest.
    """
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages
    from django.utils.module_loading import import_string

    params = settings.STORAGES["staticfiles"]
    if not issubclass(import_string(params["BACKEND"]), ManifestFilesMixin):
        return []
    try:
        listed = storages.create_storage(params).hashed_files
    except (ValueError, OSError):  # not JSON, an unknown version, or STATIC_ROOT unreadable
        listed = {}
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    shipped = {
        path.replace("\\", "/") for finder in get_finders() for path, _storage in finder.list(ignore_patterns)
    }
    return sorted(shipped - set(listed))


def static_files_ensure_collected() -> int:
    """Collect the static files when the manifest lacks any; return how many were missing (0: no write).

    Raises ``StaticFilesNotCollected`` naming STATIC_ROOT and ``COLLECT_COMMAND``
    when collecting fails or leaves files missing.
    """
    from django.conf import settings
    from django.core.management import call_command

    missing = static_files_missing_from_manifest()
    if not missing:
        return 0
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    except (OSError, ImproperlyConfigured) as exc:
        raise StaticFilesNotCollected(
            f"STATIC_ROOT ({settings.STATIC_ROOT}) lacks {len(missing)} of the static files the pages "
            f"link to, and collecting them failed ({type(exc).__name__}: {exc}). Pages would answer 500. "
            f"Run `{COLLECT_COMMAND}` as a user who can write STATIC_ROOT (or set STATIC_ROOT to a "
            "writable directory), then start again."
        ) from exc
    still_missing = static_files_missing_from_manifest()
    if still_missing:
        raise StaticFilesNotCollected(
            f"STATIC_ROOT ({settings.STATIC_ROOT}) still lacks {len(still_missing)} static files after "
            f"collectstatic (first: {still_missing[0]}). Run `{COLLECT_COMMAND}` and check its output."
        )
    return len(missing)


def main() -> int:
    import django

    django.setup()
    try:
        collected = static_files_ensure_collected()
    except StaticFilesNotCollected as exc:
        print(exc, file=sys.stderr)
        return 1
    if collected:
        print(f"Collected the static files: the manifest lacked {collected}.")
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main())
