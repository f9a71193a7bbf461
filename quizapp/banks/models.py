"""Banks, their topic trees, questions and immutable question versions, and test blueprints."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.extensions import UTCDateTime, db

DIFFICULTIES = ("easy", "medium", "hard")
#: Who may practice an instructor's bank: only its owner, the owner's classes, or everyone.
VISIBILITIES = ("private", "classes", "public")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Bank(db.Model):
    __tablename__ = "banks"
    __table_args__ = (
        sa.CheckConstraint(sa.column("visibility").in_(VISIBILITIES), name="visibility_is_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Stable identifier from the bank file; shipped and uploaded banks are matched by it.
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    #: None for the banks shipped with the product.
    owner_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    visibility: so.Mapped[str] = so.mapped_column(
        sa.String(10), default="private", server_default="private"
    )
    #: Set instead of deleting a bank that attempts used; archived banks are hidden.
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topics: so.Mapped[list["Topic"]] = so.relationship(
        back_populates="bank", order_by="Topic.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Bank {self.slug}>"


class Topic(db.Model):
    __tablename__ = "topics"
    __table_args__ = (sa.UniqueConstraint("bank_id", "slug"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id", ondelete="CASCADE"))
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("topics.id", ondelete="SET NULL")
    )
    #: Depth-first order of the topic in its bank's tree, as written in the file.
    position: so.Mapped[int] = so.mapped_column(default=0)

    bank: so.Mapped[Bank] = so.relationship(back_populates="topics")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class Question(db.Model):
    """A question's identity; what it says lives in its versions."""

    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("bank_id", "external_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id", ondelete="CASCADE"))
    #: The stable id written in the bank file.
    external_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    current_version_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("question_versions.id", use_alter=True, ondelete="SET NULL")
    )
    #: Set when the question left its bank; retired questions are kept for history, never deleted.
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    bank: so.Mapped[Bank] = so.relationship()
    current_version: so.Mapped["QuestionVersion | None"] = so.relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: so.WriteOnlyMapped["QuestionVersion"] = so.relationship(
        foreign_keys="QuestionVersion.question_id",
        back_populates="question",
        order_by="QuestionVersion.number",
    )

    def __repr__(self) -> str:
        return f"<Question {self.external_id}>"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class QuestionVersion(db.Model):
    """One immutable wording of a question: attempts and statistics point here."""

    __tablename__ = "question_versions"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "number"),
        sa.CheckConstraint(sa.column("difficulty").in_(DIFFICULTIES), name="difficulty_is_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first version of a question, then 2, 3 ...
    number: so.Mapped[int]
    type: so.Mapped[str] = so.mapped_column(sa.String(30))
    stem: so.Mapped[str] = so.mapped_column(sa.Text)
    #: Options, key and the other type-specific fields (see quizapp.scoring.question_types).
    content: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    rationale: so.Mapped[str] = so.mapped_column(sa.Text)
    topic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("topics.id"), index=True)
    difficulty: so.Mapped[str] = so.mapped_column(sa.String(10))
    source: so.Mapped[str | None] = so.mapped_column(sa.Text)
    tags: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    #: Hash of all the fields above, to tell an edited question from an unchanged one.
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    question: so.Mapped[Question] = so.relationship(
        foreign_keys=[question_id], back_populates="versions"
    )
    topic: so.Mapped[Topic] = so.relationship()

    def __repr__(self) -> str:
        return f"<QuestionVersion {self.question_id} v{self.number}>"


class ImmutableVersionError(RuntimeError):
    """A question version was changed in place; edits must create a new version."""


@sa.event.listens_for(QuestionVersion, "before_update")
def _refuse_version_updates(mapper, connection, target) -> None:
    raise ImmutableVersionError(
        f"question version {target.id} is immutable; create a new version instead"
    )


class Blueprint(db.Model):
    """A recipe for a test: which banks and topics, how many questions, time and pass mark."""

    __tablename__ = "blueprints"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    time_limit_minutes: so.Mapped[int]
    passing_percent: so.Mapped[float]
    #: [{"bank": slug, "topic": slug | None, "questions": n, "title": str | None}, ...]
    sections: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON)
    #: [{"title": str, "minutes": n, "questions": n}, ...]; empty when the test is one part.
    segments: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    #: The adaptive readiness check's settings {"min_items", "max_items", "confidence"};
    #: None when the blueprint offers no adaptive check.
    adaptive: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    owner_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Blueprint {self.slug}>"

    @property
    def question_count(self) -> int:
        return sum(section["questions"] for section in self.sections)


class PendingImport(db.Model):
    """An uploaded file between its preview and the instructor's confirmation.

    Kept in the database, not on an app server's disk, so any server can show or confirm it.
    """

    __tablename__ = "pending_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    #: The file parsed once at upload (imports.preview_to_json): the validated bank and every
    #: problem, so that preview pages and the confirmation never parse the file again.
    preview: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PendingImport {self.id} {self.filename}>"


class Image(db.Model):
    """A question picture, cleaned (quizapp.banks.images) and named by the hash of its bytes.

    Kept in the database so that every app server shares it without another service; the same
    picture uploaded twice is stored once.
    """

    __tablename__ = "images"

    #: sha256 of `data`, hex: the picture's name in question texts (media:<digest>) and its ETag.
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    mimetype: so.Mapped[str] = so.mapped_column(sa.String(30))
    width: so.Mapped[int]
    height: so.Mapped[int]
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: Who first uploaded or imported it; None for shipped banks' pictures.
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Image {self.digest[:12]}>"


class QuestionImage(db.Model):
    """A picture shown by a question version (its stem or options): who may see a picture
    follows from the versions that show it."""

    __tablename__ = "question_images"

    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("question_versions.id", ondelete="CASCADE"), primary_key=True
    )
    digest: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("images.digest"), primary_key=True, index=True
    )

    def __repr__(self) -> str:
        return f"<QuestionImage {self.version_id} {self.digest[:12]}>"
