"""Every command's ``--help`` as the user reads it, for ``tests/cli/test_main.py``.

The commands load the engine only when they run, so their help must come out the same
as when everything was imported up front: ``help.txt`` holds each command's help
(80 columns, no colour). After a deliberate change to a command's options, write it
again with ``python -m tests.cli.help_texts``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("help.txt")
COMMANDS = ("", "validate", "solve", "explain", "diff", "workbook", "generate", "serve",
            "users", "users add", "users list", "users revoke", "sweep", "report", "recruit")

# One fresh interpreter prints every help (typer reads its width and colour settings
# from the environment when imported).
_PRINT_ALL = """
import sys
from matcher.cli import app
for command in sys.argv[1:]:
    print(f"=== matcher {command} --help".rstrip())
    try:
        app([*command.split(), "--help"], prog_name="matcher")
    except SystemExit:
        pass
"""
_COLOUR_SETTINGS = ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TTY_COMPATIBLE",
                    "TTY_INTERACTIVE", "_TYPER_FORCE_DISABLE_TERMINAL", "COLUMNS")


def help_texts() -> str:
    """The help of every command, as a fresh ``matcher`` process prints it."""
    env = {name: value for name, value in os.environ.items() if name not in _COLOUR_SETTINGS}
    env |= {"TERMINAL_WIDTH": "80", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-c", _PRINT_ALL, *COMMANDS], capture_output=True,
                          text=True, env=env, check=True)
    return "\n".join(line.rstrip() for line in done.stdout.splitlines()) + "\n"


if __name__ == "__main__":
    SNAPSHOT.write_text(help_texts(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
