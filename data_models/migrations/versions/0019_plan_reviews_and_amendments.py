"""plan approval, reviews and amendments

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=120), nullable=False,
                                      server_default=''))
    op.create_table(
        'plan_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], ondelete='CASCADE',
                                name=op.f('fk_plan_review_plan_id_action_plan')),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'],
                                name=op.f('fk_plan_review_author_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_review')),
    )
    op.create_index(op.f('ix_plan_review_plan_id'), 'plan_review', ['plan_id'])
    op.create_table(
        'plan_amendment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('change', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], ondelete='CASCADE',
                                name=op.f('fk_plan_amendment_plan_id_action_plan')),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'],
                                name=op.f('fk_plan_amendment_author_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_amendment')),
    )
    op.create_index(op.f('ix_plan_amendment_plan_id'), 'plan_amendment', ['plan_id'])


def downgrade() -> None:
    op.drop_table('plan_amendment')
    op.drop_table('plan_review')
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.drop_column('approved_by')
        batch_op.drop_column('approved_on')
