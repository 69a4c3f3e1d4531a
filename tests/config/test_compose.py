"""docker-compose.yml cannot run here (no Docker engine), so check it statically:
every service exists with a healthcheck, every command points at modules,
attributes and settings that exist in this project, and clients reach gunicorn
only through nginx, whose config (deploy/nginx.conf) is parsed here."""

import importlib
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from tests.config.test_gunicorn_config import ConfigFile

PROJECT_DIR = Path(__file__).resolve().parents[2]
NGINX_CONF = PROJECT_DIR / "deploy" / "nginx.conf"


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
    assert set(services) >= {"db", "redis", "web", "nginx", "worker", "grader", "beat"}
    for name in ("db", "redis", "web", "nginx", "worker", "grader", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_pins_postgres_16_and_redis_7(compose):
    assert compose["services"]["db"]["image"].split(":")[1].startswith("16")
    assert compose["services"]["redis"]["image"].split(":")[1].startswith("7")


@pytest.mark.parametrize("name", ["web", "worker", "grader", "beat"])
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


def gunicorn_arguments(words: list[str]) -> tuple[str, str]:
    """The config file (``-c``) and the application of a gunicorn command line."""
    arguments = words[words.index("gunicorn") + 1 :]
    assert arguments[0] == "-c", words
    return arguments[1], arguments[2]


def test_web_serves_the_wsgi_application_with_gunicorn(compose):
    words = command_words(compose["services"]["web"])
    _, target = gunicorn_arguments(words)
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


def test_dockerfile_starts_gunicorn_with_the_repo_config_on_every_interface():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    command = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)

    assert yaml.safe_load(command) == ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
    # The config binds to loopback by default; inside the container nginx must reach it.
    assert "GUNICORN_BIND=0.0.0.0:8000" in dockerfile


def test_every_process_of_the_image_and_of_make_caps_malloc_arenas():
    # One arena per thread kept a batch recompute's freed memory resident (make bench: 1,049 MB).
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    assert re.search(r"^\s+MALLOC_ARENA_MAX=2 \\$", dockerfile, re.MULTILINE)
    printed = subprocess.run(
        ["make", "-s", "-f", "Makefile", "-f", "-", "arenas"],
        input="arenas:\n\t@echo $$MALLOC_ARENA_MAX\n",
        cwd=PROJECT_DIR,
        env={key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout.strip() == "2"


def test_dockerfile_copies_every_package_the_project_installs():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    pyproject = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    packages = [
        pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]

    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, package


# The proxy -------------------------------------------------------------------


def nginx_blocks(text: str) -> list:
    """nginx config text as a tree: ``[(name, [arguments], children or None), ...]``.

    Comments are dropped; quoted arguments lose their quotes.
    """
    tokens = re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", re.sub(r"#[^\n]*", "", text))
    position = 0

    def block() -> list:
        nonlocal position
        directives, words = [], []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                directives.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                directives.append((words[0], words[1:], block()))
                words = []
            elif token == "}":
                return directives
            else:
                words.append(token[1:-1] if token[0] in "'\"" else token)
        return directives

    return block()


def directives(tree: list, name: str) -> list:
    return [entry for entry in tree if entry[0] == name]


def directive(tree: list, name: str) -> list[str]:
    """The arguments of the one ``name`` directive in ``tree``."""
    found = directives(tree, name)
    assert len(found) == 1, f"{name}: {found}"
    return found[0][1]


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG])?", value).groups()
    return int(number) * {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit and unit.lower()]


@pytest.fixture(scope="module")
def nginx():
    return nginx_blocks(NGINX_CONF.read_text())


@pytest.fixture(scope="module")
def public_server(nginx):
    """The server block clients reach (the one listening on every interface)."""
    (server,) = [
        children
        for name, _, children in directives(nginx, "server")
        if not directive(children, "listen")[0].startswith("127.0.0.1:")
    ]
    return server


