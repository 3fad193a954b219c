"""The mutation check: removing any one rule check, or the suggestion filter's
intensive-support check, makes at least one test fail.

Each mutant (tests/mutants.py) is applied in this process and its tests are run
by an inner pytest session; ``monkeypatch`` undoes the mutant afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutants import MUTANTS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_removing_a_check_fails_a_test(
    mutant: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    mutate, paths = MUTANTS[mutant]
    mutate(monkeypatch)
    result = pytester.runpytest_inprocess(
        "-x", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
        *(str(ROOT / path) for path in paths))
    assert result.ret == pytest.ExitCode.TESTS_FAILED, (
        f"with {mutant}, {' '.join(paths)} ended with {result.ret!r}, not a failing test:\n"
        + "\n".join(result.outlines[-30:]))
