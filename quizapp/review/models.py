"""Review cards (one per student and question, one per student, word part and direction), each
student's review settings, and the word parts the flashcards drill."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import UTCDateTime, db
from quizapp.scoring.spaced import DEFAULT_RETENTION

DEFAULT_DAILY_GOAL = 30
#: A flashcard asks for the meaning of a part, or for the part that means something.
DIRECTIONS = ("meaning", "part")
PART_KINDS = ("prefix", "suffix", "combining form")


def _user_key() -> so.Mapped[int]:
    return so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class CardColumns:
    """The FSRS memory state of a card (quizapp.scoring.spaced.CardState) and its counters."""

    #: fsrs.State: 1 learning, 2 review, 3 relearning.
    state: so.Mapped[int]
    step: so.Mapped[int | None]
    stability: so.Mapped[float | None]
    difficulty: so.Mapped[float | None]
    due: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    last_review: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reviews: so.Mapped[int]
    #: Answers rated Again; a card missed LEECH_MISSES times or more is a leech.
    misses: so.Mapped[int]


class ReviewCard(CardColumns, db.Model):
    """When a student should meet a question again; written by each graded answer."""

    __tablename__ = "review_cards"
    #: Counting due cards reads only this index (question_id included: no row lookups).
    __table_args__ = (sa.Index("ix_review_cards_user_id_due", "user_id", "due", "question_id"),)

    user_id: so.Mapped[int] = _user_key()
    question_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: spaced.key_digest of the key last answered: a new version with another key drops the card.
    key_digest: so.Mapped[str] = so.mapped_column(sa.String(16))

    def __repr__(self) -> str:
        return f"<ReviewCard {self.user_id} on {self.question_id} due {self.due}>"


class ReviewSettings(db.Model):
    """A student's review choices, and FSRS parameters fitted to their own reviews."""

    __tablename__ = "review_settings"
    __table_args__ = (
        sa.CheckConstraint("daily_goal BETWEEN 1 AND 500", name="daily_goal_in_range"),
        sa.CheckConstraint(
            "desired_retention >= 0.7 AND desired_retention <= 0.97", name="retention_in_range"
        ),
    )

    user_id: so.Mapped[int] = _user_key()
    #: Questions a day: due reviews first, then new questions up to this many.
    daily_goal: so.Mapped[int] = so.mapped_column(default=DEFAULT_DAILY_GOAL)
    desired_retention: so.Mapped[float] = so.mapped_column(default=DEFAULT_RETENTION)
    exam_date: so.Mapped[date | None]
    #: The student may hide the exam-date plan from the home page.
    show_plan: so.Mapped[bool] = so.mapped_column(default=True)
    #: FSRS parameters fitted by `flask review optimize`; None: the package's defaults.
    parameters: so.Mapped[list[float] | None] = so.mapped_column(sa.JSON)
    fitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    fitted_reviews: so.Mapped[int | None]

    def __repr__(self) -> str:
        return f"<ReviewSettings {self.user_id}>"


class WordPart(db.Model):
    """A prefix, suffix or combining form and what it means (question_banks/word_parts.yaml)."""

    __tablename__ = "word_parts"
    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(PART_KINDS), name="kind_is_known"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: As the terminology bank tags it (`part:brady-` -> "brady-", `part:cardi` -> "cardi").
    part: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    #: How it is written for students: "brady-", "-itis", "cardi/o".
    form: so.Mapped[str] = so.mapped_column(sa.String(40))
    #: Accepted meanings, the first one shown.
    meanings: so.Mapped[list[str]] = so.mapped_column(sa.JSON)
    example: so.Mapped[str] = so.mapped_column(sa.String(80), default="")

    def __repr__(self) -> str:
        return f"<WordPart {self.form}>"


class WordPartCard(CardColumns, db.Model):
    __tablename__ = "word_part_cards"
    __table_args__ = (
        sa.CheckConstraint(sa.column("direction").in_(DIRECTIONS), name="direction_is_known"),
        sa.Index("ix_word_part_cards_user_id_due", "user_id", "due"),
    )

    user_id: so.Mapped[int] = _user_key()
    word_part_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("word_parts.id", ondelete="CASCADE"), primary_key=True
    )
    direction: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)

    def __repr__(self) -> str:
        return f"<WordPartCard {self.user_id} on {self.word_part_id} {self.direction}>"
