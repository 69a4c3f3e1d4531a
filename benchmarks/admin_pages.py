"""``python -m benchmarks.admin_pages``: time the admin's pages at 100,000 candidates (``make bench-admin``).

Uses the dataset of ``benchmarks.recompute`` (one opening with ``--candidates``
applications, three scorecards each): an existing dataset of that size in the
benchmark database is reused as it is, a missing one is built the same way
(which empties the hiring, scorecard and scoring tables there). When the
opening has no fit scores yet, one batch recompute writes them first.

Then, signed in as a superuser through Django's test client, it requests each
page once to warm the caches and ``--repeat`` times more, and reports for each
page the median time of the whole request (queries and rendering), as
``<page>_ms``, and its number of SQL queries, as ``<page>_queries``:

* ``candidates``, ``applications``, ``applications_of_opening``, ``interviews``,
  ``scorecards``, ``fit_scores``, ``openings``: the changelists;
* ``opening_change``: the opening's change page, with its capped applications inline;
* ``search_name``, ``search_email``, ``search_external_id``: the candidate search.

Prints one JSON line on stdout; progress goes to stderr. ``DATABASE_URL``
defaults to ``postgres://postgres@127.0.0.1:5432/scorecards_bench`` and must
name a database whose name contains "bench". Exit codes: 0 done, 1 a page did
not answer 200, 2 wrong database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from urllib.parse import urlencode

from benchmarks.recompute import (
    DEFAULT_CANDIDATES,
    configure,
    database_ensure,
    dataset_build,
    dataset_find,
    full_recompute,
    say,
    schema_ensure,
)

BENCH_ADMIN = "bench-admin"
SEARCH_SOURCE = "bench"  # the one candidate given an external id, so the exact-match search finds it


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.admin_pages",
        description="Time the Django admin's changelists and searches on a large opening (PostgreSQL).",
    )
    parser.add_argument(
        "--candidates",
        type=int,
        default=DEFAULT_CANDIDATES,
        help=f"applications in the opening (default {DEFAULT_CANDIDATES:,})",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
    args = parser.parse_args(argv)
    if args.candidates < 1 or args.repeat < 1:
        parser.error("--candidates and --repeat must be 1 or more")
    return args


def dataset_ensure(*, candidates: int) -> int:
    """The benchmark opening's id: an existing dataset of this size, else a new one; with fit scores."""
    from assessments.models import RubricVersion, SkillArea
    from assessments.selectors import DEFAULT_RUBRIC
    from scoring.models import FitScore

    version = RubricVersion.objects.current(DEFAULT_RUBRIC)
    area_ids = list(
        SkillArea.objects.filter(version=version).order_by("order", "key").values_list("pk", flat=True)
    )
    opening_id = dataset_find(candidates=candidates, areas=len(area_ids))
    if opening_id is None:
        say(f"building {candidates:,} candidates (benchmarks.recompute's dataset)")
        opening_id = dataset_build(candidates=candidates, version_id=version.pk, area_ids=area_ids)
    else:
        say(f"reusing the dataset of {candidates:,} candidates (opening {opening_id})")
    if not FitScore.objects.filter(application__opening_id=opening_id).exists():
        say("no fit scores yet: one batch recompute")
        full_recompute(opening_id=opening_id, profile=False)
    return opening_id


def search_target(*, candidates: int) -> tuple[str, str, str]:
    """Name, email and external id of one candidate in the middle; the external id is set here."""
    from hiring.models import Candidate

    candidate = Candidate.objects.order_by("pk")[candidates // 2]
    external_id = f"bench-ext-{candidate.pk}"
    if candidate.external_id != external_id:
        Candidate.objects.filter(pk=candidate.pk).update(source=SEARCH_SOURCE, external_id=external_id)
    return candidate.name, candidate.email, external_id


def pages(*, opening_id: int, name: str, email: str, external_id: str) -> dict[str, str]:
    def search(term: str) -> str:
        return "/admin/hiring/candidate/?" + urlencode({"q": term})

    return {
        "candidates": "/admin/hiring/candidate/",
        "applications": "/admin/hiring/application/",
        "applications_of_opening": f"/admin/hiring/application/?opening__id__exact={opening_id}",
        "interviews": "/admin/hiring/interview/",
        "scorecards": "/admin/assessments/scorecard/",
        "fit_scores": "/admin/scoring/fitscore/",
        "openings": "/admin/hiring/opening/",
        "opening_change": f"/admin/hiring/opening/{opening_id}/change/",
        "search_name": search(name),
        "search_email": search(email),
        "search_external_id": search(external_id),
    }


def page_measure(client, url: str, *, repeat: int) -> tuple[float, int, int]:
    """Median milliseconds over ``repeat`` requests after one warm-up, the query count, the status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, secure=True)
    query_count = len(queries)  # now: the next request resets the connection's query log
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), query_count, response.status_code


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    problem = configure()
    if problem:
        print(problem.replace("benchmarks.recompute", "benchmarks.admin_pages"), file=sys.stderr)
        return 2
    database_ensure()
    schema_ensure()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    # The test client's host, and static files linked by name as in tests (no collectstatic manifest).
    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    opening_id = dataset_ensure(candidates=args.candidates)
    name, email, external_id = search_target(candidates=args.candidates)
    admin, _ = get_user_model().objects.update_or_create(
        username=BENCH_ADMIN,
        defaults={"is_staff": True, "is_superuser": True, "is_active": True, "email": "bench@example.com"},
    )
    client = Client()
    client.force_login(admin)

    figures: dict[str, float | int] = {"candidates": args.candidates}
    failed = []
    for page, url in pages(opening_id=opening_id, name=name, email=email, external_id=external_id).items():
        milliseconds, queries, status = page_measure(client, url, repeat=args.repeat)
        say(f"{page}: {milliseconds:.1f} ms, {queries} queries, HTTP {status}  ({url})")
        if status != 200:
            failed.append(page)
        figures[f"{page}_ms"] = round(milliseconds, 1)
        figures[f"{page}_queries"] = queries
    print(json.dumps(figures), flush=True)
    for page in failed:
        say(f"{page} did not answer 200")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
