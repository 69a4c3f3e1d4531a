"""The cycle collector and the objects a server process makes at start-up.

A web or task worker builds its long-lived objects once: the app registry,
the models and their fields, the URL resolver, the serializers' declared
fields, the imported modules: about 217,000 objects the cycle collector can
track, none of which will ever be garbage. A full collection walks all of
them each time, and API requests trigger one every few hundred requests (about
0.1 s of CPU, holding the GIL, each time in a gunicorn worker).

``startup_objects_freeze`` moves what exists at that point into the
collector's permanent generation (``gc.freeze``, as Python's documentation
advises for a process that forks workers): the collector then walks only the
objects made afterwards. Nothing is disabled; garbage made later is
collected as before. Called once per process, after start-up and before the
first request or task: by ``config.wsgi`` (each gunicorn worker imports it)
and, for Celery, in each pool process (``config.celery``).
"""

from __future__ import annotations

import gc


def startup_objects_freeze() -> int:
    """Collect start-up's garbage, then freeze every object left; returns how many are frozen."""
    from django.urls import get_resolver

    # The URL resolver fills its lookup tables on first use: fill them now, so they are frozen too.
    get_resolver().reverse_dict  # noqa: B018 - populates
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
