"""Attempts at a test, the questions each one drew, and problem reports."""

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.banks.models import QuestionVersion
from quizapp.extensions import UTCDateTime, db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Mode(enum.StrEnum):
    EXAM = "exam"  # timed, no feedback until submitted
    TUTOR = "tutor"  # untimed, feedback after each answer, which is then locked
    #: The readiness check: the server picks each next question (docs/readiness.md).
    ADAPTIVE = "adaptive"


class Status(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class AttemptRules:
    """What an attempt's columns say about it: shared by the ORM class and the plain rows of
    the exam hot path (quizapp.exams.rows)."""

    __slots__ = ()

    @property
    def is_sectioned(self) -> bool:
        return self.section_number is not None

    @property
    def on_break(self) -> bool:
        """True between sections: the next section's clock has not started."""
        return self.is_open and self.is_sectioned and self.section_started_at is None

    @property
    def is_final_section(self) -> bool:
        return not self.is_sectioned or self.section_number == len(self.sections)

    @property
    def current_section(self) -> dict[str, Any] | None:
        return self.sections[self.section_number - 1] if self.is_sectioned else None

    def section_positions(self, number: int) -> range:
        """The positions of section `number` (1-based)."""
        first = 1 + sum(s["questions"] for s in self.sections[: number - 1])
        return range(first, first + self.sections[number - 1]["questions"])

    @property
    def current_positions(self) -> range:
        """The positions the student may see now: the current section's, or all of them."""
        if not self.is_sectioned:
            return range(1, self.question_count + 1)
        return self.section_positions(self.section_number)

    def section_of(self, position: int) -> int | None:
        """The section number holding `position`; None without sections."""
        if not self.is_sectioned:
            return None
        last = 0
        for number, section in enumerate(self.sections, start=1):
            last += section["questions"]
            if position <= last:
                return number
        return len(self.sections)

    @property
    def is_open(self) -> bool:
        return self.status == Status.IN_PROGRESS

    @property
    def is_tutor(self) -> bool:
        return self.mode == Mode.TUTOR

    @property
    def adaptive_verdict(self) -> str | None:
        """A finished adaptive check's "pass", "fail" or "undecided"; None for other tests."""
        if self.mode != Mode.ADAPTIVE:
            return None
        return (self.settings or {}).get("result", {}).get("verdict", "undecided")

    def seconds_left(self, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - now).total_seconds()))

    def time_used_seconds(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds())


class Attempt(AttemptRules, db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        sa.CheckConstraint(sa.column("mode").in_([m.value for m in Mode]), name="mode_is_known"),
        sa.CheckConstraint(
            sa.column("status").in_([s.value for s in Status]), name="status_is_known"
        ),
        sa.Index("ix_attempts_user_id_status", "user_id", "status"),
        # One row per try: two racing starts of a student's last allowed try cannot both insert.
        sa.UniqueConstraint("assignment_id", "user_id", "assignment_try"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: The blueprint it was drawn from; None for custom tests.
    blueprint_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="SET NULL"), index=True
    )
    #: The class assignment it was started from; None for practice on the student's own.
    assignment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("assignments.id", ondelete="SET NULL")
    )
    #: 1 for the first try at the assignment, 2 for the second...; None without an assignment.
    assignment_try: so.Mapped[int | None]
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    mode: so.Mapped[str] = so.mapped_column(sa.String(10))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=Status.IN_PROGRESS.value)
    #: How the questions were chosen (for "practice again" and reports).
    settings: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    question_count: so.Mapped[int]
    passing_percent: so.Mapped[float]
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: None when untimed. Limit times the student's accommodation, fixed when the attempt starts.
    #: In a sectioned attempt: the current section's deadline (None during a break).
    deadline: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    time_limit_seconds: so.Mapped[int | None]
    #: Timed sections of an exam-mode attempt, in order: [{"title", "questions", "seconds"}]
    #: (seconds None when untimed); None for an attempt in one piece. Section n holds the
    #: positions after those of the sections before it.
    sections: so.Mapped[list[dict[str, Any]] | None] = so.mapped_column(sa.JSON)
    #: The 1-based section being taken (earlier ones are locked); None without sections.
    section_number: so.Mapped[int | None]
    #: When the current section's clock started; None during the break before it.
    section_started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: "submitted" by the student or "expired" by the server.
    finish_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    score_points: so.Mapped[float | None]
    percent: so.Mapped[float | None]
    passed: so.Mapped[bool | None]
    #: Mean of the answered questions' answer_seconds, stored when graded (progress page).
    seconds_per_question: so.Mapped[float | None]

    def __repr__(self) -> str:
        return f"<Attempt {self.id} {self.status}>"


def answers_count_in_history():
    """Attempts whose graded answers count toward mastery and readiness: all but an adaptive
    check still open, whose answers are graded one by one but must not tell, on other pages,
    how the check is going."""
    return sa.or_(Attempt.mode != Mode.ADAPTIVE.value, Attempt.status != Status.IN_PROGRESS.value)


class SlotRules:
    """What a drawn question's columns say about it (ORM class and plain rows alike)."""

    __slots__ = ()

    @property
    def answered(self) -> bool:
        return self.response is not None

    @property
    def graded(self) -> bool:
        return self.graded_at is not None


class AttemptQuestion(SlotRules, db.Model):
    """One drawn question of an attempt, its layout, and the student's answer to it."""

    __tablename__ = "attempt_questions"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    #: 1-based place in the attempt.
    position: so.Mapped[int]
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id"), index=True)
    #: The exact version shown; later edits to the question never change this attempt.
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question_versions.id"))
    #: Display order and opaque per-attempt choice tokens (see question_types.make_layout).
    layout: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    #: The answer in content-index terms; None while unanswered.
    response: so.Mapped[Any | None] = so.mapped_column(sa.JSON)
    #: Incremented by every save; a form carrying an older number is a stale tab.
    revision: so.Mapped[int] = so.mapped_column(default=0)
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: When the question page first showed it (set once, by the first GET).
    first_shown_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Time on the question: answered_at - first_shown_at in whole seconds, set with the
    #: answer (so the last change of answer counts; in tutor mode, until checked). None while
    #: unanswered or when the question was answered without its page being shown.
    answer_seconds: so.Mapped[int | None]
    flagged: so.Mapped[bool] = so.mapped_column(default=False)
    #: Options the student struck through (content indexes), saved with the answer.
    struck: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON)
    #: Set when graded: at submission, or at once in tutor mode (then the answer is locked).
    score: so.Mapped[float | None]
    graded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    version: so.Mapped[QuestionVersion] = so.relationship()

    def __repr__(self) -> str:
        return f"<AttemptQuestion {self.attempt_id}#{self.position}>"


class QuestionReport(db.Model):
    """A student's note that a question looks wrong, for the bank's owner to review."""

    __tablename__ = "question_reports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question_versions.id"), index=True)
    attempt_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("attempts.id", ondelete="SET NULL")
    )
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: How the owner closed it: "fixed", "dismissed" or "answered"; None while open.
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    #: The owner's note to the student (shown on the student's home page).
    reply: so.Mapped[str | None] = so.mapped_column(sa.Text)
    replied_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: When the student marked the reply as read; None while it is still a notification.
    reply_read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<QuestionReport {self.id} on version {self.version_id}>"
