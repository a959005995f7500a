"""import changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=20), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_change_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_change'))
    )
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_change_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_import_change_row', ['table_name', 'row_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.drop_index('ix_import_change_row')
        batch_op.drop_index(batch_op.f('ix_import_change_batch_id'))

    op.drop_table('import_change')
