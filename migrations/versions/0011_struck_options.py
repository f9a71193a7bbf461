"""The options a student struck through on a question, saved with the answer.

Revision ID: 0011_struck_options
Revises: 0010_sections_timing
Create Date: 2026-12-06 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_struck_options'
down_revision = '0010_sections_timing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('struck', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.drop_column('struck')
