"""effect windows: flagged students per term, per-student week windows, term indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 20:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty here: `prepare` fills both from the summaries (summaries.catch_up).
    op.create_table(
        'student_term_flag',
        sa.Column('term_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_student_term_flag_student_id_student')),
        sa.ForeignKeyConstraint(['term_id'], ['term.id'],
                                name=op.f('fk_student_term_flag_term_id_term')),
        sa.PrimaryKeyConstraint('term_id', 'student_id', name=op.f('pk_student_term_flag')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'student_week_window',
        sa.Column('iso_year', sa.Integer(), nullable=False),
        sa.Column('iso_week', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('before_scheduled', sa.Integer(), nullable=False),
        sa.Column('before_absent', sa.Integer(), nullable=False),
        sa.Column('after_scheduled', sa.Integer(), nullable=False),
        sa.Column('after_absent', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_student_week_window_student_id_student')),
        sa.PrimaryKeyConstraint('iso_year', 'iso_week', 'student_id',
                                name=op.f('pk_student_week_window')),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_student_week_window_student_id', 'student_week_window',
                    ['student_id'], unique=False)
    op.create_index('ix_contact_date_student', 'contact', ['date', 'student_id'], unique=False)
    op.create_index('ix_measure_start', 'measure', ['start_date', 'student_id', 'kind',
                                                    'effect_before', 'effect_after'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_measure_start', table_name='measure')
    op.drop_index('ix_contact_date_student', table_name='contact')
    op.drop_index('ix_student_week_window_student_id', table_name='student_week_window')
    op.drop_table('student_week_window')
    op.drop_table('student_term_flag')
