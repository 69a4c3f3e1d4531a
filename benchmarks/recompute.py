"""``python -m benchmarks.recompute``: time the scoring recomputes on one large opening (``make bench``).

Builds, with set-based SQL only (no ORM row per candidate), one opening with
``--candidates`` applications (100,000 by default), each with three technical
interviews by three distinct interviewers out of 30 and one submitted
scorecard per interview rating every skill area of the current rubric
version. Ratings are a candidate's true level per area, plus the
interviewer's leniency, plus noise, rounded and clipped to 1-5; every
"random" draw is a hash of a row number, so the same size gives the same data.

Then it measures, in this one process:

* ``model_fit_s``: the measurement model's fit (``scoring.engine.calibrate``,
  EM over every rating) within ``calibration_s``, the calibration task's work
  (read every rating of the rubric, fit, store); ``model_fit_iterations``;
* ``full_s``: ``scoring.services.opening_recompute`` of the opening, end to
  end (read, compute with the stored calibration, write), writing every result
  row for the first time;
  ``full_again_s`` is a second run, which updates those rows;
* ``sql_floor_s``: a plain ``GROUP BY application, skill area`` average over
  the same ratings, executed and fetched by the same client: no recompute can
  read its input faster; ``ratio`` is ``full_s / sql_floor_s``;
* ``single_ms_median``: the median ``application_recompute`` over 200
  applications spread across the opening;
* ``peak_rss_mb``: the process's peak resident memory (build included; the
  build is SQL, so it adds little).

Prints one JSON line on stdout; progress goes to stderr. Targets on the
2-core reference machine: ``full_s`` <= 15, ``ratio`` <= 3,
``single_ms_median`` <= 20, ``peak_rss_mb`` <= 1024; ``--check`` exits 1
when one is missed.

It needs PostgreSQL: ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/scorecards_bench``) must name a
database whose name contains "bench", because a build empties the hiring,
scorecard and scoring tables there. The database is created and migrated
when missing. ``--keep`` reuses a dataset of the same size left by an
earlier run (only the scoring results are emptied), so repeated runs skip
the build. Exit codes: 0 done, 1 a target missed under ``--check``, 2 wrong
database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scorecards_bench"
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
DEFAULT_CANDIDATES = 100_000
INTERVIEWERS = 30
SCORECARDS_PER_CANDIDATE = 3
SINGLE_SAMPLES = 200
OPENING_ROLE = "ml_engineer"
TARGETS = {"full_s": 15.0, "ratio": 3.0, "single_ms_median": 20.0, "peak_rss_mb": 1024.0}

# The floor: what any recompute has to read, aggregated by the server and
# fetched row by row into Python by the same client.
SQL_FLOOR = """
SELECT i.application_id, r.area_id, avg(r.level)
FROM assessments_rating r
JOIN assessments_scorecard s ON s.id = r.scorecard_id
JOIN hiring_interview i ON i.id = s.interview_id
JOIN hiring_application a ON a.id = i.application_id
WHERE a.opening_id = %s AND s.status = 'submitted' AND r.level IS NOT NULL
GROUP BY i.application_id, r.area_id
"""

# A dedicated database: emptying every table that hangs off openings and
# candidates is the quickest way to drop an earlier dataset. Rubrics and users stay.
SQL_EMPTY_DATASET = "TRUNCATE hiring_opening, hiring_candidate RESTART IDENTITY CASCADE"
SQL_EMPTY_RESULTS = """
TRUNCATE scoring_fitscore, scoring_applicationscorestate, scoring_intervieweroffset,
    scoring_calibration, scoring_areareliability, scoring_shortlist RESTART IDENTITY CASCADE
"""

SQL_INTERVIEWERS = """
INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined)
SELECT '!', NULL, false, 'bench-interviewer-' || lpad(n::text, 2, '0'), 'Bench', 'Interviewer ' || n,
    'bench-interviewer-' || n || '@example.com', false, true, now()
FROM generate_series(1, %(count)s) AS n
ON CONFLICT (username) DO NOTHING
"""

# A uniform draw in [0, 1) from a row number and a stream number: deterministic,
# and safe under parallel plans (random() is neither).
SQL_UNIFORM_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.bench_uniform(x bigint, stream bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(x, stream) & 4294967295)::double precision / 4294967296.0 $$
"""

