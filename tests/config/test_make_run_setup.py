"""`make run` sets up on SQLite with in-process tasks: the same commands must work there."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_the_demo_setup_commands_work_on_sqlite_with_eager_tasks(tmp_path):
    database = tmp_path / "demo.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
    }
    for command in (
        ["migrate", "--noinput"],
        ["load_rubrics"],
        ["seed_demo"],
        ["recompute_scores"],
        ["seed_demo"],
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"

    with sqlite3.connect(database) as connection:
        fit_rows = connection.execute(
            "SELECT count(*) FROM scoring_fitscore WHERE fit IS NOT NULL"
        ).fetchone()[0]
        candidates = connection.execute("SELECT count(*) FROM hiring_candidate").fetchone()[0]
    assert candidates == 60  # the second seed_demo added nothing
    assert fit_rows > 100
