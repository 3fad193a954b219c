"""What-if versions: a scenario made from another by a change set keeps its lineage
(the parent scenario, the plan it is compared with, and the change set).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('base_plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('changes', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_scenarios_parent_id'), ['parent_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenarios_parent_id'))
        batch_op.drop_column('changes')
        batch_op.drop_column('base_plan_id')
        batch_op.drop_column('parent_id')
