"""Spaced review: FSRS cards per student and question, review settings, word parts and their
flashcards; an index on questions.retired_at.

Revision ID: 0016_spaced_review
Revises: 0013_first_exam_percent
Create Date: 2026-12-07 01:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

from quizapp.downgrades import refuse_to_drop

revision = "0016_spaced_review"
down_revision = "0013_first_exam_percent"
branch_labels = None
depends_on = None


def _card_columns():
    return [
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Double(), nullable=True),
        sa.Column("difficulty", sa.Double(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
    ]


def _user_key(table):
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade():
    op.create_table(
        "review_cards",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("key_digest", sa.String(length=16), nullable=False),
        *_card_columns(),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_review_cards_question_id_questions"),
            ondelete="CASCADE",
        ),
        _user_key("review_cards"),
        sa.PrimaryKeyConstraint("user_id", "question_id", name=op.f("pk_review_cards")),
    )
    op.create_index(
        "ix_review_cards_user_id_due", "review_cards", ["user_id", "due", "question_id"]
    )
    # Review leaves out retired questions: found by this index, not by scanning every question.
    op.create_index(op.f("ix_questions_retired_at"), "questions", ["retired_at"])
    op.create_index(op.f("ix_review_cards_question_id"), "review_cards", ["question_id"])
    op.create_table(
        "review_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("daily_goal", sa.Integer(), nullable=False),
        sa.Column("desired_retention", sa.Double(), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=True),
        sa.Column("show_plan", sa.Boolean(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fitted_reviews", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "daily_goal BETWEEN 1 AND 500", name=op.f("ck_review_settings_daily_goal_in_range")
        ),
        sa.CheckConstraint(
            "desired_retention >= 0.7 AND desired_retention <= 0.97",
            name=op.f("ck_review_settings_retention_in_range"),
        ),
        _user_key("review_settings"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_review_settings")),
    )
    op.create_table(
        "word_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("form", sa.String(length=40), nullable=False),
        sa.Column("meanings", sa.JSON(), nullable=False),
        sa.Column("example", sa.String(length=80), nullable=False),
        sa.CheckConstraint(
            "kind IN ('prefix', 'suffix', 'combining form')",
            name=op.f("ck_word_parts_kind_is_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_parts")),
        sa.UniqueConstraint("part", name=op.f("uq_word_parts_part")),
    )
    op.create_table(
        "word_part_cards",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("word_part_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        *_card_columns(),
        sa.CheckConstraint(
            "direction IN ('meaning', 'part')",
            name=op.f("ck_word_part_cards_direction_is_known"),
        ),
        _user_key("word_part_cards"),
        sa.ForeignKeyConstraint(
            ["word_part_id"],
            ["word_parts.id"],
            name=op.f("fk_word_part_cards_word_part_id_word_parts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "word_part_id", "direction", name=op.f("pk_word_part_cards")
        ),
    )
    op.create_index("ix_word_part_cards_user_id_due", "word_part_cards", ["user_id", "due"])


def downgrade():
    refuse_to_drop(
        "the students' review cards, flashcards and review settings",
        "SELECT (SELECT count(*) FROM review_cards) + "
        "(SELECT count(*) FROM word_part_cards) + "
        "(SELECT count(*) FROM review_settings)",
    )
    op.drop_index("ix_word_part_cards_user_id_due", table_name="word_part_cards")
    op.drop_table("word_part_cards")
    op.drop_table("word_parts")
    op.drop_table("review_settings")
    op.drop_index(op.f("ix_review_cards_question_id"), table_name="review_cards")
    op.drop_index("ix_review_cards_user_id_due", table_name="review_cards")
    op.drop_table("review_cards")
    op.drop_index(op.f("ix_questions_retired_at"), table_name="questions")
