"""import scope: student moves, saved mappings per municipality

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('student_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('from_municipality_id', sa.Integer(), nullable=False),
    sa.Column('to_municipality_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_student_move_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['from_municipality_id'], ['municipality.id'], name=op.f('fk_student_move_from_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_student_move_student_id_student')),
    sa.ForeignKeyConstraint(['to_municipality_id'], ['municipality.id'], name=op.f('fk_student_move_to_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_student_move_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_move'))
    )
    with op.batch_alter_table('student_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_move_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_move_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_move_from_municipality_id'), ['from_municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_move_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_move_to_municipality_id'), ['to_municipality_id'], unique=False)

    # Mappings saved before were the only ones for their school: they stay as an
    # administrator's (no municipality), the fallback every coach reads.
    with op.batch_alter_table('import_mapping', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_import_mapping_municipality_id_municipality'), 'municipality', ['municipality_id'], ['id'])
        batch_op.drop_index('uq_import_mapping_school_kind')
        batch_op.create_index('uq_import_mapping_school_municipality_kind', ['school_id', 'municipality_id', 'kind'], unique=True)


def downgrade() -> None:
    # Only one mapping per school and kind fits the old index: keep the administrators'.
    op.execute('DELETE FROM import_mapping WHERE municipality_id IS NOT NULL')
    with op.batch_alter_table('import_mapping', schema=None) as batch_op:
        batch_op.drop_index('uq_import_mapping_school_municipality_kind')
        batch_op.create_index('uq_import_mapping_school_kind', ['school_id', 'kind'], unique=True)
        batch_op.drop_constraint(batch_op.f('fk_import_mapping_municipality_id_municipality'), type_='foreignkey')
        batch_op.drop_column('municipality_id')

    with op.batch_alter_table('student_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_move_to_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_student_move_student_id'))
        batch_op.drop_index(batch_op.f('ix_student_move_from_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_student_move_created_at'))
        batch_op.drop_index(batch_op.f('ix_student_move_batch_id'))

    op.drop_table('student_move')
