"""``python -m benchmarks.load`` end to end in a tiny configuration, and the arithmetic of its figures.

The script creates, migrates and fills its own database and starts its own
gunicorn and Celery worker, so the end-to-end test runs it as a subprocess
against ``scorecards_load_test`` on the suite's PostgreSQL server (dropped
afterwards) and a private Redis server on a free port (the script flushes
its Redis database).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
import pytest
import redis
from psycopg import sql

from benchmarks.load import MIX, Outcome, Phase, targets_missed, timings_by_kind
from benchmarks.load_servers import server_environment
from benchmarks.load_stats import count_summary, peak_rate, percentile, ratio
from config.server_timing import server_timing_parse

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOAD_DATABASE = "scorecards_load_test"
TINY = ["--clients", "5", "--duration", "3", "--saturation", "2", "--warmup", "1", "--web-workers", "2"]
HEADLINE_KEYS = {"rps", "p50_ms", "p95_ms", "p99_ms", "errors", "lost", "peak_rps", "healthz_peak_rps"}
KINDS = {kind for kind, _ in MIX} | {"healthz"}


def server_connect(dbname: str) -> psycopg.Connection:
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in params.items() if v})


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def load_run(url: str, redis_url: str, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret-key-0123456789abcdef"}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--redis-url", redis_url, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def private_redis_url(tmp_path_factory):
    """A Redis server of our own on a free port, stopped afterwards: the script flushes what it is given."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))]
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the private redis-server did not start")
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/1"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def tiny_run(private_redis_url):
    """One tiny run (5 clients, 1 s warm-up, 3 s steady, 2 s + 2 s saturation) on a fresh database."""
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(LOAD_DATABASE))
    with server_connect("postgres") as admin:
        admin.execute(drop)
    started = time.monotonic()
    run = load_run(database_url(LOAD_DATABASE), private_redis_url, *TINY)
    elapsed = time.monotonic() - started
    with server_connect(LOAD_DATABASE) as database:
        counts = database.execute(
            "SELECT (SELECT count(*) FROM assessments_scorecard"
            "        WHERE status = 'submitted' AND summary = 'Submitted by the load test.'),"
            " (SELECT count(*) FROM hiring_candidate WHERE source = 'loadats' AND external_id LIKE 'c%%')"
        ).fetchone()
        # Tables the dataset filled that were never vacuumed and analysed (autovacuum may be off).
        unanalysed = database.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE relname IN ('hiring_application', 'scoring_fitscore', 'scoring_shortlistentry')"
            " AND ((last_analyze IS NULL AND last_autoanalyze IS NULL)"
            " OR (last_vacuum IS NULL AND last_autovacuum IS NULL))"
        ).fetchall()
    yield run, elapsed, counts, unanalysed
    with server_connect("postgres") as admin:
        admin.execute(drop)


def test_load_script_runs_a_tiny_load_and_prints_one_json_line_of_figures(tiny_run):
    run, elapsed, (scorecards_in_database, candidates_in_database), unanalysed = tiny_run

    assert run.returncode == 0, run.stderr[-4000:]
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    figures = json.loads(lines[0])
    assert HEADLINE_KEYS <= set(figures)
    assert figures["errors"] == figures["saturation_errors"] == figures["healthz_errors"] == 0
    assert figures["lost"] == 0
    assert figures["requests"] > 0
    assert figures["rps"] > 0
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["peak_rps"] >= 1
    assert figures["healthz_peak_rps"] >= 1
    assert figures["peak_ratio"] == round(figures["peak_rps"] / figures["healthz_peak_rps"], 3)
    assert figures["cost_ratio"] == round(figures["healthz_peak_rps"] / figures["peak_rps"], 2)
    # The servers answered with Server-Timing: /healthz is its one SELECT 1; the mix's kinds query more.
    assert set(figures["queries_by_kind"]) == set(figures["server_cpu_ms_by_kind"]) == KINDS
    assert figures["queries_by_kind"]["healthz"] == {"median": 1, "max": 1}
    measured = [summary for summary in figures["queries_by_kind"].values() if summary is not None]
    assert len(measured) >= 3
    assert all(1 <= summary["median"] <= summary["max"] for summary in measured)
    assert figures["server_cpu_ms_by_kind"]["healthz"] > 0
    assert set(figures["server_cpu_ms_per_request"]) == {"steady", "saturation", "healthz"}
    assert all(value > 0 for value in figures["server_cpu_ms_per_request"].values())
    # What it says it sent is what the database holds: its figures are not made up.
    assert figures["scorecards_submitted"] == scorecards_in_database > 0
    assert figures["candidates_upserted"] == candidates_in_database > 0
    assert elapsed < 90, f"the tiny run took {elapsed:.0f} s"
    # The planner knows the dataset's size: unanalysed, it joined a shortlist's every entry per page.
    assert unanalysed == []


