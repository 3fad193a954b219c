"""An append-only audit of every write: records without a scenario (users), and triggers
that reject every UPDATE and DELETE of the audit table (TRUNCATE too, on PostgreSQL).

On SQLite, a batch alteration of the audit table copies it into a new table, which
drops its triggers: a later migration that alters the table must create them again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# A migration keeps the words it was written with (api.audit.APPEND_ONLY_MESSAGE may change).
APPEND_ONLY_MESSAGE = "the audit trail is append-only: its records cannot be changed or deleted"
SQLITE_TRIGGERS = ("audit_no_update", "audit_no_delete")


def upgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.alter_column('scenario_id', existing_type=sa.Integer(), nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        for trigger, event in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
            op.execute(f"CREATE TRIGGER {trigger} BEFORE {event} ON audit "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END")
    else:
        op.execute("CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$")
        op.execute("CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
                   "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        op.execute("CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
    else:
        op.execute("DROP TRIGGER audit_no_truncate ON audit")
        op.execute("DROP TRIGGER audit_no_change ON audit")
        op.execute("DROP FUNCTION audit_append_only()")
    # records without a scenario (users added or revoked) do not fit the older schema
    op.execute("DELETE FROM audit WHERE scenario_id IS NULL")
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.alter_column('scenario_id', existing_type=sa.Integer(), nullable=False)
