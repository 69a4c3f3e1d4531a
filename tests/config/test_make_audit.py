"""`make audit` fails when it cannot reach the advisory service, instead of passing after auditing nothing."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent


def audit_command() -> list[str]:
    """The pip-audit command of `make audit`, as make expands it for this virtualenv (nothing is run)."""
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "audit", f"VENV={VENV}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    [line] = [line for line in dry_run.stdout.splitlines() if "pip-audit" in line]
    return shlex.split(line)


def test_make_audit_runs_pip_audit_in_strict_mode():
    assert "--strict" in audit_command()


# The advisory service as a blocking network gateway presents it: every lookup answers 404.
# Loaded by the pip-audit process through PYTHONPATH; it replaces only the outgoing HTTP.
ADVISORY_SERVICE_FINDS_NOTHING = """
import requests
import requests.adapters


class NotFound(requests.adapters.BaseAdapter):
    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code, response.url, response.request = 404, request.url, request
        response._content = b"Not Found"
        return response

    def close(self):
        pass


_init = requests.Session.__init__


def _session_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.mount("https://pypi.org/", NotFound())


requests.Session.__init__ = _session_init
"""


def run_audit(tmp_path, **env_overrides):
    env = {
        **os.environ,
        "PIP_CACHE_DIR": str(tmp_path / "pip"),  # an empty cache: no earlier answer is reused
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **env_overrides,
    }
    return subprocess.run(
        audit_command(), cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_make_audit_fails_when_the_advisory_service_knows_no_package(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(ADVISORY_SERVICE_FINDS_NOTHING)

    result = run_audit(tmp_path, PYTHONPATH=str(tmp_path))

    output = result.stdout + result.stderr
    assert "could not be audited" in output  # the fake service was asked
    assert result.returncode != 0
    assert "No known vulnerabilities found" not in output


def test_make_audit_fails_when_the_advisory_service_cannot_be_reached(tmp_path):
    closed_port = "http://127.0.0.1:9"

    result = run_audit(
        tmp_path,
        HTTPS_PROXY=closed_port,
        https_proxy=closed_port,
        NO_PROXY="",
        no_proxy="",
    )

    assert result.returncode != 0
    assert "No known vulnerabilities found" not in result.stdout + result.stderr
