"""Class assignments (a practice test with a window, attempts and mode), attempts linked to
them, and owners' replies to question reports.

Revision ID: 0018_assignments
Revises: 0013_first_exam_percent
Create Date: 2026-12-07 01:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

from quizapp.downgrades import refuse_to_drop

revision = "0018_assignments"
down_revision = "0020_lti_and_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("blueprint_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("accept_late", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('exam', 'tutor')", name=op.f("ck_assignments_mode_is_known")),
        sa.CheckConstraint(
            "max_attempts BETWEEN 1 AND 10", name=op.f("ck_assignments_attempts_in_range")
        ),
        sa.CheckConstraint("due_at > opens_at", name=op.f("ck_assignments_due_after_open")),
        sa.ForeignKeyConstraint(
            ["blueprint_id"],
            ["blueprints.id"],
            name=op.f("fk_assignments_blueprint_id_blueprints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_assignments_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_assignments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(
        "ix_assignments_class_id_due_at", "assignments", ["class_id", "due_at"], unique=False
    )
    op.create_index(
        op.f("ix_assignments_blueprint_id"), "assignments", ["blueprint_id"], unique=False
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assignment_try", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_attempts_assignment_id_assignments"),
            "assignments",
            ["assignment_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_attempts_assignment_id_user_id_assignment_try"),
            ["assignment_id", "user_id", "assignment_try"],
        )
    with op.batch_alter_table("question_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replied_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reply_read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_question_reports_replied_by_id_users"),
            "users",
            ["replied_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_question_reports_user_id"), ["user_id"], unique=False)


def downgrade():
    refuse_to_drop(
        "the class assignments and the replies to question reports",
        "SELECT (SELECT count(*) FROM assignments) + "
        "(SELECT count(*) FROM question_reports WHERE reply IS NOT NULL)",
    )
    with op.batch_alter_table("question_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_reports_user_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_question_reports_replied_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("reply_read_at")
        batch_op.drop_column("replied_by_id")
        batch_op.drop_column("reply")
        batch_op.drop_column("outcome")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_attempts_assignment_id_user_id_assignment_try"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_attempts_assignment_id_assignments"), type_="foreignkey"
        )
        batch_op.drop_column("assignment_try")
        batch_op.drop_column("assignment_id")
    op.drop_index(op.f("ix_assignments_blueprint_id"), table_name="assignments")
    op.drop_index("ix_assignments_class_id_due_at", table_name="assignments")
    op.drop_table("assignments")
