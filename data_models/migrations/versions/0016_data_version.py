"""data version

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    # 1: every record but the follow-up work; 2: meetings, measures, contacts, feedback.
    op.bulk_insert(table, [{'id': 1, 'version': 0}, {'id': 2, 'version': 0}])


def downgrade() -> None:
    op.drop_table('data_version')
