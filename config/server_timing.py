"""What one request cost the server, in a ``Server-Timing`` header, when ``SERVER_TIMING`` is on.

Off by default, for measurement only: ``make load`` turns it on for its
servers and reads the header from every answer. It tells whoever asks how
long the server worked on their request, which helps someone timing guesses
(a valid token, an existing id), so production leaves it off.

The header, e.g. ``Server-Timing: db;dur=3.12;desc="12 queries", cpu;dur=4.20, app;dur=9.01``:

* ``db``: the SQL statements Django ran for the request, on every database
  alias, in ``desc`` as "<n> queries" ("1 query"); ``dur`` the milliseconds
  spent inside them. Savepoints count, as in ``django_assert_num_queries``;
  the driver's own ``BEGIN``/``COMMIT`` and the connection health check do not.
* ``cpu``: the CPU milliseconds the handling thread used (``time.thread_time``:
  under gthread workers, other threads' requests are not counted);
* ``app``: the wall-clock milliseconds from the outermost middleware in to its
  way out.

The middleware is first in ``MIDDLEWARE`` so it sees the other middleware's
queries too. Not measured: the body of a streaming response (produced after
the header is sent) and what the WSGI handler does around the middleware.
``server_timing_parse`` reads the header back for ``benchmarks.load``.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

HEADER = "Server-Timing"

_NUMBER = r"\d+(?:\.\d+)?"
_DB = re.compile(rf'db;dur=(?P<dur>{_NUMBER});desc="(?P<queries>\d+) quer(?:y|ies)"')
_DURATION = re.compile(rf"(?P<name>cpu|app);dur=(?P<dur>{_NUMBER})")


@dataclass(frozen=True)
class ServerTiming:
    queries: int
    db_ms: float
    cpu_ms: float
    app_ms: float


def server_timing_format(timing: ServerTiming) -> str:
    """The header's value for ``timing``: durations in milliseconds to two places."""
    noun = "query" if timing.queries == 1 else "queries"
    return (
        f'db;dur={timing.db_ms:.2f};desc="{timing.queries} {noun}",'
        f" cpu;dur={timing.cpu_ms:.2f}, app;dur={timing.app_ms:.2f}"
    )


def server_timing_parse(header: str | None) -> ServerTiming | None:
    """The figures of a header ``server_timing_format`` wrote; None when it is missing or malformed."""
    if not header:
        return None
    metrics = [metric.strip() for metric in header.split(",")]
    db = next((match for metric in metrics if (match := _DB.fullmatch(metric))), None)
    durations = {
        match["name"]: float(match["dur"]) for metric in metrics if (match := _DURATION.fullmatch(metric))
    }
    if db is None or set(durations) != {"cpu", "app"}:
        return None
    return ServerTiming(
        queries=int(db["queries"]), db_ms=float(db["dur"]), cpu_ms=durations["cpu"], app_ms=durations["app"]
    )


class _QueryCounter:
    """An ``execute_wrapper``: counts the statements run through it and the time they took."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


class ServerTimingMiddleware:
    """Adds ``Server-Timing`` (see the module) to every answer; not in the chain unless ``SERVER_TIMING``."""

    def __init__(self, get_response):
        if not settings.SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started, cpu_started = time.perf_counter(), time.thread_time()
        with contextlib.ExitStack() as wrappers:
            # Every alias, not only those already used on this thread: a wrapper object costs no
            # connection, and one created during the request would otherwise go uncounted.
            for connection in connections.all():
                wrappers.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        timing = ServerTiming(
            queries=counter.queries,
            db_ms=counter.seconds * 1000,
            cpu_ms=(time.thread_time() - cpu_started) * 1000,
            app_ms=(time.perf_counter() - started) * 1000,
        )
        response[HEADER] = server_timing_format(timing)
        return response
