"""codes and nulls

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The code sets of data_models.codes as they stand in this revision (a migration is history:
# a code added later widens its CHECK in a migration of its own). The CHECKs that existed
# before (app_user.role, term.kind, meeting.status, measure.owner_kind and status,
# feedback.direction, login_session.method) already admit exactly their sets.
CODES = {
    ('import_batch', 'kind'): ('demo', 'absence', 'period', 'enrolment'),
    ('import_mapping', 'kind'): ('absence', 'enrolment'),
    ('import_change', 'table_name'): ('student', 'enrolment'),
    ('replaced_absence', 'source'): ('day', 'period'),
    ('agenda_item', 'reason'): ('high', 'watch', 'rising', 'due', ''),
    ('agenda_item', 'trend'): ('up', 'down', 'flat', ''),
    ('meeting_amendment', 'field'): ('notes', 'assessment', 'decisions', 'feedback'),
    ('measure', 'kind'): ('mi', 'structure', 'action_plan', 'social_services', 'bup',
                          'youth_clinic', 'other_actor', 'adjustments', 'other'),
    ('contact', 'kind'): ('talk', 'wake_up', 'reminder', 'school_visit', 'home_visit',
                          'referral', 'other'),
    ('login_session', 'end_reason'): ('logout', 'credentials', 'disabled'),
}
# "Not counted yet" was -1; it is NULL from here on.
NOT_COUNTED = {
    'student_term_summary': ('weeks',),
    'municipality_term_summary': ('over_15', 'over_20', 'invalid_over_15', 'invalid_over_20'),
}
INDEXES = (('measure', 'meeting_id'), ('feedback', 'meeting_id'))


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def _tables() -> list[str]:
    return sorted({table for table, _ in CODES} | {table for table, _ in INDEXES})


def upgrade() -> None:
    # One batch per table: SQLite rebuilds each table once (env.py turns foreign keys off
    # for it, so that the rebuild of `measure` or `agenda_item` cascades nothing).
    for table in _tables():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for (owner, column), values in CODES.items():
                if owner == table:
                    batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{column}'),
                                                     _allowed(column, values))
            if (table, 'meeting_id') in INDEXES:
                batch_op.create_index(batch_op.f(f'ix_{table}_meeting_id'), ['meeting_id'],
                                      unique=False)
    for table, columns in NOT_COUNTED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True,
                                      server_default=None)
        for column in columns:
            op.execute(f'UPDATE {table} SET {column} = NULL WHERE {column} = -1')


def downgrade() -> None:
    for table, columns in NOT_COUNTED.items():
        for column in columns:
            op.execute(f'UPDATE {table} SET {column} = -1 WHERE {column} IS NULL')
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False,
                                      server_default='-1')
    for table in reversed(_tables()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if (table, 'meeting_id') in INDEXES:
                batch_op.drop_index(batch_op.f(f'ix_{table}_meeting_id'))
            for (owner, column), _ in CODES.items():
                if owner == table:
                    batch_op.drop_constraint(batch_op.f(f'ck_{table}_{column}'), type_='check')
