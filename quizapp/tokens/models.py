"""Personal access tokens: a user's keys to the JSON API, stored only as hashes."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import UTCDateTime, db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Scope(enum.StrEnum):
    READ = "read"  # own attempts, results, progress, readiness; an instructor's class reports
    TAKE_TESTS = "take-tests"  # start, answer and submit tests
    MANAGE_BANKS = "manage-banks"  # export banks (instructors and admins only)

    @property
    def label(self) -> str:
        return {
            Scope.READ: "Read your results, progress and class reports",
            Scope.TAKE_TESTS: "Take practice tests",
            Scope.MANAGE_BANKS: "Export question banks (keys included)",
        }[self]


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    #: SHA-256 of the secret, hex; the secret itself is shown once and never stored.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The secret's first characters, so its owner can tell tokens apart.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    #: Space-separated Scope values.
    scopes: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The rate limit's fixed window: when it began and how many requests it has counted.
    #: Kept in the database so every app server counts against the same window.
    window_started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    window_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} of user {self.user_id}>"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