# One row per interview: its application, its interviewer and that interviewer's
# leniency, and the candidate's overall ability. Interviewer k (0-2) of
# candidate g is (base + k * step) mod 30 with step in 1..14, so the three are
# distinct, and base and step vary so that every pair of interviewers co-rates.
SQL_SLOTS = """
CREATE TEMPORARY TABLE bench_slot ON COMMIT DROP AS
SELECT ((g - 1) * %(per_candidate)s + k + 1)::bigint AS interview_id,
    g::bigint AS application_id,
    k,
    (%(interviewer_ids)s::integer[])[slot.position + 1] AS interviewer_id,
    (%(leniency)s::double precision[])[slot.position + 1] AS leniency,
    1.8 + 2.4 * pg_temp.bench_uniform(g, 1) AS ability
FROM generate_series(1, %(candidates)s) AS g
CROSS JOIN generate_series(0, %(per_candidate)s - 1) AS k
CROSS JOIN LATERAL (
    SELECT mod(mod(g - 1, %(interviewers)s) + k * (1 + mod((g - 1) / %(interviewers)s, %(steps)s)),
        %(interviewers)s) AS position
) AS slot
"""

SQL_OPENING = """
INSERT INTO hiring_opening (title, status, created_at, updated_at, role_id, rubric_version_id)
VALUES (%(title)s, 'open', now() - interval '60 days', now(), %(role_id)s, %(version_id)s)
RETURNING id
"""

SQL_CANDIDATES = """
INSERT INTO hiring_candidate (id, name, email, source, external_id, created_at, updated_at)
SELECT g, 'Bench candidate ' || g, 'bench-candidate-' || g || '@example.com', 'manual', '',
    now() - interval '45 days', now() - interval '45 days'
FROM generate_series(1, %(candidates)s) AS g
"""

SQL_APPLICATIONS = """
INSERT INTO hiring_application (id, stage, source, external_id, created_at, updated_at,
    candidate_id, opening_id)
SELECT g, 'interviewing', 'manual', '', now() - interval '45 days', now() - interval '30 days',
    g, %(opening_id)s
FROM generate_series(1, %(candidates)s) AS g
"""

SQL_INTERVIEWS = """
INSERT INTO hiring_interview (id, kind, scheduled_at, duration_minutes, created_at, application_id)
SELECT interview_id, 'technical', now() - interval '20 days' + k * interval '2 days', 60,
    now() - interval '30 days', application_id
FROM bench_slot
"""

SQL_FOCUS_AREAS = """
INSERT INTO hiring_interview_focus_areas (interview_id, skillarea_id)
SELECT interview_id, area_id
FROM bench_slot CROSS JOIN unnest(%(area_ids)s::bigint[]) AS area_id
"""

SQL_ASSIGNMENTS = """
INSERT INTO hiring_assignment (id, created_at, interviewer_id, interview_id)
SELECT interview_id, now() - interval '30 days', interviewer_id, interview_id
FROM bench_slot
"""

SQL_SCORECARDS = """
INSERT INTO assessments_scorecard (id, status, recommendation, summary, revision, created_at, updated_at,
    submitted_at, amended_at, interview_id, interviewer_id, rubric_version_id)
SELECT interview_id, 'submitted',
    CASE WHEN ability + leniency < 2.4 THEN 'strong_no' WHEN ability + leniency < 3.0 THEN 'no'
        WHEN ability + leniency < 3.6 THEN 'yes' ELSE 'strong_yes' END,
    '', 1, at.submitted - interval '1 hour', at.submitted, at.submitted, NULL,
    interview_id, interviewer_id, %(version_id)s
FROM bench_slot
CROSS JOIN LATERAL (
    SELECT now() - interval '20 days' + k * interval '2 days' + interval '2 hours'
) AS at(submitted)
"""

# level = true level (ability + a per-area shift) + leniency + noise (sum of three
# uniforms: roughly normal, sd 0.6), rounded and clipped to the 1-5 scale.
SQL_RATINGS = """
INSERT INTO assessments_rating (id, level, not_assessed, evidence, area_id, scorecard_id)
SELECT rating.id,
    least(5, greatest(1, round(
        ability + (pg_temp.bench_uniform(application_id * 64 + area.position, 2) - 0.5) * 1.6
        + leniency
        + (pg_temp.bench_uniform(rating.id, 3) + pg_temp.bench_uniform(rating.id, 4)
            + pg_temp.bench_uniform(rating.id, 5) - 1.5) * 1.2
    )))::smallint,
    false, '', area.area_id, interview_id
FROM bench_slot
CROSS JOIN unnest(%(area_ids)s::bigint[]) WITH ORDINALITY AS area(area_id, position)
CROSS JOIN LATERAL (SELECT (interview_id - 1) * %(areas)s + area.position) AS rating(id)
"""

