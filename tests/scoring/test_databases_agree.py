"""The same ratings give the same stored scores on PostgreSQL (the suite's) and on SQLite (make run's)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from scoring.models import FitScore

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("application_id", "role_id", "fit", "lower", "upper", "standard_error", "meets_bars_probability")
READ_BACK = (
    "import json; from scoring.models import FitScore; "
    f"print(json.dumps(sorted(FitScore.objects.values_list(*{COLUMNS!r}))))"
)


def manage(*args, env):
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


def test_sqlite_and_postgresql_store_the_same_scores_for_the_same_ratings(scored_opening, tmp_path):
    scored_opening(6)
    scored_opening(9, role="data_scientist")
    call_command("recompute_scores", verbosity=0)
    on_postgres = sorted(FitScore.objects.values_list(*COLUMNS))
    dump = tmp_path / "ratings.json"
    call_command(
        "dumpdata",
        exclude=["contenttypes", "auth.permission", "admin", "sessions", "scoring", "axes", "integrations"],
        output=str(dump),
        # Groups by name: the SQLite copy's migrate makes them too, with ids of its own (a flush
        # on PostgreSQL re-creates them under new ids).
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        verbosity=0,
    )
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CI"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'copy.sqlite3'}", DEBUG="1")

    manage("migrate", "--noinput", env=env)
    manage("loaddata", str(dump), env=env)
    manage("recompute_scores", "--verbosity", "0", env=env)
    on_sqlite = json.loads(manage("shell", "-c", READ_BACK, env=env).strip().splitlines()[-1])

    assert len(on_postgres) == (6 + 9) * 3
    assert [tuple(row) for row in on_sqlite] == [tuple(row) for row in on_postgres]
