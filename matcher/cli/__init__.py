"""Command line: ``matcher validate | solve | explain | diff | workbook | generate | serve |
users | sweep | report | recruit``.

One module per command group, each with a ``register(app)``; what they share (the
consoles, ``--lang``, exit 2 for a user's mistake) is in :mod:`matcher.cli.common`;
:mod:`matcher.cli.main` builds the app. ``serve`` and ``users`` belong to the service
(``api/cli.py``), registered through an entry point, as the engine imports nothing of
``api``. Exit codes: 0 success, 2 invalid input (every problem listed on stderr, no
output written), 1 an internal error.

Every command module imports only what its options need; the engine is imported
inside the command that runs it, so ``matcher validate`` reports a bad cell without
loading a solver, scipy or openpyxl (``tests/cli/test_main.py``).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``matcher.cli.app`` (the console script), built on first use: a plugin imports
    ``matcher.cli.common``, which must not load the plugins back while it is imported."""
    if name == "app":
        from matcher.memory import no_huge_page_advice_for_numpy

        no_huge_page_advice_for_numpy()  # before anything imports NumPy
        from matcher.cli.main import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
