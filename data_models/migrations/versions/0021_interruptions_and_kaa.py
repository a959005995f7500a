"""study interruptions and the activity responsibility (KAA)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def _code(name: str, values: tuple[str, ...], length: int, nullable: bool = False):
    return sa.Column(name, sa.Enum(*values, native_enum=False, create_constraint=False,
                                   length=length), nullable=nullable)


ROLES_BEFORE = ('admin', 'coach', 'school_staff', 'project_leader')
ROLES = (*ROLES_BEFORE, 'kaa_officer')
REASONS = ('moved', 'changed_school_form', 'interrupted', 'completed', 'unknown')
SOURCES = ('list', 'screen')
CHANNELS = ('letter', 'sms', 'phone', 'former_school', 'home_visit')
RESULTS = ('reached', 'no_answer', 'message_left', 'declined', 'wrong_details')
OCCUPATIONS = ('back_in_studies', 'work', 'traineeship', 'other_measure', 'unknown',
               'moved_away')
LADDER = 'letter,phone,sms,former_school,home_visit'


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handles_kaa', sa.Boolean(), nullable=False,
                                      server_default='0'))
        batch_op.drop_constraint(batch_op.f('ck_app_user_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_app_user_role'),
                                         _allowed('role', ROLES))
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kaa_ladder', sa.String(length=200), nullable=False,
                                      server_default=LADDER))
        batch_op.add_column(sa.Column('kaa_first_days', sa.Integer(), nullable=False,
                                      server_default='10'))
        batch_op.add_column(sa.Column('kaa_next_days', sa.Integer(), nullable=False,
                                      server_default='14'))
    op.create_table(
        'study_interruption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        _code('reason', REASONS, 20),
        _code('source', SOURCES, 10),
        sa.Column('previous_end', sa.Date(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_allowed('reason', REASONS),
                           name=op.f('ck_study_interruption_reason')),
        sa.CheckConstraint(_allowed('source', SOURCES),
                           name=op.f('ck_study_interruption_source')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_study_interruption_student_id_student')),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ondelete='CASCADE',
                                name=op.f('fk_study_interruption_enrolment_id_enrolment')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_study_interruption_school_id_school')),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'],
                                name=op.f('fk_study_interruption_created_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_study_interruption')),
    )
    for column in ('student_id', 'enrolment_id', 'school_id', 'batch_id'):
        op.create_index(op.f(f'ix_study_interruption_{column}'), 'study_interruption',
                        [column])
    op.create_table(
        'kaa_episode',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('interruption_id', sa.Integer(), nullable=True),
        sa.Column('opened_on', sa.Date(), nullable=False),
        _code('occupation', OCCUPATIONS, 20),
        sa.Column('occupation_since', sa.Date(), nullable=True),
        sa.Column('next_follow_up', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_allowed('occupation', OCCUPATIONS),
                           name=op.f('ck_kaa_episode_occupation')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_kaa_episode_student_id_student')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_kaa_episode_municipality_id_municipality')),
        sa.ForeignKeyConstraint(['interruption_id'], ['study_interruption.id'],
                                ondelete='SET NULL',
                                name=op.f('fk_kaa_episode_interruption_id_study_interruption')),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'],
                                name=op.f('fk_kaa_episode_updated_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_episode')),
    )
    op.create_index(op.f('ix_kaa_episode_student_id'), 'kaa_episode', ['student_id'])
    op.create_index(op.f('ix_kaa_episode_municipality_id'), 'kaa_episode', ['municipality_id'])
    op.create_table(
        'kaa_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        _code('channel', CHANNELS, 20),
        _code('result', RESULTS, 20),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('next_step', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_allowed('channel', CHANNELS), name=op.f('ck_kaa_contact_channel')),
        sa.CheckConstraint(_allowed('result', RESULTS), name=op.f('ck_kaa_contact_result')),
        sa.ForeignKeyConstraint(['episode_id'], ['kaa_episode.id'], ondelete='CASCADE',
                                name=op.f('fk_kaa_contact_episode_id_kaa_episode')),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'],
                                name=op.f('fk_kaa_contact_author_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_contact')),
    )
    op.create_index(op.f('ix_kaa_contact_episode_id'), 'kaa_contact', ['episode_id'])
    op.create_table(
        'kaa_measure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('end_date IS NULL OR end_date >= start_date',
                           name=op.f('ck_kaa_measure_dates')),
        sa.ForeignKeyConstraint(['episode_id'], ['kaa_episode.id'], ondelete='CASCADE',
                                name=op.f('fk_kaa_measure_episode_id_kaa_episode')),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'],
                                name=op.f('fk_kaa_measure_author_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_measure')),
    )
    op.create_index(op.f('ix_kaa_measure_episode_id'), 'kaa_measure', ['episode_id'])


def downgrade() -> None:
    op.drop_table('kaa_measure')
    op.drop_table('kaa_contact')
    op.drop_table('kaa_episode')
    op.drop_table('study_interruption')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('kaa_next_days')
        batch_op.drop_column('kaa_first_days')
        batch_op.drop_column('kaa_ladder')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_app_user_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_app_user_role'),
                                         _allowed('role', ROLES_BEFORE))
        batch_op.drop_column('handles_kaa')
