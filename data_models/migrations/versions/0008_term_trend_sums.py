"""term trend sums

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 13:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SUMS = ("recent_scheduled", "recent_absent", "earlier_scheduled", "earlier_absent")


def upgrade() -> None:
    # Rows from before have weeks = -1; `prepare` counts them (summaries.catch_up).
    with op.batch_alter_table('student_term_summary', schema=None) as batch_op:
        for name in SUMS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('weeks', sa.Integer(), server_default='-1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('student_term_summary', schema=None) as batch_op:
        batch_op.drop_column('weeks')
        for name in reversed(SUMS):
            batch_op.drop_column(name)
