"""Each student's first exam-mode percent per test, kept with their aggregates, so percentile
ranks read one row per student instead of every attempt.

Revision ID: 0013_first_exam_percent
Revises: 0012_readiness
Create Date: 2026-12-07 00:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_first_exam_percent"
down_revision = "0012_readiness"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student_blueprint_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_exam_attempt_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_exam_percent", sa.Double(), nullable=True))
    # The first finished exam-mode attempt of each student at each test (the lowest id).
    op.execute(
        """
        UPDATE student_blueprint_results SET first_exam_attempt_id = (
            SELECT min(f.id) FROM attempts f
            WHERE f.user_id = student_blueprint_results.user_id
              AND f.blueprint_id = student_blueprint_results.blueprint_id
              AND f.mode = 'exam' AND f.status = 'finished'
        )
        """
    )
    op.execute(
        """
        UPDATE student_blueprint_results SET first_exam_percent = (
            SELECT coalesce(a.percent, 0) FROM attempts a
            WHERE a.id = student_blueprint_results.first_exam_attempt_id
        )
        """
    )


def downgrade():
    with op.batch_alter_table("student_blueprint_results", schema=None) as batch_op:
        batch_op.drop_column("first_exam_percent")
        batch_op.drop_column("first_exam_attempt_id")
