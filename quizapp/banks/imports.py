"""Import a teacher's file as a bank of their own: preview everything first, then save all or
nothing.

A file is parsed once, at upload: its preview (the validated bank and every problem) is kept as
JSON on the pending upload, so preview pages and the confirmation never parse it again.
"""

import logging
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.importers.base import (
    ImportFormatError,
    ImportProblem,
    ImportResult,
    SkippedQuestion,
    TooManyQuestionsError,
    build_bank,
    decode_text,
    read_package,
    slugify,
)
from quizapp.banks.importers.registry import FORMAT_LABELS, IMPORTERS, detect_format
from quizapp.banks.loader import (
    BankFileError,
    ParsedBank,
    ParsedQuestion,
    ParsedTopic,
    line_of_question_past,
    parse_bank,
)
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


def _format_problem(exc: ImportFormatError) -> list[ImportProblem]:
    return [ImportProblem(exc.line, exc.message)]


def _texts(value):
    """Every string inside a preview's values (dataclasses, tuples, lists, dicts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _refuse_nul_characters(preview: ImportPreview, data: bytes) -> ImportPreview:
    """A NUL character cannot be stored (PostgreSQL refuses it in text): such a file is refused
    with the line of its first NUL, when it is a text file."""
    if preview.bank is None or not any("\x00" in text for text in _texts(asdict(preview.bank))):
        return preview
    line = None
    if not data.startswith(b"PK"):  # not a zip (QTI package, Excel workbook)
        text, _ = decode_text(data)
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
    problem = ImportProblem(
        line,
        "the file contains NUL characters, which a question cannot hold (is it a damaged or "
        "binary file?); remove them and upload it again",
    )
    return replace(preview, bank=None, problems=[problem, *preview.problems])


def _native_package(data: bytes):
    """Our bank file, and the reader of its media folder: from a zip holding both, or the file
    alone (then only pictures already stored can be named)."""
    if not data.startswith(b"PK\x03\x04"):
        return data, None
    files = read_package(data)
    banks = [n for n in files if "/" not in n and n.lower().endswith((".yaml", ".yml", ".json"))]
    if len(banks) != 1:
        raise ImportFormatError(
            "the zip must hold one bank file (.yaml, .yml or .json) at its top, with its "
            f"pictures in a folder named media; it holds {len(banks)}"
        )
    return files[banks[0]], files.get


def preview_import(
    data: bytes,
    filename: str,
    *,
    fmt: str | None = None,
    title: str | None = None,
    max_questions: int | None = None,
) -> ImportPreview:
    """Parse and validate a whole file as `fmt` (detected from the content when None).

    :param max_questions: refuse a file with more questions; the parser stops at the first
        question past it, so a huge file costs no more time or memory than this many.
    """
    preview = _parse_upload(data, filename, fmt=fmt, title=title, max_questions=max_questions)
    return _refuse_nul_characters(preview, data)


def _parse_upload(
    data: bytes,
    filename: str,
    *,
    fmt: str | None,
    title: str | None,
    max_questions: int | None,
) -> ImportPreview:
    typed = (title or "").strip()[:200]
    title = typed or (PurePath(filename).stem.replace("_", " ").strip() or "Imported bank")[:200]
    try:
        fmt = fmt or detect_format(data, filename)
    except ImportFormatError as exc:
        return ImportPreview("unknown", None, _format_problem(exc))
    if fmt == "native":
        try:
            data, read_media = _native_package(data)
        except ImportFormatError as exc:
            return ImportPreview(fmt, None, _format_problem(exc))
        text, _ = decode_text(data)
        extra_line = None if max_questions is None else line_of_question_past(text, max_questions)
        if extra_line is not None:
            return ImportPreview(
                fmt, None, _format_problem(TooManyQuestionsError(max_questions, extra_line))
            )
        try:
            bank = parse_bank(text, filename or "upload", read_media)
        except BankFileError as exc:
            return ImportPreview(
                fmt, None, [ImportProblem(p.line, p.message) for p in exc.problems]
            )
        warnings = [ImportProblem(p.line, p.message, warning=True) for p in bank.warnings]
        # Our own format names its bank: its title wins over the file's name.
        return ImportPreview(fmt, replace(bank, title=typed or bank.title), warnings)
    if fmt not in IMPORTERS:
        return ImportPreview(fmt, None, [ImportProblem(None, f"unknown format {fmt!r}")])
    try:
        result: ImportResult = IMPORTERS[fmt](data, filename, max_questions=max_questions)
    except ImportFormatError as exc:
        return ImportPreview(fmt, None, _format_problem(exc))
    bank = build_bank(result, slug=slugify(title, fallback="bank"), title=title)
    return ImportPreview(fmt, bank, result.problems, result.skipped)


def preview_to_json(preview: ImportPreview) -> dict[str, Any]:
    """The preview as JSON-ready values, to keep on the pending upload; its pictures are
    stored apart (media.store_images), as the questions name them by hash."""
    bank = preview.bank and replace(preview.bank, images=(), warnings=())
    data = asdict(replace(preview, bank=bank))
    if data["bank"] is not None:
        del data["bank"]["images"], data["bank"]["warnings"]
    return data


def preview_from_json(data: dict[str, Any]) -> ImportPreview:
    """The preview kept by preview_to_json, as it was."""
    bank = data["bank"]
    if bank is not None:
        bank = ParsedBank(
            slug=bank["slug"],
            title=bank["title"],
            description=bank["description"],
            topics=tuple(ParsedTopic(**topic) for topic in bank["topics"]),
            questions=tuple(
                ParsedQuestion(**{**question, "tags": tuple(question["tags"])})
                for question in bank["questions"]
            ),
        )
    return ImportPreview(
        format=data["format"],
        bank=bank,
        problems=[ImportProblem(**problem) for problem in data["problems"]],
        skipped=[SkippedQuestion(**skipped) for skipped in data["skipped"]],
    )


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
