"""Engine, sessions and schema migrations.

SQLite (the default) is opened in WAL mode with a busy timeout, because the
API process and the solver processes write to the same file: readers then
never wait for a writer, and writers queue instead of failing.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "matcher_write"
PRIVATE_FILE_MODE = 0o600
logger = logging.getLogger("api")


def normalise_url(url: str) -> str:
    """An absolute path for a SQLite file, so every process opens the same file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parsed = parsed.set(database=str(Path(database).expanduser().resolve()))
    elif parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we install
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not by the driver.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE for write sessions: they take the writer lock first (waiting up to
    the busy timeout) instead of failing when another process commits between their
    read and their write, which WAL mode would otherwise report as 'database is locked'."""
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            _private_file(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds students' data; SQLite
    gives its -wal and -shm files the same mode)."""
    if path.exists():
        keep_private(path)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))


def keep_private(path: Path) -> None:
    """Make a file the service keeps (database, secret) readable by its owner only."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        logger.warning("%s could be read by other users; it is now readable by the "
                       "service's user only", path)
        path.chmod(PRIVATE_FILE_MODE)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading (and for single-statement writes)."""
    return sessionmaker(engine, expire_on_commit=False)


def write_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for transactions that read, then write."""
    return sessionmaker(engine.execution_options(**{WRITE_OPTION: True}),
                        expire_on_commit=False)


_migration_lock = threading.Lock()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (run on every start-up)."""
    with _migration_lock:
        command.upgrade(alembic_config(engine), "head")
