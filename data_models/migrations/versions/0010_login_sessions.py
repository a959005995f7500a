"""login sessions and attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ticket_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_expires_at', sa.DateTime(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('cookie_written_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint("method IN ('password', 'sso')", name=op.f('ck_login_session_method')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_login_session_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_login_session_token_hash', ['token_hash'], unique=True)
        batch_op.create_index('uq_login_session_ticket_hash', ['ticket_hash'], unique=True)

    op.create_table('login_attempt',
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_last_attempt_at'), ['last_attempt_at'], unique=False)

    # The lockout now lives in login_attempt, for every typed username alike.
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_attempts')


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_last_attempt_at'))
    op.drop_table('login_attempt')

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index('uq_login_session_ticket_hash')
        batch_op.drop_index('uq_login_session_token_hash')
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
