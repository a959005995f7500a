"""restricted measures and contact notes, and the readers their authors name

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('measure', 'contact'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('restricted', sa.Boolean(), nullable=False,
                                          server_default='0'))
    op.create_table(
        'restricted_reader',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('(measure_id IS NULL) <> (contact_id IS NULL)',
                           name=op.f('ck_restricted_reader_one_record')),
        sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ondelete='CASCADE',
                                name=op.f('fk_restricted_reader_measure_id_measure')),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE',
                                name=op.f('fk_restricted_reader_contact_id_contact')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE',
                                name=op.f('fk_restricted_reader_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_restricted_reader')),
    )
    with op.batch_alter_table('restricted_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restricted_reader_user_id'), ['user_id'],
                              unique=False)
        batch_op.create_index('uq_restricted_reader_measure', ['measure_id', 'user_id'],
                              unique=True)
        batch_op.create_index('uq_restricted_reader_contact', ['contact_id', 'user_id'],
                              unique=True)


def downgrade() -> None:
    op.drop_table('restricted_reader')
    for table in ('contact', 'measure'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('restricted')
