"""Question pictures in the database: storing them, noting which versions show them, and who
may see one.

The rule: a picture is served only as part of a question the viewer may read. A student may
read the questions of their own attempts and of public (and shipped) banks; staff the
questions of the banks they may browse. A picture nobody may see answers 404, like one that
does not exist.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.formatting import image_hashes
from quizapp.banks.images import ProcessedImage
from quizapp.banks.models import Bank, Image, Question, QuestionImage, QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db

#: Pictures uploaded (in the editor, or with an import never confirmed) that no question shows
#: are deleted after this long.
ORPHAN_LIFETIME = timedelta(days=1)


class MissingImageError(ValueError):
    """A question names pictures the store does not hold."""

    def __init__(self, digests: list[str]):
        super().__init__(f"unknown pictures: {', '.join(d[:12] for d in digests)}")
        self.digests = digests


def store_images(images: Iterable[ProcessedImage], *, uploaded_by_id: int | None) -> None:
    """Insert the pictures the store does not hold yet (one query to look, one to insert)."""
    by_digest = {image.digest: image for image in images}
    if not by_digest:
        return
    held = set(db.session.scalars(sa.select(Image.digest).where(Image.digest.in_(list(by_digest)))))
    rows = [
        {
            "digest": image.digest,
            "mimetype": image.mimetype,
            "width": image.width,
            "height": image.height,
            "data": image.data,
            "uploaded_by_id": uploaded_by_id,
        }
        for digest, image in by_digest.items()
        if digest not in held
    ]
    if rows:
        db.session.execute(sa.insert(Image), rows)


def shown_images(stem: str, content: dict[str, Any]) -> list[str]:
    """The pictures a version shows: in its stem and its type's texts (never the rationale)."""
    digests = image_hashes(stem)

    def walk(value):
        if isinstance(value, str):
            digests.extend(image_hashes(value))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for value in content.values():
        walk(value)
    return list(dict.fromkeys(digests))


def missing_images(digests: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(digests))
    if not wanted:
        return []
    held = set(db.session.scalars(sa.select(Image.digest).where(Image.digest.in_(wanted))))
    return [d for d in wanted if d not in held]


def record_version_images(version_rows: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Note the pictures each new version shows: (version id, stem, content) per version.

    :raises MissingImageError: when a version names a picture the store does not hold.
    """
    uses = [
        {"version_id": version_id, "digest": digest}
        for version_id, stem, content in version_rows
        for digest in shown_images(stem, content)
    ]
    if not uses:
        return
    missing = missing_images(use["digest"] for use in uses)
    if missing:
        raise MissingImageError(missing)
    db.session.execute(sa.insert(QuestionImage), uses)


def viewable_image(user: User, digest: str, *, staff_banks: sa.Select) -> Image | None:
    """The picture, when `user` may read a question that shows it; else None (one query).

    :param staff_banks: the banks staff may browse (banks.services.visible_banks_query).
    """
    versions = sa.select(QuestionImage.version_id).where(QuestionImage.digest == digest)
    in_own_attempt = (
        sa.select(AttemptQuestion.id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.user_id == user.id, AttemptQuestion.version_id.in_(versions))
        .exists()
    )
    if user.is_admin or user.is_instructor:
        readable_banks = staff_banks.with_only_columns(Bank.id).order_by(None)
    else:
        readable_banks = sa.select(Bank.id).where(
            Bank.archived_at.is_(None),
            sa.or_(Bank.owner_id.is_(None), Bank.visibility == "public"),
        )
    in_readable_bank = (
        sa.select(QuestionVersion.id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(versions), Question.bank_id.in_(readable_banks))
        .exists()
    )
    return db.session.scalar(
        sa.select(Image).where(Image.digest == digest, sa.or_(in_own_attempt, in_readable_bank))
    )


def uploaded_image(user: User, digest: str) -> Image | None:
    """A picture this user uploaded, for the editor's preview before any version shows it."""
    return db.session.scalar(
        sa.select(Image).where(Image.digest == digest, Image.uploaded_by_id == user.id)
    )


def delete_orphan_images(*, now: datetime) -> int:
    """Delete pictures no version shows, older than ORPHAN_LIFETIME (abandoned uploads)."""
    deleted = db.session.execute(
        sa.delete(Image).where(
            Image.created_at < now - ORPHAN_LIFETIME,
            ~sa.select(QuestionImage.version_id)
            .where(QuestionImage.digest == Image.digest)
            .exists(),
        )
    )
    return deleted.rowcount
