"""A class run by an instructor, and the students enrolled in it."""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.accommodations import MAX_MULTIPLIER, MIN_MULTIPLIER, Accommodation
from quizapp.auth.models import User
from quizapp.extensions import UTCDateTime, db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Classroom(db.Model):
    __tablename__ = "classes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    instructor_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: What students type to join; regenerating it stops further joins with the old one.
    join_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    instructor: so.Mapped[User] = so.relationship()

    def __repr__(self) -> str:
        return f"<Classroom {self.id} {self.name}>"


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        sa.UniqueConstraint("class_id", "student_id"),
        sa.CheckConstraint(
            sa.column("time_multiplier").between(MIN_MULTIPLIER, MAX_MULTIPLIER),
            name="time_multiplier_in_range",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: The class's time accommodation for this student, set by the class's instructor: the
    #: limits of this class's tests (its assignments, its LMS links) are multiplied by this.
    time_multiplier: so.Mapped[float] = so.mapped_column(default=1.0, server_default="1")
    #: The class's accommodation: this class's tests have no time limit for this student.
    untimed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    @property
    def accommodation(self) -> Accommodation:
        return Accommodation(untimed=self.untimed, multiplier=self.time_multiplier)

    def __repr__(self) -> str:
        return f"<Enrollment {self.student_id} in {self.class_id}>"