# Rows above were given explicit ids; later inserts through the ORM must not collide.
SQL_SEQUENCES = """
SELECT setval(pg_get_serial_sequence('hiring_candidate', 'id'), (SELECT max(id) FROM hiring_candidate)),
    setval(pg_get_serial_sequence('hiring_application', 'id'), (SELECT max(id) FROM hiring_application)),
    setval(pg_get_serial_sequence('hiring_interview', 'id'), (SELECT max(id) FROM hiring_interview)),
    setval(pg_get_serial_sequence('hiring_assignment', 'id'), (SELECT max(id) FROM hiring_assignment)),
    setval(pg_get_serial_sequence('assessments_scorecard', 'id'),
        (SELECT max(id) FROM assessments_scorecard)),
    setval(pg_get_serial_sequence('assessments_rating', 'id'), (SELECT max(id) FROM assessments_rating))
"""

SQL_VACUUM = """
VACUUM (ANALYZE) hiring_candidate, hiring_application, hiring_interview, hiring_interview_focus_areas,
    hiring_assignment, assessments_scorecard, assessments_rating, auth_user
"""

SQL_RATING_COUNT = """
SELECT count(*)
FROM assessments_rating r
JOIN assessments_scorecard s ON s.id = r.scorecard_id
JOIN hiring_interview i ON i.id = s.interview_id
JOIN hiring_application a ON a.id = i.application_id
WHERE a.opening_id = %s AND s.status = 'submitted' AND r.level IS NOT NULL
"""

SQL_FIT_COUNT = """
SELECT count(*) FROM scoring_fitscore f JOIN hiring_application a ON a.id = f.application_id
WHERE a.opening_id = %s
"""


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.recompute",
        description="Time the batch and single scoring recomputes on one large opening (PostgreSQL).",
    )
    parser.add_argument(
        "--candidates",
        type=int,
        default=DEFAULT_CANDIDATES,
        help=f"applications in the opening (default {DEFAULT_CANDIDATES:,})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse an existing dataset of the same size instead of rebuilding"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the full recompute; top functions go to stderr"
    )
    args = parser.parse_args(argv)
    if args.candidates < 1:
        parser.error("--candidates must be 1 or more")
    return args


def configure() -> str | None:
    """Point Django at the benchmark database; return a problem line, or None when it is usable."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"benchmarks.recompute needs PostgreSQL; DATABASE_URL points at {connection.vendor}."
    name = connection.settings_dict["NAME"] or ""
    if "bench" not in name:
        return (
            f"benchmarks.recompute empties tables in its database; refusing database {name!r}"
            " (its name must contain 'bench', e.g. scorecards_bench)."
        )
    return None


def database_ensure() -> None:
    """Create the configured database when missing (through the ``postgres`` maintenance database).

    Shared by every benchmark script (recompute, admin pages, load).
    """
    import psycopg
    from django.db import connection
    from psycopg import sql

    settings = connection.settings_dict
    params = {
        "dbname": "postgres",
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
    }
    with psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            return
        say(f"creating database {settings['NAME']}")
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"])))


def schema_ensure() -> None:
    from django.core.management import call_command

    quiet = io.StringIO()  # stdout carries the JSON line only
    call_command("migrate", verbosity=0, interactive=False, stdout=quiet)
    call_command("load_rubrics", verbosity=0, stdout=quiet)


def opening_title(candidates: int) -> str:
    return f"Benchmark opening ({candidates} candidates)"


def dataset_find(*, candidates: int, areas: int) -> int | None:
    """The opening of a complete earlier dataset of this size, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, (SELECT count(*) FROM hiring_application a WHERE a.opening_id = o.id) "
            "FROM hiring_opening o WHERE o.title = %s ORDER BY o.id DESC LIMIT 1",
            [opening_title(candidates)],
        )
        found = cursor.fetchone()
        if found is None or found[1] != candidates:
            return None
        cursor.execute(SQL_RATING_COUNT, [found[0]])
        if cursor.fetchone()[0] != candidates * SCORECARDS_PER_CANDIDATE * areas:
            return None
    return found[0]


