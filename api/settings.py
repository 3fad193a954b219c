"""Service settings, from environment variables or a ``.env`` file.

``DATABASE_URL`` chooses the database (a SQLite file by default, so nothing has
to be started; PostgreSQL when it says ``postgresql+psycopg://…``). Every other
setting has the prefix ``MATCHER_``, e.g. ``MATCHER_JOB_WORKERS=2``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///matcher.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "MATCHER_DATABASE_URL"),
        description="SQLAlchemy URL; a relative SQLite path is relative to the working folder.",
    )
    job_workers: int = Field(default=2, ge=1, le=64,
                             description="Solver processes; one per core is a good choice.")
    job_max_attempts: int = Field(
        default=3, ge=1,
        description="A job interrupted this many times (the server or its solver process "
        "died) is marked failed, so one scenario that kills a solver cannot do so forever.")
    job_poll_seconds: float = Field(default=0.5, gt=0,
                                    description="How often the dispatcher looks for queued jobs.")
    job_stuck_seconds: float = Field(
        default=30.0, gt=0,
        description="A job 'running' without a solver, or queued while a solver is free, "
        "for this long is stuck: /health answers 503 and the job is queued again.")
    plan_cache_size: int = Field(default=8, ge=1,
                                 description="Plans whose suggestion arrays stay in memory.")
    scenario_cache_size: int = Field(default=4, ge=1,
                                     description="Parsed scenarios kept in memory.")
    max_upload_mb: int = Field(
        default=200, ge=1, description="Largest request body (a scenario's files), counted "
        "while it arrives: a larger one is refused before it is read whole.")
    max_json_upload_mb: int = Field(
        default=50, ge=1, description="Largest JSON request body. A JSON document is parsed "
        "whole in memory (several times its size); upload large scenarios as files.")
    max_table_rows: int = Field(default=200_000, ge=1,
                                description="Most rows a scenario table may have.")
    max_sheet_cells: int = Field(
        default=5_000_000, ge=1, description="Most cells (rows times the widest row) a table "
        "file or workbook sheet may span, counted while it is read.")
    max_json_depth: int = Field(default=20, ge=4,
                                description="Deepest nesting of a scenario document.")
    max_time_limit_seconds: float = Field(default=3600.0, gt=0,
                                          description="Largest solver time limit a client may ask.")
    session_secret: str | None = Field(
        default=None, min_length=32,
        description="Signs the web page's login cookie. Unset: a random secret made at the "
        "first start and kept in the data folder (file session-secret, mode 0600).")
    data_dir: Path | None = Field(
        default=None, description="Folder for the kept session secret; unset: the folder of "
        "the SQLite database, or the working folder with PostgreSQL.")
    secure_cookies: bool = Field(default=False,
                                 description="Send the login cookie over HTTPS only.")
    map_tiles_url: str = Field(
        default="", description="A tile server for the web map (e.g. "
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty: no tiles, only the "
        "shipped outline of Flanders, since the service may run without internet.")


class ConfigurationError(Exception):
    """Settings that cannot be used. The message names each variable and what is wrong,
    never the value given: a value may be a secret."""


def load_settings() -> Settings:
    """The settings of the environment and ``.env``; ConfigurationError when one is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"{_variable(error['loc'])}: {error['msg']}"
                 for error in exc.errors(include_input=False, include_url=False)]
        raise ConfigurationError("The service settings are not valid:\n  "
                                 + "\n  ".join(lines)) from None


def _variable(location: tuple[int | str, ...]) -> str:
    name = str(location[0]) if location else "?"
    if name.isupper() or name == "database_url":  # given by its alias
        return "DATABASE_URL" if name.lower() == "database_url" else name
    return "MATCHER_" + name.upper()
