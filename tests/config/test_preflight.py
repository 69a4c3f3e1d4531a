import os

from config import preflight


def test_preflight_passes_when_both_services_answer():
    assert preflight.problems(dict(os.environ)) == []


def test_preflight_names_an_unreachable_postgres_and_how_to_start_it():
    problems = preflight.problems(
        {"DATABASE_URL": "postgres://u:topsecret@127.0.0.1:1/x", "REDIS_URL": os.environ["REDIS_URL"]}
    )

    assert len(problems) == 1
    assert problems[0].startswith("PostgreSQL at 127.0.0.1:1 is unreachable")
    assert "docker compose up -d db" in problems[0]
    assert "topsecret" not in problems[0]
    assert "\n" not in problems[0]


def test_preflight_names_an_unreachable_redis_and_how_to_start_it():
    problems = preflight.problems(
        {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": "redis://127.0.0.1:1/0"}
    )

    assert len(problems) == 1
    assert problems[0].startswith("Redis at 127.0.0.1:1 is unreachable")
    assert "docker compose up -d redis" in problems[0]


def test_preflight_refuses_sqlite_for_the_suite():
    problems = preflight.problems({"DATABASE_URL": "sqlite:///x.db", "REDIS_URL": os.environ["REDIS_URL"]})

    assert problems == [problems[0]]
    assert "not a PostgreSQL URL" in problems[0]