def dataset_build(*, candidates: int, version_id: int, area_ids: list[int]) -> int:
    """Empty the dataset tables and build the opening; return its id. One transaction, then VACUUM."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from assessments.models import Role

    role_id = Role.objects.get(key=OPENING_ROLE).pk
    # Leniency from -0.6 (severe) to +0.6 (lenient), spread evenly over the interviewers.
    leniency = [round(-0.6 + 1.2 * i / (INTERVIEWERS - 1), 4) for i in range(INTERVIEWERS)]
    params: dict[str, Any] = {
        "candidates": candidates,
        "per_candidate": SCORECARDS_PER_CANDIDATE,
        "interviewers": INTERVIEWERS,
        "steps": (INTERVIEWERS - 1) // 2,  # k * step stays distinct mod INTERVIEWERS for k = 0, 1, 2
        "leniency": leniency,
        "version_id": version_id,
        "area_ids": area_ids,
        "areas": len(area_ids),
        "role_id": role_id,
        "title": opening_title(candidates),
    }
    steps = [
        ("candidates", SQL_CANDIDATES),
        ("applications", SQL_APPLICATIONS),
        ("interview slots", SQL_SLOTS),
        ("interviews", SQL_INTERVIEWS),
        ("interview focus areas", SQL_FOCUS_AREAS),
        ("assignments", SQL_ASSIGNMENTS),
        ("scorecards", SQL_SCORECARDS),
        ("ratings", SQL_RATINGS),
        ("id sequences", SQL_SEQUENCES),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL_EMPTY_DATASET)
        foreign_key_checks_skip(cursor)
        cursor.execute(SQL_INTERVIEWERS, {"count": INTERVIEWERS})
        params["interviewer_ids"] = list(
            get_user_model()
            .objects.filter(username__startswith="bench-interviewer-")
            .order_by("username")
            .values_list("pk", flat=True)[:INTERVIEWERS]
        )
        cursor.execute(SQL_UNIFORM_FUNCTION)
        cursor.execute(SQL_OPENING, params)
        params["opening_id"] = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE assessments_rubricversion SET locked_at = coalesce(locked_at, now()) WHERE id = %s",
            [version_id],
        )
        for label, statement in steps:
            started = time.perf_counter()
            cursor.execute(statement, params)
            say(f"  {label}: {cursor.rowcount:,} rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SQL_VACUUM)  # autocommit: VACUUM cannot run in a transaction
    say(f"  vacuum analyze: {time.perf_counter() - started:.1f} s")
    return params["opening_id"]


def foreign_key_checks_skip(cursor) -> None:
    """Skip the per-row foreign-key triggers for the rest of the build transaction, when allowed.

    Django's foreign keys are checked at commit, one trigger per row: about 90 s
    for the 100,000-candidate dataset, whose keys are consistent by
    construction. ``session_replication_role = replica`` (a bulk-load setting
    that needs a superuser) skips them; unique and check constraints still hold.
    Without the privilege the build just takes longer.
    """
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        say("  (no privilege to skip foreign-key triggers: the build checks every key)")


def sql_floor(*, opening_id: int) -> tuple[float, int]:
    """Seconds to execute and fetch the GROUP BY average with a fresh cursor, and its row count."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(SQL_FLOOR, [opening_id])
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - started
    return elapsed, len(rows)


def calibrate(*, opening_id: int):
    """Seconds for the calibration of the opening's rubric (read, model fit, store), and the stored row.

    The fan-out to the rubric's openings is left out: the full recompute is timed next, on its own.
    """
    from hiring.models import Opening
    from scoring.calibration import calibration_run

    rubric_id = (
        Opening.objects.filter(pk=opening_id).values_list("rubric_version__rubric_id", flat=True).get()
    )
    started = time.perf_counter()
    stored = calibration_run(rubric_id=rubric_id, fan_out=False)
    return time.perf_counter() - started, stored


def full_recompute(*, opening_id: int, profile: bool) -> float:
    from scoring.services import opening_recompute

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    # The batch's follow-up (agreement statistics) runs in its own task on a worker;
    # it is timed separately below, not as part of the recompute.
    from unittest import mock

    with mock.patch("scoring.services.enqueue_on_commit"):
        started = time.perf_counter()
        opening_recompute(opening_id=opening_id)
        elapsed = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return elapsed


def reliability_recompute(*, opening_id: int) -> float:
    """Seconds for the batch's follow-up task: Krippendorff's alpha per skill area."""
    from scoring.services import opening_reliability_recompute

    started = time.perf_counter()
    opening_reliability_recompute(opening_id=opening_id)
    return time.perf_counter() - started


