"""Time accommodations per class: an instructor's setting lives on the enrolment and applies to
that class's tests only; the account-wide one on users stays the admin's.

Existing account-wide settings are kept as they are: nothing records whether an admin or an
instructor set them, and taking time away from a student is not for a migration to decide.

Revision ID: 0021_class_accommodations
Revises: 0017_question_images
Create Date: 2026-12-08 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from quizapp.downgrades import refuse_to_drop

revision = "0021_class_accommodations"
down_revision = "0017_question_images"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("time_multiplier", sa.Double(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("untimed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_enrollments_time_multiplier_in_range"),
            sa.text("time_multiplier BETWEEN 1.0 AND 4.0"),
        )


def downgrade():
    refuse_to_drop(
        "class time accommodations",
        "SELECT count(*) FROM enrollments WHERE untimed OR time_multiplier <> 1",
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_enrollments_time_multiplier_in_range"), type_="check"
        )
        batch_op.drop_column("untimed")
        batch_op.drop_column("time_multiplier")
