"""action plans

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def _code(name: str, values: tuple[str, ...], length: int, nullable: bool = False):
    return sa.Column(name, sa.Enum(*values, native_enum=False, create_constraint=False,
                                   length=length), nullable=nullable)


PHASES = ('analysis', 'planning', 'implementation', 'follow_up')
OUTCOMES = ('met', 'partly', 'not_met')
GOAL_STATUSES = ('open', 'reached', 'dropped')


def upgrade() -> None:
    op.create_table(
        'action_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('talk_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        _code('phase', PHASES, 20),
        sa.Column('goal', sa.Text(), nullable=False),
        sa.Column('coach_responsible', sa.String(length=120), nullable=False),
        sa.Column('school_responsible', sa.String(length=120), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('review_date', sa.Date(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        _code('outcome', OUTCOMES, 10, nullable=True),
        sa.Column('learned', sa.Text(), nullable=False),
        sa.Column('absence_before', sa.Float(), nullable=True),
        sa.Column('absence_after', sa.Float(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_allowed('phase', PHASES), name=op.f('ck_action_plan_phase')),
        sa.CheckConstraint(_allowed('outcome', OUTCOMES), name=op.f('ck_action_plan_outcome')),
        sa.CheckConstraint('review_date >= start_date', name=op.f('ck_action_plan_dates')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_action_plan_student_id_student')),
        sa.ForeignKeyConstraint(['talk_id'], ['student_talk.id'], ondelete='SET NULL',
                                name=op.f('fk_action_plan_talk_id_student_talk')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='SET NULL',
                                name=op.f('fk_action_plan_meeting_id_meeting')),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'],
                                name=op.f('fk_action_plan_created_by_app_user')),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'],
                                name=op.f('fk_action_plan_updated_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan')),
    )
    op.create_index(op.f('ix_action_plan_student_id'), 'action_plan', ['student_id'])
    op.create_table(
        'plan_goal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        _code('status', GOAL_STATUSES, 10),
        sa.CheckConstraint(_allowed('status', GOAL_STATUSES),
                           name=op.f('ck_plan_goal_status')),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], ondelete='CASCADE',
                                name=op.f('fk_plan_goal_plan_id_action_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal')),
    )
    op.create_index(op.f('ix_plan_goal_plan_id'), 'plan_goal', ['plan_id'])
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_measure_plan_id'), ['plan_id'])
        batch_op.create_foreign_key(batch_op.f('fk_measure_plan_id_action_plan'),
                                    'action_plan', ['plan_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measure_plan_id_action_plan'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_measure_plan_id'))
        batch_op.drop_column('plan_id')
    op.drop_table('plan_goal')
    op.drop_table('action_plan')
