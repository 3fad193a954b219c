"""Service settings, from environment variables or a ``.env`` file.

``DATABASE_URL`` chooses the database (a SQLite file by default, so nothing has
to be started; PostgreSQL when it says ``postgresql+psycopg://…``). Every other
setting has the prefix ``MATCHER_``, e.g. ``MATCHER_JOB_WORKERS=2``.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
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
    max_upload_mb: int = Field(default=200, ge=1, description="Largest scenario upload.")
    max_time_limit_seconds: float = Field(default=3600.0, gt=0,
                                          description="Largest solver time limit a client may ask.")
    session_secret: str | None = Field(
        default=None, min_length=32,
        description="Signs the web page's login cookie. Unset: a random secret per start, "
        "so a restart logs everyone out of the web page.")
    secure_cookies: bool = Field(default=False,
                                 description="Send the login cookie over HTTPS only.")
    map_tiles_url: str = Field(
        default="", description="A tile server for the web map (e.g. "
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty: no tiles, only the "
        "shipped outline of Flanders, since the service may run without internet.")