def test_load_script_stops_gunicorn_and_the_worker_when_it_ends(tiny_run):
    run, *_ = tiny_run
    port = int(re.search(r"on http://127\.0\.0\.1:(\d+)", run.stderr).group(1))

    with socket.socket() as probe:
        refused = probe.connect_ex(("127.0.0.1", port))
    # The worker is named load-<port>@host; none of its processes is left.
    leftovers = [
        cmdline
        for cmdline in (path.read_bytes() for path in Path("/proc").glob("[0-9]*/cmdline") if path.exists())
        if f"load-{port}@".encode() in cmdline or f"127.0.0.1:{port}".encode() in cmdline
    ]

    assert refused != 0
    assert leftovers == []


@pytest.mark.parametrize(
    ("database", "redis_path", "problem"),
    [
        ("scorecards", "/1", "refusing database 'scorecards'"),
        ("scorecards_load_test_refused", "/0", "refusing 'redis://"),
    ],
)
def test_load_script_refuses_a_database_it_must_not_empty(private_redis_url, database, redis_path, problem):
    redis_url = private_redis_url.rsplit("/", 1)[0] + redis_path

    run = load_run(database_url(database), redis_url, *TINY, timeout=60)

    assert run.returncode == 2
    assert run.stdout == ""
    assert problem in run.stderr


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 95, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # unsorted input; halfway between the middle two
        ([float(n) for n in range(1, 101)], 95, 95.05),  # rank 94.05: 95 + 0.05 * (96 - 95)
        ([10.0, 20.0, 30.0, 40.0, 1000.0], 99, 961.6),  # rank 3.96: 40 + 0.96 * 960
    ],
)
def test_percentile_interpolates_between_the_closest_ranks(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_no_values_and_a_rank_outside_0_to_100(values, q):
    with pytest.raises(ValueError, match="percentile"):
        percentile(values, q)


@pytest.mark.parametrize(
    ("moments", "expected"),
    [
        ([], 0),
        ([3.2], 1),
        ([0.0, 0.5, 0.999, 1.0, 1.5], 3),  # [0, 1) holds three; 1.0 starts the next window
        ([0.1, 0.2, 1.5, 1.6, 1.7, 2.4, 2.45, 5.0], 5),  # the best window starts at 1.5, not on a second
        ([2.4, 0.1, 1.6, 5.0, 1.5, 2.45, 0.2, 1.7], 5),  # order does not matter
        ([1.0, 1.0, 1.0], 3),  # simultaneous completions all count
    ],
)
def test_peak_rate_is_the_busiest_one_second_window_anywhere_in_time(moments, expected):
    assert peak_rate(moments) == expected


def test_peak_rate_counts_per_window_of_the_given_length():
    moments = [0.0, 0.1, 0.2, 0.3, 5.0]

    assert peak_rate(moments, window=0.15) == 2
    assert peak_rate(moments, window=10) == 5


def outcome(kind: str, header: str | None, *, ok: bool = True) -> Outcome:
    return Outcome(kind=kind, finished=0.0, latency_ms=1.0, ok=ok, timing=server_timing_parse(header))


def header(queries: int, cpu_ms: float) -> str:
    return f'db;dur=1.00;desc="{queries} queries", cpu;dur={cpu_ms:.2f}, app;dur=20.00'


def test_timings_by_kind_gives_each_kinds_median_and_max_queries_and_median_cpu():
    outcomes = [
        outcome("scorecard_submit", header(12, 9.0)),
        outcome("scorecard_submit", header(13, 11.0)),
        outcome("scorecard_submit", header(12, 10.0)),
        outcome("scorecard_submit", header(14, 30.0)),
        outcome("healthz", header(1, 0.5)),
    ]

    queries, cpu_ms = timings_by_kind(outcomes, ["scorecard_submit", "healthz"])

    assert queries == {"scorecard_submit": {"median": 12, "max": 14}, "healthz": {"median": 1, "max": 1}}
    assert cpu_ms == {"scorecard_submit": 10.5, "healthz": 0.5}


def test_timings_by_kind_reports_null_for_a_kind_without_a_readable_header():
    outcomes = [
        outcome("shortlist", None),  # no header: a server without SERVER_TIMING
        outcome("shortlist", "db;dur=1.0, cpu;dur=2.0"),  # malformed
        outcome("fit_scores_list", header(4, 3.0)),
        outcome("fit_scores_list", None),  # one missing among readable ones is skipped
    ]

    queries, cpu_ms = timings_by_kind(outcomes, ["shortlist", "fit_scores_list", "candidate_upsert"])

    assert queries == {
        "shortlist": None,
        "fit_scores_list": {"median": 4, "max": 4},
        "candidate_upsert": None,
    }
    assert cpu_ms == {"shortlist": None, "fit_scores_list": 3.0, "candidate_upsert": None}


def test_timings_by_kind_leaves_out_failed_requests():
    outcomes = [
        outcome("candidate_upsert", header(5, 2.0)),
        outcome("candidate_upsert", header(40, 9.0), ok=False),
    ]

    queries, _ = timings_by_kind(outcomes, ["candidate_upsert"])

    assert queries == {"candidate_upsert": {"median": 5, "max": 5}}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], None),
        ([7], {"median": 7, "max": 7}),
        ([3, 1, 2], {"median": 2, "max": 3}),
        ([4, 1, 3, 2], {"median": 2, "max": 4}),  # even: the lower of the middle two, a real count
    ],
)
def test_count_summary_is_the_lower_median_and_the_max(counts, expected):
    assert count_summary(counts) == expected


