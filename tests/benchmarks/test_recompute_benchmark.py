"""``python -m benchmarks.recompute`` end to end on a small opening, in a database of its own.

The script creates, migrates and fills its database itself, so these tests do
not use pytest-django's test database: they run it as a subprocess against a
dedicated database on the suite's PostgreSQL server and drop that database
afterwards.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
import pytest
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parents[2]
BENCH_DATABASE = "scorecards_bench_test"
CANDIDATES = 300
SCORECARDS_PER_CANDIDATE = 3
ROLES = 3
KEYS = {
    "candidates",
    "ratings",
    "full_s",
    "sql_floor_s",
    "ratio",
    "single_ms_median",
    "peak_rss_mb",
    "build_s",
    "full_again_s",
    "reliability_s",
    "model_fit_s",
    "model_fit_iterations",
    "calibration_s",
    "fit_rows",
}


def server_connect(dbname: str) -> psycopg.Connection:
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in params.items() if v})


def bench_run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-test-secret-key"}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.recompute", "--candidates", str(CANDIDATES), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def figures_of(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    return json.loads(lines[0])


@pytest.fixture(scope="module")
def bench_database_url():
    """A URL to ``scorecards_bench_test`` on the suite's server; the database is dropped afterwards."""
    url = urlsplit(os.environ["DATABASE_URL"])
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DATABASE))
    with server_connect("postgres") as admin:
        admin.execute(drop)
    yield urlunsplit(url._replace(path=f"/{BENCH_DATABASE}"))
    with server_connect("postgres") as admin:
        admin.execute(drop)


@pytest.fixture(scope="module")
def first_run(bench_database_url):
    return bench_run(bench_database_url)


def test_benchmark_builds_the_opening_and_prints_one_json_line_of_figures(first_run):
    figures = figures_of(first_run)

    with server_connect(BENCH_DATABASE) as database:
        areas, fit_rows = database.execute(
            "SELECT (SELECT count(*) FROM assessments_skillarea WHERE version_id = o.rubric_version_id),"
            " (SELECT count(*) FROM scoring_fitscore f JOIN hiring_application a ON a.id = f.application_id"
            "  WHERE a.opening_id = o.id)"
            " FROM hiring_opening o"
        ).fetchone()
    assert set(figures) == KEYS
    assert figures["candidates"] == CANDIDATES
    assert figures["ratings"] == CANDIDATES * SCORECARDS_PER_CANDIDATE * areas
    assert areas > 0
    assert all(isinstance(value, int | float) and value > 0 for value in figures.values())
    assert fit_rows == figures["fit_rows"] == CANDIDATES * ROLES


def test_benchmark_with_keep_reuses_the_dataset_and_rescores_it(bench_database_url, first_run):
    built = figures_of(first_run)

    rerun = bench_run(bench_database_url, "--keep")

    figures = figures_of(rerun)
    assert "reusing the dataset" in rerun.stderr
    assert (figures["candidates"], figures["ratings"], figures["fit_rows"]) == (
        built["candidates"],
        built["ratings"],
        built["fit_rows"],
    )


@pytest.mark.parametrize(
    ("database", "problem"),
    [("sqlite", "needs PostgreSQL"), ("postgres-not-for-benchmarks", "refusing database 'scorecards'")],
)
def test_benchmark_refuses_a_database_it_must_not_fill(tmp_path, database, problem):
    url = urlsplit(os.environ["DATABASE_URL"])
    database_url = (
        f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        if database == "sqlite"
        else urlunsplit(url._replace(path="/scorecards"))
    )

    run = bench_run(database_url)

    assert run.returncode == 2
    assert run.stdout == ""
    assert problem in run.stderr
