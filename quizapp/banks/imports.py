"""Import a teacher's file as a bank of their own: preview everything first, then save all or
nothing."""

import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import PurePath

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.importers.base import (
    ImportFormatError,
    ImportProblem,
    ImportResult,
    SkippedQuestion,
    build_bank,
    decode_text,
    slugify,
)
from quizapp.banks.importers.registry import FORMAT_LABELS, IMPORTERS, detect_format
from quizapp.banks.loader import BankFileError, ParsedBank, parse_bank
from quizapp.banks.models import Bank
from quizapp.banks.services import sync_bank
from quizapp.extensions import db

logger = logging.getLogger(__name__)


@dataclass
class ImportPreview:
    """What an import would create, and every problem found; nothing is saved yet."""

    format: str
    bank: ParsedBank | None
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: list[SkippedQuestion] = field(default_factory=list)

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if not p.warning]

    @property
    def can_import(self) -> bool:
        return self.bank is not None and bool(self.bank.questions) and not self.errors

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)


def preview_import(
    data: bytes, filename: str, *, fmt: str | None = None, title: str | None = None
) -> ImportPreview:
    """Parse and validate a whole file as `fmt` (detected from the content when None)."""
    title = (title or PurePath(filename).stem.replace("_", " ").strip() or "Imported bank")[:200]
    try:
        fmt = fmt or detect_format(data, filename)
    except ImportFormatError as exc:
        return ImportPreview("unknown", None, [ImportProblem(exc.line, str(exc))])
    if fmt == "native":
        text, _ = decode_text(data)
        try:
            bank = parse_bank(text, filename or "upload")
        except BankFileError as exc:
            return ImportPreview(
                fmt, None, [ImportProblem(p.line, p.message) for p in exc.problems]
            )
        return ImportPreview(fmt, replace(bank, title=title or bank.title))
    if fmt not in IMPORTERS:
        return ImportPreview(fmt, None, [ImportProblem(None, f"unknown format {fmt!r}")])
    try:
        result: ImportResult = IMPORTERS[fmt](data, filename)
    except ImportFormatError as exc:
        return ImportPreview(fmt, None, [ImportProblem(exc.line, str(exc))])
    bank = build_bank(result, slug=slugify(title, fallback="bank"), title=title)
    return ImportPreview(fmt, bank, result.problems, result.skipped)


def save_import(preview: ImportPreview, *, owner: User, now: datetime) -> Bank:
    """Create the previewed bank for its owner, in the caller's transaction.

    :raises ValueError: when the preview has errors (nothing is written).
    """
    if not preview.can_import:
        raise ValueError("this import has errors; nothing was saved")
    slug = f"{preview.bank.slug[:60]}-{secrets.token_hex(3)}"
    sync_bank(replace(preview.bank, slug=slug), now=now, owner_id=owner.id)
    logger.info("Bank %s imported by %s (%s)", slug, owner.email, preview.format)
    return db.session.scalar(sa.select(Bank).where(Bank.slug == slug))
