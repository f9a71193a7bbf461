"""Item calibrations and their runs, adaptive blueprint settings, the adaptive attempt mode.

Revision ID: 0012_readiness
Revises: 0011_struck_options
Create Date: 2026-12-06 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_readiness"
down_revision = "0011_struck_options"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calibration_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("population_sd", sa.Double(), nullable=False),
        sa.Column("priors", sa.JSON(), nullable=False),
        sa.Column("iterations", sa.Integer(), nullable=False),
        sa.Column("converged", sa.Boolean(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_runs")),
    )
    op.create_table(
        "item_calibrations",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("difficulty", sa.Double(), nullable=False),
        sa.Column("difficulty_se", sa.Double(), nullable=False),
        sa.Column("discrimination", sa.Double(), nullable=False),
        sa.Column("discrimination_se", sa.Double(), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("exposure", sa.Double(), nullable=False),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["question_versions.id"],
            name=op.f("fk_item_calibrations_version_id_question_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_item_calibrations")),
    )
    with op.batch_alter_table("blueprints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adaptive", sa.JSON(), nullable=True))
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attempts_mode_is_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_attempts_mode_is_known"), sa.text("mode IN ('exam', 'tutor', 'adaptive')")
        )


def downgrade():
    op.execute("DELETE FROM attempts WHERE mode = 'adaptive'")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attempts_mode_is_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_attempts_mode_is_known"), sa.text("mode IN ('exam', 'tutor')"))
    with op.batch_alter_table("blueprints", schema=None) as batch_op:
        batch_op.drop_column("adaptive")
    op.drop_table("item_calibrations")
    op.drop_table("calibration_runs")
