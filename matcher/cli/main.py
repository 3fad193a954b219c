"""The ``matcher`` command: the core command groups and the plugins' commands.

A package adds commands by naming a ``register(app)`` function in its
``[project.entry-points."matcher.commands"]``. The service adds ``serve`` and
``users`` this way (``api/cli.py``), so the engine imports nothing of ``api``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

import typer

from matcher.cli import analysis, diff, explain, generate, recruit, solve

PLUGIN_GROUP = "matcher.commands"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Leerwerkplek matcher: place dual-learning students at recognised workplaces.",
)


def register_plugins(app: typer.Typer) -> None:
    """Let every installed plugin add its commands to ``app``."""
    for entry_point in entry_points(group=PLUGIN_GROUP):
        register: Callable[[typer.Typer], None] = entry_point.load()
        register(app)


# The order of `matcher --help`: the plugins' commands (serve) before the analysis.
for group in (solve, explain, diff, generate):
    group.register(app)
register_plugins(app)
analysis.register(app)
recruit.register(app)
