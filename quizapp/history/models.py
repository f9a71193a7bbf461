"""Per-student result aggregates, kept up to date in the transaction that grades.

Reports read these rows (a few per student, or per topic) instead of every answer ever given.
`quizapp.history.aggregates` writes them; `flask stats rebuild` recomputes them from the answers.
Lists named `recent` hold the latest entries, oldest first, each `[timestamp, id, value]`:
the timestamp (UTC, sortable text) and id order them as the answers themselves are ordered.
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import db


def _user_key() -> so.Mapped[int]:
    return so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class StudentTotal(db.Model):
    __tablename__ = "student_totals"

    user_id: so.Mapped[int] = _user_key()
    finished_attempts: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<StudentTotal {self.user_id}: {self.finished_attempts} finished>"


class StudentBlueprintResult(db.Model):
    __tablename__ = "student_blueprint_results"

    user_id: so.Mapped[int] = _user_key()
    blueprint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    best_percent: so.Mapped[float] = so.mapped_column(default=0.0)
    #: The student's first (lowest id) finished exam-mode attempt and its percent, for
    #: percentile ranks.
    first_exam_attempt_id: so.Mapped[int | None]
    first_exam_percent: so.Mapped[float | None]
    #: The latest TREND_WINDOW finished attempts: [finished at, attempt id, percent].
    recent: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    def __repr__(self) -> str:
        return f"<StudentBlueprintResult {self.user_id} on {self.blueprint_id}>"


class StudentBankScores(db.Model):
    __tablename__ = "student_bank_scores"

    user_id: so.Mapped[int] = _user_key()
    bank_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: The latest SCORE_SERIES_POINTS finished attempts' percents on this bank's questions:
    #: [finished at, attempt id, percent].
    recent: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    def __repr__(self) -> str:
        return f"<StudentBankScores {self.user_id} on {self.bank_id}>"


class StudentBankWeek(db.Model):
    __tablename__ = "student_bank_weeks"

    user_id: so.Mapped[int] = _user_key()
    bank_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: The Monday (UTC) starting the week the attempts finished in.
    week: so.Mapped[date] = so.mapped_column(primary_key=True)
    #: Sum of the attempts' percents on this bank's questions, and how many attempts.
    percent_sum: so.Mapped[float] = so.mapped_column(default=0.0)
    attempts: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<StudentBankWeek {self.user_id} on {self.bank_id} in {self.week}>"


class StudentTopicMastery(db.Model):
    __tablename__ = "student_topic_mastery"

    user_id: so.Mapped[int] = _user_key()
    topic_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Every graded answer (tutor answers at once, exam answers at submission).
    answered: so.Mapped[int] = so.mapped_column(default=0)
    points: so.Mapped[float] = so.mapped_column(default=0.0)
    #: The latest RECENT_ANSWERS_PER_TOPIC graded answers: [graded at, answer id, score].
    recent: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    def __repr__(self) -> str:
        return f"<StudentTopicMastery {self.user_id} on {self.topic_id}>"
