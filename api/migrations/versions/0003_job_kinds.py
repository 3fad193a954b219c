"""One job table for every long computation: job kinds, what a job was asked, its result,
and how often it was run again because its input changed meanwhile.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='solve'))
        batch_op.add_column(sa.Column('source_plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('request', sa.Text(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('result', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rebases', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index(batch_op.f('ix_jobs_source_plan_id'), ['source_plan_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_source_plan_id'))
        batch_op.drop_column('rebases')
        batch_op.drop_column('result')
        batch_op.drop_column('request')
        batch_op.drop_column('source_plan_id')
        batch_op.drop_column('kind')
