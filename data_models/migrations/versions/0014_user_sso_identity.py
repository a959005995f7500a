"""user sso identity

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_issuer', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.create_index('uq_app_user_sso', ['sso_issuer', 'sso_subject'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index('uq_app_user_sso')
        batch_op.drop_column('sso_subject')
        batch_op.drop_column('sso_issuer')
