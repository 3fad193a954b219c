"""The secret that signs web login cookies: set, or made once and kept.

``MATCHER_SESSION_SECRET`` wins. Without it the first start writes a random
secret to ``session-secret`` in the data folder, readable by the service's
user only (0600), and every later start reads it back: a restart does not log
anyone out, and no secret has to be invented by hand.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from api.db import PRIVATE_FILE_MODE, is_sqlite, keep_private, normalise_url
from api.settings import ConfigurationError, Settings

SECRET_FILE = "session-secret"
MIN_SECRET_CHARS = 32
logger = logging.getLogger("api")


def data_dir(settings: Settings) -> Path:
    """MATCHER_DATA_DIR; else the SQLite database's folder; else the working folder."""
    if settings.data_dir is not None:
        return settings.data_dir.expanduser().resolve()
    url = normalise_url(settings.database_url)
    database = make_url(url).database or ""
    if is_sqlite(url) and database and database != ":memory:" and \
            not database.startswith("file:"):
        return Path(database).parent
    return Path.cwd()


def session_secret(settings: Settings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret
    folder = data_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_FILE
    try:
        # O_EXCL: of two processes starting at once, one writes and the other reads
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return _read(path)
    secret = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    logger.info("made a session secret and kept it in %s", path)
    return secret


def _read(path: Path) -> str:
    keep_private(path)
    secret = path.read_text(encoding="ascii", errors="replace").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise ConfigurationError(f"{path} holds a session secret shorter than "
                                 f"{MIN_SECRET_CHARS} characters; delete the file to have "
                                 "a new one made (everyone logs in again)")
    return secret
