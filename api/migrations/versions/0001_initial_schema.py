"""Initial schema: users, scenarios, pins, refusals, jobs, plans, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:15:11.624735
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('result_plan_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_job_id'), ['job_id'])
        batch_op.create_index(batch_op.f('ix_audit_plan_id'), ['plan_id'])
        batch_op.create_index(batch_op.f('ix_audit_result_plan_id'), ['result_plan_id'])
        batch_op.create_index(batch_op.f('ix_audit_scenario_id'), ['scenario_id'])

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('coach_id', sa.String(length=200), nullable=True),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash'),
    sqlite_autoincrement=True,
    )
    op.create_table('scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('students', sa.Integer(), nullable=False),
    sa.Column('workplaces', sa.Integer(), nullable=False),
    sa.Column('mentors', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenarios_content_hash'), ['content_hash'])

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('lineage', sa.Text(), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('reused_from', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_input_hash'), ['input_hash'])
        batch_op.create_index(batch_op.f('ix_jobs_scenario_id'), ['scenario_id'])
        batch_op.create_index('ix_jobs_state_id', ['state', 'id'])

    op.create_table('pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.String(length=200), nullable=False),
    sa.Column('workplace_id', sa.String(length=200), nullable=False),
    sa.Column('mentor_id', sa.String(length=200), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'student_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pins_scenario_id'), ['scenario_id'])

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.Column('lineage', sa.Text(), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('moved', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'version'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_scenario_id'), ['scenario_id'])

    op.create_table('refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.String(length=200), nullable=False),
    sa.Column('workplace_id', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'student_id', 'workplace_id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refusals_scenario_id'), ['scenario_id'])



def downgrade() -> None:
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refusals_scenario_id'))

    op.drop_table('refusals')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_scenario_id'))

    op.drop_table('plans')
    with op.batch_alter_table('pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pins_scenario_id'))

    op.drop_table('pins')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_state_id')
        batch_op.drop_index(batch_op.f('ix_jobs_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_input_hash'))

    op.drop_table('jobs')
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenarios_content_hash'))

    op.drop_table('scenarios')
    op.drop_table('users')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_audit_result_plan_id'))
        batch_op.drop_index(batch_op.f('ix_audit_plan_id'))
        batch_op.drop_index(batch_op.f('ix_audit_job_id'))

    op.drop_table('audit')
