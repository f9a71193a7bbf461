"""Timed sections of an attempt, and the time spent on each question.

Revision ID: 0010_sections_timing
Revises: 0009_question_stats
Create Date: 2026-12-06 22:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_sections_timing"
down_revision = "0009_question_stats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("section_number", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("section_started_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("seconds_per_question", sa.Double(), nullable=True))

    with op.batch_alter_table("attempt_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_shown_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("answer_seconds", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("attempt_questions", schema=None) as batch_op:
        batch_op.drop_column("answer_seconds")
        batch_op.drop_column("first_shown_at")

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("seconds_per_question")
        batch_op.drop_column("section_started_at")
        batch_op.drop_column("section_number")
        batch_op.drop_column("sections")
