"""Question pictures, stored by content hash, and which question versions show them.

Revision ID: 0017_question_images
Revises: 0013_first_exam_percent
Create Date: 2026-12-07 01:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

from quizapp.downgrades import refuse_to_drop

revision = "0017_question_images"
down_revision = "0018_assignments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "images",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("mimetype", sa.String(length=30), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_images_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_images")),
    )
    op.create_table(
        "question_images",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest"], ["images.digest"], name=op.f("fk_question_images_digest_images")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["question_versions.id"],
            name=op.f("fk_question_images_version_id_question_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "digest", name=op.f("pk_question_images")),
    )
    with op.batch_alter_table("question_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_images_digest"), ["digest"], unique=False)


def downgrade():
    refuse_to_drop(
        "the question pictures",
        "SELECT count(*) FROM images",
    )
    with op.batch_alter_table("question_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_images_digest"))
    op.drop_table("question_images")
    op.drop_table("images")
