"""reporting rate known

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SUMMARIES = ('student_term_summary', 'student_week_summary', 'student_slot_summary',
             'school_week_summary', 'municipality_term_summary')
RAW = ('absence_record', 'absence_period', 'replaced_absence')


def upgrade() -> None:
    # A file without an unreported-time column says nothing of it: NULL, not 0.
    for table in RAW:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # No default either: a row that says nothing must be stored as NULL.
            batch_op.alter_column('unreported_minutes', existing_type=sa.Integer(),
                                  nullable=True, server_default=None)
    # Every row so far said how much went unreported (0 or more): all of it is known.
    for table in SUMMARIES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('known_scheduled', sa.Integer(), server_default='0',
                                          nullable=False))
        op.execute(f'UPDATE {table} SET known_scheduled = scheduled')


def downgrade() -> None:
    for table in reversed(SUMMARIES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('known_scheduled')
    for table in reversed(RAW):
        op.execute(f'UPDATE {table} SET unreported_minutes = 0 WHERE unreported_minutes IS NULL')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('unreported_minutes', existing_type=sa.Integer(),
                                  nullable=False)
