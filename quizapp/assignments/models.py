"""A practice test an instructor set for a class, with its window, attempts and mode."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom
from quizapp.extensions import UTCDateTime, db

#: The most attempts an assignment may allow (a bound on the class report's rows per student).
MAX_ATTEMPTS_ALLOWED = 10


def utcnow() -> datetime:
    return datetime.now(UTC)


class Window(enum.StrEnum):
    """Where an assignment stands at a moment."""

    UPCOMING = "upcoming"  # not open yet
    OPEN = "open"  # open, before the due time
    LATE = "late"  # past due, still taking late work
    CLOSED = "closed"  # past due, late work refused


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint(sa.column("mode").in_(["exam", "tutor"]), name="mode_is_known"),
        sa.CheckConstraint(
            sa.column("max_attempts").between(1, MAX_ATTEMPTS_ALLOWED), name="attempts_in_range"
        ),
        sa.CheckConstraint(sa.column("due_at") > sa.column("opens_at"), name="due_after_open"),
        sa.Index("ix_assignments_class_id_due_at", "class_id", "due_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    blueprint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("blueprints.id", ondelete="CASCADE"), index=True
    )
    #: "exam" (timed, results at the end) or "tutor" (feedback after each answer).
    mode: so.Mapped[str] = so.mapped_column(sa.String(10))
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    max_attempts: so.Mapped[int] = so.mapped_column(default=1)
    #: Whether a student may still start after the due time (the attempt is then marked late).
    accept_late: so.Mapped[bool] = so.mapped_column(default=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    classroom: so.Mapped[Classroom] = so.relationship()
    blueprint: so.Mapped[Blueprint] = so.relationship()

    def __repr__(self) -> str:
        return f"<Assignment {self.id} of blueprint {self.blueprint_id} to class {self.class_id}>"

    def window(self, now: datetime) -> Window:
        if now < self.opens_at:
            return Window.UPCOMING
        if now <= self.due_at:
            return Window.OPEN
        return Window.LATE if self.accept_late else Window.CLOSED

    def is_late(self, finished_at: datetime | None) -> bool:
        """Whether an attempt finished at `finished_at` counts as late."""
        return finished_at is not None and finished_at > self.due_at
