"""docker-compose.yml cannot run here (no Docker engine), so check it statically:
every service exists with a healthcheck, and every command points at modules,
attributes and settings that exist in this project."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def command_words(service: dict) -> list[str]:
    command = service["command"]
    words = command if isinstance(command, list) else shlex.split(command)
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2].replace("&&", " && "))
    return words


def test_compose_has_every_service_with_a_healthcheck(compose):
    services = compose["services"]
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_pins_postgres_16_and_redis_7(compose):
    assert compose["services"]["db"]["image"].split(":")[1].startswith("16")
    assert compose["services"]["redis"]["image"].split(":")[1].startswith("7")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_get_the_environment_they_need(compose, name):
    service = compose["services"][name]
    env = service["environment"]
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        assert key in env, f"{name} lacks {key}"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    importlib.import_module(env["DJANGO_SETTINGS_MODULE"])
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert (PROJECT_DIR / service.get("build", ".")).joinpath("Dockerfile").exists()


def test_web_serves_the_wsgi_application_with_gunicorn(compose):
    words = command_words(compose["services"]["web"])
    target = words[words.index("gunicorn") + 1]
    module_name, attribute = target.split(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))
    management_commands = [words[i + 1] for i, word in enumerate(words) if word == "manage.py"]
    assert management_commands == ["migrate", "load_rubrics"]
    available = get_commands()
    assert all(command in available for command in management_commands)


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_services_point_at_the_project_celery_app(compose, name, subcommand):
    words = command_words(compose["services"][name])
    assert words[0] == "celery"
    app_module = words[words.index("-A") + 1]
    module = importlib.import_module(app_module)
    assert module.celery_app.main == "config"
    assert subcommand in words


def test_dockerfile_default_command_serves_the_wsgi_application():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    assert "config.wsgi:application" in dockerfile
    assert "FROM python:3.11" in dockerfile
