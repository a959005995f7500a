"""user language

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 17:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every user so far used the app in Swedish.
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='sv',
                                      nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_app_user_language'),
                                         "language IN ('sv', 'en')")


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_app_user_language'), type_='check')
        batch_op.drop_column('language')
