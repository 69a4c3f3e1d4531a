"""config/gunicorn.conf.py as gunicorn reads it, and the production start-up that collects static files.

The settings are loaded by gunicorn's own config loader and validators. The
start-up hook runs for real: its child process reads the environment as
gunicorn's would, with DEBUG off.
"""

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.app.base import Application

from config.startup import COLLECT_COMMAND, static_files_ensure_collected, static_files_missing_from_manifest

CONFIG_FILE = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
PRODUCTION_STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


class ConfigFile(Application):
    """gunicorn's configuration built from the config file alone (no command line)."""

    def __init__(self) -> None:
        super().__init__()

    def load_config(self) -> None:
        self.namespace = self.load_config_from_file(str(CONFIG_FILE))

    def load(self):
        raise AssertionError("only the configuration is read")


@pytest.fixture
def gunicorn_config(monkeypatch):
    """``gunicorn_config(**env)``: gunicorn's settings loaded from the file under that environment."""

    def load(**env: str):
        for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return ConfigFile()

    return load


@pytest.fixture
def production_static(settings, tmp_path):
    """This process's settings as production's for static files, with STATIC_ROOT an empty folder."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC_STORAGE}}
    return Path(settings.STATIC_ROOT)


def test_gunicorn_runs_threaded_workers_sized_from_the_environment(gunicorn_config):
    config = gunicorn_config(WEB_CONCURRENCY="2", GUNICORN_THREADS="6", GUNICORN_BIND="0.0.0.0:9000").cfg

    assert config.worker_class_str == "gthread"
    assert (config.workers, config.threads) == (2, 6)
    assert config.bind == ["0.0.0.0:9000"]


def test_gunicorn_defaults_bind_to_loopback_and_hold_slow_clients_without_stalling(gunicorn_config):
    config = gunicorn_config().cfg

    # Not every interface unless asked (the image asks): the proxy is the way in.
    assert config.bind == ["127.0.0.1:8000"]
    assert config.worker_class_str == "gthread"
    assert config.workers == 3
    assert config.threads >= 4
    assert config.timeout == 30
    # Requests in flight finish within docker stop's 10 s grace.
    assert 0 < config.graceful_timeout < 10
    assert 0 < config.keepalive <= 10
    assert 0 < config.limit_request_line <= 8190
    assert 0 < config.limit_request_fields <= 100
    assert 0 < config.limit_request_field_size <= 8190
    assert config.control_socket_disable is True
    assert config.accesslog == "-"


def test_a_worker_count_that_is_not_a_number_stops_gunicorn_naming_the_variable(gunicorn_config, capsys):
    with pytest.raises(SystemExit):
        gunicorn_config(WEB_CONCURRENCY="three")

    assert "WEB_CONCURRENCY must be a whole number; got 'three'" in capsys.readouterr().err


def start_up(monkeypatch, static_root: Path) -> None:
    """gunicorn's ``on_starting`` hook, as gunicorn calls it, for a production environment."""
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.setenv("STATIC_ROOT", str(static_root))
    namespace = ConfigFile().namespace
    namespace["on_starting"](SimpleNamespace(log=logging.getLogger("gunicorn.error")))


def test_production_start_up_collects_the_static_files_when_static_root_has_no_manifest(
    monkeypatch, production_static, client, db
):
    assert static_files_missing_from_manifest()  # nothing collected: every file is missing

    start_up(monkeypatch, production_static)

    manifest = production_static / "staticfiles.json"
    assert manifest.is_file()
    assert static_files_missing_from_manifest() == []
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"/static/css/app." in response.content

    # Started again: the manifest is complete, so nothing is written (the image's STATIC_ROOT is read-only).
    written = manifest.stat().st_mtime_ns
    start_up(monkeypatch, production_static)
    assert manifest.stat().st_mtime_ns == written


def test_production_start_up_stops_naming_the_command_to_run_when_static_root_cannot_be_written(
    monkeypatch, tmp_path
):
    (tmp_path / "a-file").write_text("not a folder")
    static_root = tmp_path / "a-file" / "static"

    with pytest.raises(RuntimeError) as refused:
        start_up(monkeypatch, static_root)

    message = str(refused.value)
    assert f"STATIC_ROOT ({static_root})" in message
    assert f"Run `{COLLECT_COMMAND}`" in message
    assert "\n" not in message


def test_a_manifest_lacking_a_file_the_apps_ship_counts_as_not_collected(production_static):
    shipped = static_files_missing_from_manifest()  # no manifest yet: every shipped file
    production_static.mkdir()
    listed = {path: path for path in shipped if path != "css/app.css"}
    (production_static / "staticfiles.json").write_text(json.dumps({"version": "1.1", "paths": listed}))

    assert "admin/css/base.css" in shipped
    assert static_files_missing_from_manifest() == ["css/app.css"]


def test_a_complete_manifest_is_left_as_it_is(production_static):
    shipped = static_files_missing_from_manifest()
    production_static.mkdir()
    manifest = production_static / "staticfiles.json"
    manifest.write_text(json.dumps({"version": "1.1", "paths": {path: path for path in shipped}}))

    assert static_files_ensure_collected() == 0
    assert [path.name for path in production_static.iterdir()] == ["staticfiles.json"]


def test_with_debug_on_there_is_no_manifest_to_check(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path / "static")  # the autouse fixture's plain storage, as DEBUG on uses

    assert static_files_missing_from_manifest() == []
    assert static_files_ensure_collected() == 0
    assert not (tmp_path / "static").exists()