def test_clients_reach_gunicorn_only_through_nginx_on_the_port_the_readme_names(compose):
    services = compose["services"]
    proxy = services["nginx"]

    assert "ports" not in services["web"]
    assert services["web"]["expose"] == ["8000"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["ports"] == ["8000:80"]
    assert f"./{NGINX_CONF.relative_to(PROJECT_DIR)}:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    config_file, _ = gunicorn_arguments(command_words(services["web"]))
    assert config_file == "config/gunicorn.conf.py"
    assert (PROJECT_DIR / config_file).is_file()


def test_nginx_passes_requests_to_the_web_service_and_listens_where_compose_publishes(
    compose, nginx, public_server
):
    ((_, [upstream_name], upstream),) = directives(nginx, "upstream")
    (location,) = [
        children for _, arguments, children in directives(public_server, "location") if arguments == ["/"]
    ]

    assert directive(public_server, "listen") == ["80"]
    assert directive(location, "proxy_pass") == [f"http://{upstream_name}"]
    assert directive(upstream, "server") == [f"web:{compose['services']['web']['expose'][0]}"]


def test_nginx_buffers_whole_requests_and_answers_and_times_out_stalled_clients(public_server):
    (location,) = [
        children for _, arguments, children in directives(public_server, "location") if arguments == ["/"]
    ]

    assert directive(location, "proxy_request_buffering") == ["on"]
    assert directive(location, "proxy_buffering") == ["on"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert seconds(directive(public_server, name)[0]) <= 15, name


def test_nginx_refuses_bodies_over_the_apps_own_limit_in_the_apps_error_shape(public_server):
    assert size_in_bytes(directive(public_server, "client_max_body_size")[0]) == settings.API_MAX_BODY_BYTES
    assert directive(public_server, "error_page") == ["413", "=", "@body_too_large"]
    (too_large,) = [
        children
        for _, arguments, children in directives(public_server, "location")
        if arguments == ["@body_too_large"]
    ]
    status, body = directive(too_large, "return")
    assert status == "413"
    assert yaml.safe_load(body) == {
        "code": "body_too_large",
        "detail": f"The request body may be at most {settings.API_MAX_BODY_BYTES} bytes.",
    }


def test_nginx_forwards_the_client_address_and_scheme_as_far_as_the_app_trusts_them(
    compose, nginx, public_server
):
    (location,) = [
        children for _, arguments, children in directives(public_server, "location") if arguments == ["/"]
    ]
    headers = {arguments[0]: arguments[1] for _, arguments, _ in directives(location, "proxy_set_header")}

    # Appended: the app takes TRUSTED_PROXY_COUNT entries from the end, so what a client wrote is ignored.
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    ((_, [source, variable], scheme_map),) = directives(nginx, "map")
    assert (source, headers["X-Forwarded-Proto"]) == ("$http_x_forwarded_proto", variable)
    assert dict((name, arguments[0]) for name, arguments, _ in scheme_map) == {
        "default": "$http_x_forwarded_proto",
        "": "$scheme",
    }
    # The port too: CSRF compares a browser's Origin with the host.
    assert headers["Host"] == "$http_host"


def test_nginx_closes_idle_upstream_connections_before_gunicorn_does(nginx, monkeypatch):
    ((_, _, upstream),) = directives(nginx, "upstream")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)

    assert seconds(directive(upstream, "keepalive_timeout")[0]) < ConfigFile().cfg.keepalive


def test_the_nginx_healthcheck_asks_its_loopback_health_server(compose, nginx):
    test = compose["services"]["nginx"]["healthcheck"]["test"]
    (health,) = [
        children
        for _, _, children in directives(nginx, "server")
        if directive(children, "listen")[0].startswith("127.0.0.1:")
    ]
    port = directive(health, "listen")[0].split(":")[1]
    (location,) = directives(health, "location")

    assert test[:4] == ["CMD", "wget", "-q", "-O"]
    assert test[-1] == f"http://127.0.0.1:{port}{location[1][-1]}"
    assert directive(location[2], "return")[0] == "200"


def test_the_grader_consumes_the_grading_queue_and_shares_the_take_home_files_with_web(compose):
    from django.conf import settings

    services = compose["services"]

    assert "-Q grading" in services["grader"]["command"]
    assert settings.CELERY_TASK_ROUTES["takehomes.take_home_grade"] == {"queue": "grading"}
    assert "takehomes:/var/lib/takehomes" in services["grader"]["volumes"]
    assert "takehomes:/var/lib/takehomes" in services["web"]["volumes"]
    assert services["web"]["environment"]["TAKEHOMES_ROOT"] == "/var/lib/takehomes"


def test_nginx_lets_a_take_home_upload_through_and_proxies_it_as_every_request(public_server):
    from takehomes.services import MAX_MODEL_BYTES, MAX_PREDICTIONS_BYTES

    locations = {arguments[0]: children for _, arguments, children in directives(public_server, "location")}
    upload, everything = locations["/take-home/"], locations["/"]

    assert (
        size_in_bytes(directive(upload, "client_max_body_size")[0]) >= MAX_MODEL_BYTES + MAX_PREDICTIONS_BYTES
    )
    for name in ("proxy_pass", "proxy_request_buffering", "proxy_buffering", "proxy_set_header"):
        assert directives(upload, name) == directives(everything, name), name
