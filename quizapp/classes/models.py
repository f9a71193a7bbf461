"""A class run by an instructor, and the students enrolled in it."""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

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
    __table_args__ = (sa.UniqueConstraint("class_id", "student_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Enrollment {self.student_id} in {self.class_id}>"
