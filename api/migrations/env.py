"""Alembic environment: migrations run on the engine the service (or alembic.ini) gives."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from api.db import is_sqlite, make_engine
from api.settings import Settings
from api.tables import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    return make_engine(config.get_main_option("sqlalchemy.url") or Settings().database_url)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=is_sqlite(url))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=is_sqlite(str(engine.url)))
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
