"""The SQLite database holds students' data: only the service's user may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from api.db import make_engine, migrate


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_file_and_its_journal_are_readable_by_the_owner_only(
        tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(engine)
    with engine.connect() as connection:  # WAL mode: the -wal and -shm files exist now
        assert _mode(tmp_path / "new.db") == 0o600
        for journal in tmp_path.glob("new.db-*"):
            assert _mode(journal) == 0o600, journal.name
    engine.dispose()
    assert connection.closed


def test_a_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    (tmp_path / "old.db").touch(mode=0o644)
    (tmp_path / "old.db").chmod(0o644)
    make_engine(f"sqlite:///{tmp_path / 'old.db'}").dispose()
    assert _mode(tmp_path / "old.db") == 0o600
