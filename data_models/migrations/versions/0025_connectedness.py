"""school connectedness: instruments, mapping runs and their anonymous answers, the staff's
analyses; group-level plans on the one plan model (a level); method meetings across
agencies; shared goals per municipality

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-09 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('class', 'individual', name='instrumentlevel', native_enum=False, length=12), nullable=False),
    sa.Column('respondent', sa.Enum('students', 'staff', name='respondent', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'retired', name='instrumentstatus', native_enum=False, length=10), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('guide', sa.Text(), nullable=False),
    sa.Column('example', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('class', 'individual')", name=op.f('ck_instrument_level')),
    sa.CheckConstraint("respondent IN ('students', 'staff')", name=op.f('ck_instrument_respondent')),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name=op.f('ck_instrument_status')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_instrument_created_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument'))
    )
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.create_index('uq_instrument_name_version', ['name', 'version'], unique=True)

    op.create_table('instrument_dimension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_dimension_instrument_id_instrument'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_dimension'))
    )
    with op.batch_alter_table('instrument_dimension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_dimension_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index('uq_instrument_dimension_code', ['instrument_id', 'code'], unique=True)

    op.create_table('instrument_scale_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_scale_step_instrument_id_instrument'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_scale_step'))
    )
    with op.batch_alter_table('instrument_scale_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_scale_step_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index('uq_instrument_scale_value', ['instrument_id', 'value'], unique=True)

    op.create_table('instrument_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_topic_instrument_id_instrument'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_topic'))
    )
    with op.batch_alter_table('instrument_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_topic_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('connectedness_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('class', 'individual', name='instrumentlevel', native_enum=False, length=12), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=40), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('roster_size', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(level = 'individual') = (student_id IS NOT NULL)", name=op.f('ck_connectedness_run_subject')),
    sa.CheckConstraint("level IN ('class', 'individual')", name=op.f('ck_connectedness_run_level')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_connectedness_run_created_by_app_user')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_connectedness_run_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_connectedness_run_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_connectedness_run_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connectedness_run'))
    )
    with op.batch_alter_table('connectedness_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectedness_run_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index('ix_connectedness_run_school_group', ['school_id', 'group_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectedness_run_student_id'), ['student_id'], unique=False)

    op.create_table('instrument_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reversed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['dimension_id'], ['instrument_dimension.id'], name=op.f('fk_instrument_statement_dimension_id_instrument_dimension'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_statement_instrument_id_instrument'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_statement'))
    )
    with op.batch_alter_table('instrument_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_statement_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index('uq_instrument_statement_code', ['instrument_id', 'code'], unique=True)

    op.create_table('method_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('case_description', sa.Text(), nullable=False),
    sa.Column('inventory', sa.Text(), nullable=False),
    sa.Column('problem_picture', sa.Text(), nullable=False),
    sa.Column('strategies', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_method_meeting_created_by_app_user')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_method_meeting_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_method_meeting_school_id_school')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_method_meeting_updated_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_method_meeting'))
    )
    with op.batch_alter_table('method_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_method_meeting_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('connectedness_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['connectedness_run.id'], name=op.f('fk_connectedness_response_run_id_connectedness_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connectedness_response'))
    )
    with op.batch_alter_table('connectedness_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connectedness_response_run_id'), ['run_id'], unique=False)

    op.create_table('method_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('agency', sa.Enum('school', 'youth_coach', 'social_services', 'health', 'other', name='agency', native_enum=False, length=20), nullable=False),
    sa.Column('organisation', sa.String(length=160), nullable=False),
    sa.CheckConstraint("agency IN ('school', 'youth_coach', 'social_services', 'health', 'other')", name=op.f('ck_method_participant_agency')),
    sa.ForeignKeyConstraint(['meeting_id'], ['method_meeting.id'], name=op.f('fk_method_participant_meeting_id_method_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_method_participant'))
    )
    with op.batch_alter_table('method_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_method_participant_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('run_analysis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('conclusions', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_run_analysis_created_by_app_user')),
    sa.ForeignKeyConstraint(['run_id'], ['connectedness_run.id'], name=op.f('fk_run_analysis_run_id_connectedness_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_run_analysis_updated_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_analysis')),
    sa.UniqueConstraint('run_id', name=op.f('uq_run_analysis_run_id'))
    )
    op.create_table('shared_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.Enum('share_15', 'share_20', 'invalid_share_15', 'invalid_share_20', name='goalindicator', native_enum=False, length=20), nullable=False),
    sa.Column('direction', sa.Enum('at_most', 'at_least', name='goaldirection', native_enum=False, length=10), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('by_term', sa.String(length=6), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('method_meeting_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("direction IN ('at_most', 'at_least')", name=op.f('ck_shared_goal_direction')),
    sa.CheckConstraint("indicator IN ('share_15', 'share_20', 'invalid_share_15', 'invalid_share_20')", name=op.f('ck_shared_goal_indicator')),
    sa.CheckConstraint('target >= 0 AND target <= 1', name=op.f('ck_shared_goal_target')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_shared_goal_created_by_app_user')),
    sa.ForeignKeyConstraint(['method_meeting_id'], ['method_meeting.id'], name=op.f('fk_shared_goal_method_meeting_id_method_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_shared_goal_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_goal'))
    )
    with op.batch_alter_table('shared_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_goal_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('connectedness_answer',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['connectedness_response.id'], name=op.f('fk_connectedness_answer_response_id_connectedness_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['instrument_statement.id'], name=op.f('fk_connectedness_answer_statement_id_instrument_statement')),
    sa.PrimaryKeyConstraint('response_id', 'statement_id', name=op.f('pk_connectedness_answer'))
    )
    op.create_table('run_analysis_note',
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['run_analysis.id'], name=op.f('fk_run_analysis_note_analysis_id_run_analysis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['instrument_topic.id'], name=op.f('fk_run_analysis_note_topic_id_instrument_topic')),
    sa.PrimaryKeyConstraint('analysis_id', 'topic_id', name=op.f('pk_run_analysis_note'))
    )
    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('measure', 'change', name='planitemkind', native_enum=False, length=10), nullable=False),
    sa.Column('area', sa.Enum('teaching', 'organisation', 'environment', 'other', name='changearea', native_enum=False, length=14), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint("area IN ('teaching', 'organisation', 'environment', 'other')", name=op.f('ck_plan_item_area')),
    sa.CheckConstraint("kind IN ('measure', 'change')", name=op.f('ck_plan_item_kind')),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name=op.f('fk_plan_item_plan_id_action_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item'))
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.Enum('individual', 'class', 'group', 'school', 'municipality', name='planlevel', native_enum=False), server_default='individual', nullable=False))
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('group_name', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('analysis_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('method_meeting_id', sa.Integer(), nullable=True))
        batch_op.alter_column('student_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_action_plan_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_action_plan_municipality_id_municipality'), 'municipality', ['municipality_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_action_plan_run_id_connectedness_run'), 'connectedness_run', ['run_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_action_plan_method_meeting_id_method_meeting'), 'method_meeting', ['method_meeting_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_action_plan_analysis_id_run_analysis'), 'run_analysis', ['analysis_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_action_plan_school_id_school'), 'school', ['school_id'], ['id'])
        batch_op.create_check_constraint(
            'level', "level IN ('individual', 'class', 'group', 'school', 'municipality')")
        batch_op.create_check_constraint(
            'subject', "(level = 'individual') = (student_id IS NOT NULL)")
        batch_op.create_check_constraint(
            'school', "level NOT IN ('class', 'group', 'school') OR school_id IS NOT NULL")
        batch_op.create_check_constraint(
            'municipality', "level <> 'municipality' OR municipality_id IS NOT NULL")



def downgrade() -> None:
    op.execute("DELETE FROM action_plan WHERE level <> 'individual'")
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        for check in ('level', 'subject', 'school', 'municipality'):
            batch_op.drop_constraint(batch_op.f(f'ck_action_plan_{check}'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_action_plan_school_id_school'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_plan_analysis_id_run_analysis'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_plan_method_meeting_id_method_meeting'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_plan_run_id_connectedness_run'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_plan_municipality_id_municipality'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_plan_school_id'))
        batch_op.alter_column('student_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('method_meeting_id')
        batch_op.drop_column('analysis_id')
        batch_op.drop_column('run_id')
        batch_op.drop_column('owner')
        batch_op.drop_column('group_name')
        batch_op.drop_column('municipality_id')
        batch_op.drop_column('school_id')
        batch_op.drop_column('level')

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_plan_id'))

    op.drop_table('plan_item')
    op.drop_table('run_analysis_note')
    op.drop_table('connectedness_answer')
    with op.batch_alter_table('shared_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_goal_municipality_id'))

    op.drop_table('shared_goal')
    op.drop_table('run_analysis')
    with op.batch_alter_table('method_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_method_participant_meeting_id'))

    op.drop_table('method_participant')
    with op.batch_alter_table('connectedness_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectedness_response_run_id'))

    op.drop_table('connectedness_response')
    with op.batch_alter_table('method_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_method_meeting_municipality_id'))

    op.drop_table('method_meeting')
    with op.batch_alter_table('instrument_statement', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_statement_code')
        batch_op.drop_index(batch_op.f('ix_instrument_statement_instrument_id'))

    op.drop_table('instrument_statement')
    with op.batch_alter_table('connectedness_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connectedness_run_student_id'))
        batch_op.drop_index('ix_connectedness_run_school_group')
        batch_op.drop_index(batch_op.f('ix_connectedness_run_instrument_id'))

    op.drop_table('connectedness_run')
    with op.batch_alter_table('instrument_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_topic_instrument_id'))

    op.drop_table('instrument_topic')
    with op.batch_alter_table('instrument_scale_step', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_scale_value')
        batch_op.drop_index(batch_op.f('ix_instrument_scale_step_instrument_id'))

    op.drop_table('instrument_scale_step')
    with op.batch_alter_table('instrument_dimension', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_dimension_code')
        batch_op.drop_index(batch_op.f('ix_instrument_dimension_instrument_id'))

    op.drop_table('instrument_dimension')
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_index('uq_instrument_name_version')

    op.drop_table('instrument')
