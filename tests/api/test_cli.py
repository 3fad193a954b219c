"""The service's commands reach `matcher` as a plugin: the engine names nothing of api/."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

from matcher.cli.main import PLUGIN_GROUP


def test_the_service_registers_its_commands_through_the_entry_point() -> None:
    values = [entry_point.value for entry_point in entry_points(group=PLUGIN_GROUP)]
    assert "api.cli:register" in values, (
        "the matcher.commands entry point is not installed: run pip install -e . again")


def test_the_service_module_imports_first_without_a_circle() -> None:
    """api.cli imports matcher.cli.common; the plugins must not load back meanwhile."""
    done = subprocess.run(
        [sys.executable, "-c", "import api.cli\nfrom matcher.cli import app\n"
         "app(['users', '--help'])"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "revoke" in done.stdout
