"""hand-overs from compulsory school and early follow-up talks

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _author_columns():
    return [sa.Column('created_by', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('early_talk_week', sa.Integer(), nullable=False,
                                      server_default='6'))
    op.create_table(
        'hand_over',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('sending_school', sa.String(length=160), nullable=False),
        sa.Column('year9_absence', sa.Float(), nullable=True),
        sa.Column('extra_adaptations', sa.Boolean(), nullable=False),
        sa.Column('special_support', sa.Boolean(), nullable=False),
        sa.Column('support_plan', sa.Boolean(), nullable=False),
        sa.Column('support_plan_date', sa.Date(), nullable=True),
        sa.Column('to_know', sa.Text(), nullable=False),
        sa.Column('sender_contact', sa.String(length=200), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        *_author_columns(),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('year9_absence IS NULL OR (year9_absence >= 0 AND year9_absence <= 1)',
                           name=op.f('ck_hand_over_year9_absence')),
        sa.CheckConstraint('support_plan OR support_plan_date IS NULL',
                           name=op.f('ck_hand_over_support_plan_date')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_hand_over_student_id_student')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_hand_over_school_id_school')),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'],
                                name=op.f('fk_hand_over_created_by_app_user')),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'],
                                name=op.f('fk_hand_over_updated_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hand_over')),
    )
    op.create_index(op.f('ix_hand_over_student_id'), 'hand_over', ['student_id'])
    op.create_index(op.f('ix_hand_over_school_id'), 'hand_over', ['school_id'])
    op.create_index('uq_hand_over_student_school', 'hand_over', ['student_id', 'school_id'],
                    unique=True)
    op.create_table(
        'early_talk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('held_by', sa.String(length=120), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('talk_id', sa.Integer(), nullable=True),
        *_author_columns(),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_early_talk_student_id_student')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_early_talk_school_id_school')),
        sa.ForeignKeyConstraint(['talk_id'], ['student_talk.id'], ondelete='SET NULL',
                                name=op.f('fk_early_talk_talk_id_student_talk')),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'],
                                name=op.f('fk_early_talk_created_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_early_talk')),
    )
    op.create_index(op.f('ix_early_talk_student_id'), 'early_talk', ['student_id'])
    op.create_index(op.f('ix_early_talk_school_id'), 'early_talk', ['school_id'])
    op.create_index('uq_early_talk_student_school', 'early_talk', ['student_id', 'school_id'],
                    unique=True)


def downgrade() -> None:
    op.drop_table('early_talk')
    op.drop_table('hand_over')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('early_talk_week')
