"""retention rules per kind of record

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 06:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


KINDS = ('absence', 'meeting_notes', 'measures', 'contacts', 'talks_plans', 'hand_overs',
         'kaa', 'feedback', 'audit_log')


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def upgrade() -> None:
    # No rows: a kind without one keeps its default (lib.retention.DEFAULT_YEARS).
    op.create_table(
        'retention_rule',
        sa.Column('kind', sa.Enum(*KINDS, native_enum=False, create_constraint=False,
                                  length=20), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_allowed('kind', KINDS), name=op.f('ck_retention_rule_kind')),
        sa.CheckConstraint('years >= 1', name=op.f('ck_retention_rule_years')),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'],
                                name=op.f('fk_retention_rule_updated_by_app_user')),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_retention_rule')),
    )


def downgrade() -> None:
    op.drop_table('retention_rule')
