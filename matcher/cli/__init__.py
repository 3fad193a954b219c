"""Command line: ``matcher validate | solve | explain | diff | workbook | generate | serve |
users | sweep | report``.

One module per command group, each with a ``register(app)``; what they share (the
consoles, ``--lang``, exit 2 for a user's mistake) is in :mod:`matcher.cli.common`.
Exit codes: 0 success, 2 invalid input (every problem listed on stderr, no
output written), 1 an internal error.
"""

from __future__ import annotations

import typer

from matcher.cli import analysis, diff, explain, generate, service, solve

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Leerwerkplek matcher: place dual-learning students at recognised workplaces.",
)

# The order of `matcher --help`.
for group in (solve, explain, diff, generate, service, analysis):
    group.register(app)

__all__ = ["app"]
