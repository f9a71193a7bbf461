"""Accounts, roles and the failed sign-in and registration records used for throttling."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from quizapp.accommodations import Accommodation
from quizapp.extensions import UTCDateTime, db, login_manager
from quizapp.numbers import parse_whole_number


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_([r.value for r in Role]), name="role_is_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Stored normalised (trimmed, lower case), so uniqueness is case-insensitive on every engine.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=Role.STUDENT.value)
    #: Bumped on logout and password change; sessions and remember cookies carry it, so
    #: bumping it revokes every copy of them.
    session_generation: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The school's time accommodation, set by an admin only; it applies to every test: limits
    #: are multiplied by this (1.5 = time and a half). Classes add their own (Enrollment).
    time_multiplier: so.Mapped[float] = so.mapped_column(default=1.0, server_default="1")
    #: The school's accommodation: no test has a time limit for this student.
    untimed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    def get_id(self) -> str:
        return f"{self.id}.{self.session_generation}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR

    @property
    def accommodation(self) -> Accommodation:
        """The account-wide time accommodation (the admin's)."""
        return Accommodation(untimed=self.untimed, multiplier=self.time_multiplier)

    def revoke_sessions(self) -> None:
        self.session_generation += 1


class LoginFailure(db.Model):
    """One failed sign-in; recent rows for an email or address throttle further attempts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_created_at", "email", "created_at"),
        sa.Index("ix_login_failures_address_created_at", "address", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The normalised email that was tried, whether or not an account has it.
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    address: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginFailure {self.email} from {self.address} at {self.created_at}>"


class RegistrationFailure(db.Model):
    """A registration refused because its email already has an account. Recent rows for an
    address pause registration from it, so it cannot test many emails for accounts."""

    __tablename__ = "registration_failures"
    __table_args__ = (
        sa.Index("ix_registration_failures_address_created_at", "address", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RegistrationFailure from {self.address} at {self.created_at}>"


# Built once: every signed-in request runs it.
_USER_IN_SESSION = sa.select(User).where(
    User.id == sa.bindparam("user_id"), User.session_generation == sa.bindparam("generation")
)


@login_manager.user_loader
def load_user(session_user_id: str) -> User | None:
    """Load the user named by a session or remember cookie, unless its generation was revoked."""
    user_id, _, generation = session_user_id.partition(".")
    user_number, generation_number = parse_whole_number(user_id), parse_whole_number(generation)
    if user_number is None or generation_number is None:
        return None
    return db.session.scalar(
        _USER_IN_SESSION, {"user_id": user_number, "generation": generation_number}
    )
