"""``python -m benchmarks.admin_pages`` end to end on a small dataset, in a database of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from psycopg import sql

from tests.benchmarks.test_recompute_benchmark import server_connect

PROJECT_DIR = Path(__file__).resolve().parents[3]
BENCH_DATABASE = "scorecards_bench_admin_test"
CANDIDATES = 60
PAGES = [
    "candidates",
    "applications",
    "applications_of_opening",
    "interviews",
    "scorecards",
    "fit_scores",
    "openings",
    "opening_change",
    "search_name",
    "search_email",
    "search_external_id",
]


@pytest.fixture(scope="module")
def bench_database_url():
    url = urlsplit(os.environ["DATABASE_URL"])
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DATABASE))
    with server_connect("postgres") as admin:
        admin.execute(drop)
    yield urlunsplit(url._replace(path=f"/{BENCH_DATABASE}"))
    with server_connect("postgres") as admin:
        admin.execute(drop)


def bench_run(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-test-secret-key"}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.admin_pages", "--candidates", str(CANDIDATES), "--repeat", "1"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_admin_benchmark_times_every_page_and_prints_one_json_line(bench_database_url):
    run = bench_run(bench_database_url)

    assert run.returncode == 0, run.stderr
    (line,) = run.stdout.splitlines()
    figures = json.loads(line)
    expected = {"candidates"} | {f"{page}_{unit}" for page in PAGES for unit in ("ms", "queries")}
    assert set(figures) == expected
    assert figures["candidates"] == CANDIDATES
    assert all(figures[f"{page}_ms"] > 0 for page in PAGES)
    assert all(0 < figures[f"{page}_queries"] <= 12 for page in PAGES)


def test_the_admin_benchmark_refuses_a_database_without_bench_in_its_name():
    url = urlsplit(os.environ["DATABASE_URL"])

    run = bench_run(urlunsplit(url._replace(path="/scorecards")))

    assert run.returncode == 2
    assert "benchmarks.admin_pages" in run.stderr
