"""working with each school: collaborations and contact persons, alerts and their e-mail,
termly school reports, the school's own support for a student, the coach's priority mark,
and the school organiser

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

STATUSES = ('not_contacted', 'contacted', 'agreed')
ROLES = ('principal', 'career_counsellor', 'welfare_officer', 'mentor', 'other')
ALERT_KINDS = ('watch', 'high', 'rising')
REPORT_STATUSES = ('draft', 'sent', 'acknowledged')


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def _code(name: str, values: tuple[str, ...], length: int):
    return sa.Column(name, sa.Enum(*values, native_enum=False, create_constraint=False,
                                   length=length), nullable=False)


def _user(column: str, table: str, nullable: bool = True, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], ['app_user.id'], ondelete=ondelete,
                                   name=op.f(f'fk_{table}_{column}_app_user'))


def upgrade() -> None:
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organiser', sa.String(length=160), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_alerts', sa.Boolean(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('mail_digest', sa.Boolean(), nullable=False,
                                      server_default='0'))

    op.create_table(
        'collaboration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        _code('status', STATUSES, 20),
        sa.Column('contacted_on', sa.Date(), nullable=True),
        sa.Column('agreed_on', sa.Date(), nullable=True),
        sa.Column('approved_by', sa.String(length=120), nullable=False),
        sa.Column('forum', sa.String(length=200), nullable=False),
        sa.Column('reviews_per_term', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_allowed('status', STATUSES), name=op.f('ck_collaboration_status')),
        sa.CheckConstraint('reviews_per_term BETWEEN 1 AND 2',
                           name=op.f('ck_collaboration_reviews_per_term')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_collaboration_municipality_id_municipality')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_collaboration_school_id_school')),
        _user('updated_by', 'collaboration'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collaboration')),
    )
    with op.batch_alter_table('collaboration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collaboration_school_id'), ['school_id'],
                              unique=False)
        batch_op.create_index('uq_collaboration_municipality_school',
                              ['municipality_id', 'school_id'], unique=True)

    op.create_table(
        'school_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collaboration_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        _code('role', ROLES, 20),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_allowed('role', ROLES), name=op.f('ck_school_contact_role')),
        sa.ForeignKeyConstraint(['collaboration_id'], ['collaboration.id'], ondelete='CASCADE',
                                name=op.f('fk_school_contact_collaboration_id_collaboration')),
        _user('user_id', 'school_contact', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_contact')),
    )
    with op.batch_alter_table('school_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_contact_collaboration_id'),
                              ['collaboration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_contact_user_id'), ['user_id'],
                              unique=False)

    op.create_table(
        'alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('term_id', sa.Integer(), nullable=False),
        _code('kind', ALERT_KINDS, 10),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('share', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_allowed('kind', ALERT_KINDS), name=op.f('ck_alert_kind')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_alert_student_id_student')),
        sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_alert_term_id_term')),
        _user('user_id', 'alert', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_alert_school_id_school')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_student_id'), ['student_id'], unique=False)
        batch_op.create_index('uq_alert_crossing', ['student_id', 'term_id', 'kind', 'user_id'],
                              unique=True)
        batch_op.create_index('ix_alert_user_open', ['user_id', 'acknowledged_at'],
                              unique=False)

    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        _user('user_id', 'mail_outbox', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_mail_outbox_unsent', ['sent_at', 'next_attempt_at'],
                              unique=False)

    op.create_table(
        'school_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.Column('proposals', sa.Text(), nullable=False),
        _code('status', REPORT_STATUSES, 15),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_by', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.Integer(), nullable=True),
        sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(_allowed('status', REPORT_STATUSES),
                           name=op.f('ck_school_report_status')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_school_report_school_id_school')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_school_report_municipality_id_municipality')),
        sa.ForeignKeyConstraint(['term_id'], ['term.id'],
                                name=op.f('fk_school_report_term_id_term')),
        _user('created_by', 'school_report'),
        _user('sent_by', 'school_report'),
        _user('acknowledged_by', 'school_report'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_report')),
    )
    with op.batch_alter_table('school_report', schema=None) as batch_op:
        batch_op.create_index('uq_school_report', ['school_id', 'municipality_id', 'term_id'],
                              unique=True)

    op.create_table(
        'school_support',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('extra_adaptations', sa.Boolean(), nullable=False),
        sa.Column('special_support', sa.Boolean(), nullable=False),
        sa.Column('support_plan', sa.Boolean(), nullable=False),
        sa.Column('support_plan_date', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_school_support_student_id_student')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_school_support_school_id_school')),
        _user('updated_by', 'school_support'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_support')),
    )
    with op.batch_alter_table('school_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_support_student_id'), ['student_id'],
                              unique=False)
        batch_op.create_index('uq_school_support', ['student_id', 'school_id'], unique=True)

    op.create_table(
        'priority_mark',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('marked_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_priority_mark_student_id_student')),
        _user('user_id', 'priority_mark'),
        sa.PrimaryKeyConstraint('student_id', name=op.f('pk_priority_mark')),
    )


def downgrade() -> None:
    for table in ('priority_mark', 'school_support', 'school_report', 'mail_outbox', 'alert',
                  'school_contact', 'collaboration'):
        op.drop_table(table)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('mail_digest')
        batch_op.drop_column('mail_alerts')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('organiser')