def single_recomputes(*, opening_id: int, samples: int) -> list[float]:
    """Milliseconds per ``application_recompute``, for ``samples`` applications spread over the opening."""
    from hiring.models import Application
    from scoring.services import application_recompute

    application_ids = list(
        Application.objects.filter(opening_id=opening_id).order_by("pk").values_list("pk", flat=True)
    )
    count = min(samples, len(application_ids))
    chosen = [
        application_ids[round(i * (len(application_ids) - 1) / max(count - 1, 1))] for i in range(count)
    ]
    timings = []
    for application_id in chosen:
        started = time.perf_counter()
        application_recompute(application_id=application_id)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def scalar(sql: str, params: Sequence) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def targets_missed(figures: dict[str, Any]) -> list[str]:
    return [f"{key} = {figures[key]} > {limit}" for key, limit in TARGETS.items() if figures[key] > limit]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    problem = configure()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    database_ensure()
    schema_ensure()

    from django.db import connection

    from assessments.models import RubricVersion, SkillArea
    from assessments.selectors import DEFAULT_RUBRIC

    version = RubricVersion.objects.current(DEFAULT_RUBRIC)
    area_ids = list(
        SkillArea.objects.filter(version=version).order_by("order", "key").values_list("pk", flat=True)
    )

    started = time.perf_counter()
    opening_id = dataset_find(candidates=args.candidates, areas=len(area_ids)) if args.keep else None
    if opening_id is not None:
        say(f"reusing the dataset of {args.candidates:,} candidates (opening {opening_id})")
        with connection.cursor() as cursor:
            cursor.execute(SQL_EMPTY_RESULTS)
    else:
        say(
            f"building {args.candidates:,} candidates x {SCORECARDS_PER_CANDIDATE} scorecards"
            f" x {len(area_ids)} areas"
        )
        opening_id = dataset_build(candidates=args.candidates, version_id=version.pk, area_ids=area_ids)
    build_s = time.perf_counter() - started
    ratings = scalar(SQL_RATING_COUNT, [opening_id])
    say(f"dataset ready in {build_s:.1f} s: {ratings:,} ratings; peak RSS {peak_rss_mb():.0f} MB")

    sql_floor(opening_id=opening_id)  # warm the caches, so neither measurement pays for a cold read
    sql_floor_s, groups = sql_floor(opening_id=opening_id)
    say(f"SQL floor: {sql_floor_s:.2f} s for {groups:,} groups; peak RSS {peak_rss_mb():.0f} MB")

    # A worker loads the URL configuration once, at its first task that builds a link (the batch's
    # event does); load it here too, so a one-off import is not timed as part of a recompute.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loads and caches the URL configuration)
    calibration_s, stored = calibrate(opening_id=opening_id)
    say(
        f"model fit: {stored.fit_seconds:.2f} s in {stored.iterations} EM iterations"
        f" ({calibration_s:.2f} s with reading and storing); peak RSS {peak_rss_mb():.0f} MB"
    )

    full_s = full_recompute(opening_id=opening_id, profile=args.profile)
    say(f"full recompute: {full_s:.2f} s; peak RSS {peak_rss_mb():.0f} MB")
    full_again_s = full_recompute(opening_id=opening_id, profile=False)
    say(f"full recompute again (updates): {full_again_s:.2f} s; peak RSS {peak_rss_mb():.0f} MB")
    reliability_s = reliability_recompute(opening_id=opening_id)
    say(f"agreement statistics (follow-up task): {reliability_s:.2f} s; peak RSS {peak_rss_mb():.0f} MB")

    timings = single_recomputes(opening_id=opening_id, samples=SINGLE_SAMPLES)
    say(
        f"single recompute over {len(timings)} applications: median {statistics.median(timings):.1f} ms,"
        f" max {max(timings):.1f} ms"
    )

    figures = {
        "candidates": args.candidates,
        "ratings": ratings,
        "full_s": round(full_s, 3),
        "sql_floor_s": round(sql_floor_s, 3),
        "ratio": round(full_s / sql_floor_s, 2),
        "single_ms_median": round(statistics.median(timings), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "build_s": round(build_s, 1),
        "full_again_s": round(full_again_s, 3),
        "reliability_s": round(reliability_s, 3),
        "model_fit_s": round(stored.fit_seconds, 3),
        "model_fit_iterations": stored.iterations,
        "calibration_s": round(calibration_s, 3),
        "fit_rows": scalar(SQL_FIT_COUNT, [opening_id]),
    }
    print(json.dumps(figures), flush=True)
    missed = targets_missed(figures)
    for line in missed:
        say(f"target missed: {line}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
