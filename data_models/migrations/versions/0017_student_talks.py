"""student talks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

MEASURE_KINDS = ('mi', 'structure', 'action_plan', 'social_services', 'bup', 'youth_clinic',
                 'other_actor', 'adjustments', 'coaching', 'everyday_support', 'mentor_time',
                 'other')
MEASURE_KINDS_BEFORE = ('mi', 'structure', 'action_plan', 'social_services', 'bup',
                        'youth_clinic', 'other_actor', 'adjustments', 'other')
# The administrator's list starts with these (lib.talks; editable under Administration).
CATEGORIES = (
    ('Hälsa och mående', 'Health and wellbeing'),
    ('Undervisning och studietakt', 'Teaching and pace'),
    ('Relationer i skolan', 'Relations at school'),
    ('Hemsituation', 'Home situation'),
    ('Sömn och rutiner', 'Sleep and routines'),
    ('Resor och skolväg', 'Travel to school'),
    ('Arbete', 'Work'),
    ('Annat', 'Other'),
)


def _allowed(column: str, values: tuple[str, ...]) -> str:
    quoted = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({quoted})'


def upgrade() -> None:
    categories = op.create_table(
        'talk_category',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=80), nullable=False),
        sa.Column('label_en', sa.String(length=80), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_category')),
        sa.UniqueConstraint('label', name=op.f('uq_talk_category_label')),
    )
    op.bulk_insert(categories, [
        {'label': label, 'label_en': english, 'position': number, 'active': True}
        for number, (label, english) in enumerate(CATEGORIES, start=1)])
    op.create_table(
        'student_talk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('side', sa.Enum('coach', 'school', name='talkside', native_enum=False,
                                  create_constraint=False, length=10), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('held_by', sa.String(length=120), nullable=False),
        sa.Column('causes', sa.Text(), nullable=False),
        sa.Column('support_received', sa.Text(), nullable=False),
        sa.Column('support_wanted', sa.Text(), nullable=False),
        sa.Column('school_situation', sa.Text(), nullable=False),
        sa.Column('outside_school', sa.Text(), nullable=False),
        sa.Column('strengths', sa.Text(), nullable=False),
        sa.Column('own_goals', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(_allowed('side', ('coach', 'school')),
                           name=op.f('ck_student_talk_side')),
        sa.ForeignKeyConstraint(['student_id'], ['student.id'],
                                name=op.f('fk_student_talk_student_id_student')),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'],
                                name=op.f('fk_student_talk_school_id_school')),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='SET NULL',
                                name=op.f('fk_student_talk_contact_id_contact')),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'],
                                name=op.f('fk_student_talk_author_id_app_user')),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'],
                                name=op.f('fk_student_talk_updated_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_student_talk')),
    )
    op.create_index(op.f('ix_student_talk_student_id'), 'student_talk', ['student_id'])
    op.create_table(
        'student_talk_category',
        sa.Column('talk_id', sa.Integer(), nullable=False),
        sa.Column('theme', sa.Enum('cause', 'wanted', name='talktheme', native_enum=False,
                                   create_constraint=False, length=10), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.CheckConstraint(_allowed('theme', ('cause', 'wanted')),
                           name=op.f('ck_student_talk_category_theme')),
        sa.ForeignKeyConstraint(['talk_id'], ['student_talk.id'], ondelete='CASCADE',
                                name=op.f('fk_student_talk_category_talk_id_student_talk')),
        sa.ForeignKeyConstraint(['category_id'], ['talk_category.id'],
                                name=op.f('fk_student_talk_category_category_id_talk_category')),
        sa.PrimaryKeyConstraint('talk_id', 'theme', 'category_id',
                                name=op.f('pk_student_talk_category')),
    )
    op.create_index(op.f('ix_student_talk_category_category_id'), 'student_talk_category',
                    ['category_id'])
    op.create_table(
        'student_talk_support',
        sa.Column('talk_id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.Column('experience', sa.Enum('helped', 'partly', 'not_helped',
                                        name='supportexperience', native_enum=False,
                                        create_constraint=False, length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.CheckConstraint(_allowed('experience', ('helped', 'partly', 'not_helped')),
                           name=op.f('ck_student_talk_support_experience')),
        sa.ForeignKeyConstraint(['talk_id'], ['student_talk.id'], ondelete='CASCADE',
                                name=op.f('fk_student_talk_support_talk_id_student_talk')),
        sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ondelete='CASCADE',
                                name=op.f('fk_student_talk_support_measure_id_measure')),
        sa.PrimaryKeyConstraint('talk_id', 'measure_id', name=op.f('pk_student_talk_support')),
    )
    op.create_index(op.f('ix_student_talk_support_measure_id'), 'student_talk_support',
                    ['measure_id'])
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('talk_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_talk_id'), ['talk_id'])
        batch_op.create_foreign_key(batch_op.f('fk_feedback_talk_id_student_talk'),
                                    'student_talk', ['talk_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_measure_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_measure_kind'),
                                         _allowed('kind', MEASURE_KINDS))


def downgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_measure_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_measure_kind'),
                                         _allowed('kind', MEASURE_KINDS_BEFORE))
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_talk_id_student_talk'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feedback_talk_id'))
        batch_op.drop_column('talk_id')
    op.drop_table('student_talk_support')
    op.drop_table('student_talk_category')
    op.drop_table('student_talk')
    op.drop_table('talk_category')
