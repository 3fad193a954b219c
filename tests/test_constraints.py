"""constraints.txt, which the README's install and CI use, pins every dependency
that pyproject.toml declares (runtime and test), so an install is reproducible."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """The normalised project name (PEP 503) of a requirement or a pin."""
    name = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_constraints_pin_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    declared = {_name(r) for r in requirements}
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"constraints.txt: {line!r} is not an exact pin"
            pins[_name(line)] = line
    assert declared - set(pins) == set(), "regenerate constraints.txt (see its header)"