def test_ratio_rounds_and_is_null_when_nothing_was_measured():
    assert ratio(200, 800, places=3) == 0.25
    assert ratio(800, 300, places=2) == 2.67
    assert ratio(5, 0, places=3) is None


def test_server_cpu_per_request_counts_the_catch_up_and_is_null_without_requests():
    phase = Phase(
        name="steady",
        seconds=10,
        outcomes=[outcome("shortlist", None)] * 400,
        loadgen_cpu_s=0.5,
        server_cpu_s=3.0,
        machine_busy_pct=50.0,
        catch_up_cpu_s=1.0,
    )
    idle = Phase(name="healthz", seconds=10, outcomes=[], loadgen_cpu_s=0, server_cpu_s=1, machine_busy_pct=0)

    assert phase.server_cpu_ms_per_request == 10.0  # 4 s over 400 requests
    assert idle.server_cpu_ms_per_request is None


def test_targets_missed_names_each_kind_over_its_query_limit_and_a_low_peak_ratio():
    figures = {
        "queries_by_kind": {
            "scorecard_submit": {"median": 16, "max": 20},
            "candidate_upsert": {"median": 8, "max": 9},  # at the limit: met
            "shortlist": None,  # not measured: not a miss
        },
        "peak_ratio": 0.25,
        "cost_ratio": 4.0,
    }

    missed = targets_missed(figures)

    assert missed == ["scorecard_submit: 16 queries > 15", "peak_ratio = 0.25 < 1/3 (cost_ratio 4.0 > 3)"]
    assert targets_missed({"queries_by_kind": {}, "peak_ratio": 0.334, "cost_ratio": 2.99}) == []


def test_load_servers_run_with_server_timing_on():
    environment = server_environment(
        database_url="postgres:///x_load", redis_url="redis:///13", secret_key="k"
    )

    assert environment["SERVER_TIMING"] == "1"
