"""The Alembic migration creates exactly the schema the code declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from api.db import make_engine, migrate
from api.tables import Base


def test_migration_creates_the_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "scenarios", "pins", "refusals", "jobs", "plans", "audit",
            "alembic_version"} <= tables
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    migrate(engine)  # running it again at the next start-up changes nothing
    engine.dispose()
