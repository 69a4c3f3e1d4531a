"""The architecture's import rules hold: import-linter's contracts in pyproject.toml are all kept.

The contracts say: apps depend one way (review, scoring, assessments, hiring, then integrations as
the ground floor); nothing imports ``review``; no package has an import circle at any depth
(function-level imports count); the scoring engine imports no Django; only the API layer
(``api``, ``serializers``, ``views``) imports Django REST framework.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

PROJECT_DIR = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def import_linter_settings() -> dict:
    return tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=PROJECT_DIR,
        env={"PYTHONPATH": str(PROJECT_DIR), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken." in result.stdout


def test_the_contracts_cover_every_app_of_the_project():
    """A new app is under the rules from its first commit: it must be placed in the layers."""
    project_apps = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == PROJECT_DIR
    }
    settings = import_linter_settings()
    [layers] = [contract for contract in settings["contracts"] if contract["type"] == "layers"]

    assert set(settings["root_packages"]) == project_apps
    assert set(layers["layers"]) == project_apps - {"config"}


def test_the_packaged_modules_are_the_apps_under_the_rules():
    include = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"][
        "find"
    ]["include"]

    assert {pattern.rstrip("*") for pattern in include} == set(import_linter_settings()["root_packages"])
