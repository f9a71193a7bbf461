"""What an instructor does with a bank of their own: settings, editing, retiring, archiving,
and the queue of problems students reported."""

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import yaml

from quizapp.auth.models import User
from quizapp.banks import exporters, media
from quizapp.banks.formatting import plain_text
from quizapp.banks.images import ProcessedImage
from quizapp.banks.importers.base import slugify
from quizapp.banks.imports import ImportPreview, ImportProblem, preview_to_json
from quizapp.banks.loader import BankFileError, ParsedQuestion, parse_bank
from quizapp.banks.models import (
    Bank,
    Blueprint,
    Image,
    PendingImport,
    Question,
    QuestionVersion,
    Topic,
)
from quizapp.banks.native import dump_yaml, question_document
from quizapp.banks.services import _insert_versions, _version_row
from quizapp.exams.models import AttemptQuestion, QuestionReport
from quizapp.extensions import db
from quizapp.item_stats import services as item_stats
from quizapp.scoring.item_analysis import ItemStats, analyse_item

logger = logging.getLogger(__name__)

PENDING_IMPORT_LIFETIME = timedelta(days=1)


class EditError(ValueError):
    """An edited question does not validate; `problems` carry lines of the edited text."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def can_manage(user: User, bank: Bank) -> bool:
    """Owners manage their banks; admins manage every bank, the shipped ones included."""
    return user.is_admin or (bank.owner_id is not None and bank.owner_id == user.id)


def update_settings(bank: Bank, *, title: str, visibility: str) -> None:
    bank.title = title.strip()
    if bank.owner_id is not None:  # shipped banks are always visible to everyone
        bank.visibility = visibility


def deletion_impact(bank: Bank) -> tuple[int, bool]:
    """How many questions a bank holds, and whether any attempt drew one of them (then
    deleting it archives it instead)."""
    count = db.session.scalar(
        sa.select(sa.func.count(Question.id)).where(Question.bank_id == bank.id)
    )
    used = db.session.scalar(
        sa.select(AttemptQuestion.id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(Question.bank_id == bank.id)
        .limit(1)
    )
    return count, used is not None


def banks_holding(owner: User, questions) -> list[tuple[Bank, int]]:
    """The owner's banks that already hold some of these (parsed) questions unchanged, with how
    many, most first: uploading a file imported before makes a second bank beside the first."""
    fingerprints = {question.fingerprint() for question in questions}
    if not fingerprints:
        return []
    matches = sa.func.count(Question.id)
    return [
        (bank, count)
        for bank, count in db.session.execute(
            sa.select(Bank, matches)
            .join(Question, Question.bank_id == Bank.id)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(
                Bank.owner_id == owner.id,
                Bank.archived_at.is_(None),
                Question.retired_at.is_(None),
                QuestionVersion.fingerprint.in_(fingerprints),
            )
            .group_by(Bank.id)
            .order_by(matches.desc(), Bank.id)
        )
    ]


def tests_drawing_from(bank: Bank) -> list[str]:
    """The titles of the tests still offered that draw from this bank (anyone's): deleting or
    archiving it leaves them nothing to draw."""
    live = db.session.scalars(
        sa.select(Blueprint).where(Blueprint.retired_at.is_(None)).order_by(Blueprint.title)
    )
    return [b.title for b in live if any(s.get("bank") == bank.slug for s in b.sections)]


def delete_or_archive(bank: Bank, *, now: datetime) -> str:
    """Delete a bank nobody has used; archive one that attempts point at (history stays).

    :return: "deleted" or "archived".
    """
    # PostgreSQL: tests being started on this bank hold a share lock on its row until they
    # commit; waiting for them here means the check below sees their questions.
    db.session.execute(sa.select(Bank.id).where(Bank.id == bank.id).with_for_update())
    used = db.session.scalar(
        sa.select(AttemptQuestion.id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(Question.bank_id == bank.id)
        .limit(1)
    )
    if used is None:
        db.session.execute(
            sa.update(Question).where(Question.bank_id == bank.id).values(current_version_id=None)
        )
        version_ids = (
            sa.select(QuestionVersion.id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.bank_id == bank.id)
        )
        db.session.execute(
            sa.delete(QuestionReport).where(QuestionReport.version_id.in_(version_ids))
        )
        db.session.execute(
            sa.delete(QuestionVersion).where(
                QuestionVersion.question_id.in_(
                    sa.select(Question.id).where(Question.bank_id == bank.id)
                )
            )
        )
        db.session.execute(sa.delete(Question).where(Question.bank_id == bank.id))
        db.session.delete(bank)
        return "deleted"
    bank.archived_at = now
    return "archived"


def retire_blueprint(blueprint: Blueprint, *, now: datetime) -> bool:
    """Stop offering a test; False if it was already retired (the first retirement's time
    stays)."""
    retired = db.session.execute(
        sa.update(Blueprint)
        .where(Blueprint.id == blueprint.id, Blueprint.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(blueprint)
    return retired.rowcount == 1


def set_retired(question: Question, retired: bool, *, now: datetime) -> None:
    question.retired_at = now if retired else None


def version_fields(version: QuestionVersion) -> dict[str, Any]:
    """A version's fields under the names the bank format and the editor's form use."""
    return {
        "question_type": version.type,
        "topic": version.topic.slug,
        "difficulty": version.difficulty,
        "stem": version.stem,
        "content": version.content,
        "rationale": version.rationale,
        "source": version.source,
        "tags": version.tags,
    }


def editable_source(question: Question) -> str:
    version = question.current_version
    document = question_document(external_id=question.external_id, **version_fields(version))
    document.pop("id")
    return dump_yaml(document)


STALE_EDIT = (
    "Someone saved a newer version of this question while you were editing it. Your text is "
    "still below: open the question again in another tab to compare, then save your changes "
    "on top of the newer version."
)


def validate_question(
    bank: Bank, fields: dict, external_id: str
) -> tuple[ParsedQuestion, list[str]]:
    """Check a question's fields with the bank-file loader, as a one-question bank file.

    :return: the parsed question and warnings (formatting that was removed).
    :raises EditError: with every problem.
    """
    fields = {**fields, "id": external_id}
    topics = [{"id": t.slug, "title": t.title} for t in bank.topics]
    document = {
        "format": 1,
        "bank": {"id": bank.slug, "title": bank.title},
        "topics": topics,
        "questions": [fields],
    }
    try:
        parsed_bank = parse_bank(yaml.safe_dump(document, sort_keys=False), "edit")
    except BankFileError as exc:
        raise EditError([p.message for p in exc.problems]) from exc
    parsed = parsed_bank.questions[0]
    missing = media.missing_images(media.shown_images(parsed.stem, parsed.content))
    if missing:
        raise EditError(["a picture of this question is no longer stored: upload it again"])
    return parsed, [p.message for p in parsed_bank.warnings]


def edit_question(
    bank: Bank, question: Question, source: str, *, base_version_id: int | None = None
) -> bool:
    """Validate an edited question (its fields as YAML) and store it as a new version.

    :return: False when nothing changed.
    :raises EditError: with every problem, numbered by the lines of `source`.
    """
    try:
        fields = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise EditError(
            [f"{where}this is not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from exc
    if not isinstance(fields, dict):
        raise EditError(["write the question as fields, one per line (stem:, options:, ...)"])
    return save_question(bank, question, fields, base_version_id=base_version_id)


def save_question(
    bank: Bank, question: Question, fields: dict, *, base_version_id: int | None = None
) -> bool:
    """Validate a question's fields (as a bank file writes them) and store a new version.

    `base_version_id` is the version the editor started from (the current one when None): if
    another save replaced it meanwhile, this one is refused rather than silently undoing it.

    :return: False when nothing changed.
    :raises EditError: with every problem.
    """
    parsed, _ = validate_question(bank, fields, question.external_id)
    # Claim the question while it still shows the base version. On PostgreSQL this locks its
    # row, so a racing save waits and then finds the version changed; SQLite's writers take
    # turns.
    base_version_id = base_version_id or question.current_version_id
    claimed = db.session.execute(
        sa.update(Question)
        .where(Question.id == question.id, Question.current_version_id == base_version_id)
        .values(current_version_id=Question.current_version_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise EditError([STALE_EDIT])
    current = question.current_version
    if current is not None and current.fingerprint == parsed.fingerprint():
        return False
    number = (
        db.session.scalar(
            sa.select(sa.func.max(QuestionVersion.number)).where(
                QuestionVersion.question_id == question.id
            )
        )
        or 0
    ) + 1
    _store_version(bank, question, parsed, number)
    return True


def create_question(bank: Bank, fields: dict) -> Question:
    """Validate a new question's fields and store it with its first version.

    :raises EditError: with every problem.
    """
    base = slugify(plain_text(fields.get("stem") or ""), fallback="q")[:40].strip("-") or "q"
    external_id = f"{base}-{secrets.token_hex(3)}"
    parsed, _ = validate_question(bank, fields, external_id)
    question = Question(bank_id=bank.id, external_id=external_id)
    db.session.add(question)
    db.session.flush()
    _store_version(bank, question, parsed, 1)
    return question


def _store_version(bank: Bank, question: Question, parsed: ParsedQuestion, number: int) -> None:
    topic = db.session.scalar(
        sa.select(Topic).where(Topic.bank_id == bank.id, Topic.slug == parsed.topic_slug)
    )
    _insert_versions([_version_row(parsed, topic, question.id, number)])
    db.session.expire(question)
    logger.info(
        "Question %s of bank %s saved (version %s)", question.external_id, bank.slug, number
    )


def store_uploaded_image(user: User, image: ProcessedImage) -> None:
    """Keep a picture uploaded in the editor (shown to its uploader until a question uses it)."""
    media.store_images([image], uploaded_by_id=user.id)


#: How an owner closes a report, as the student reads it.
REPORT_OUTCOMES = {
    "fixed": "Fixed",
    "answered": "Answered",
    "dismissed": "Dismissed",
}


@dataclass
class QueueEntry:
    """A report as its queue shows it: the version the student saw and that version's stats."""

    report: QuestionReport
    version: QuestionVersion
    question: Question
    bank: Bank
    topic: Topic
    #: The student who reported it, for the bank's owner only (None for anyone else).
    reporter: User | None
    stats: ItemStats | None


def _reports_on_managed_banks(user: User, query):
    query = (
        query.join(QuestionVersion, QuestionVersion.id == QuestionReport.version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(Bank, Bank.id == Question.bank_id)
    )
    return query if user.is_admin else query.where(Bank.owner_id == user.id)


def report_queue(
    user: User, *, include_resolved: bool = False, page: int = 1, per_page: int = 20
) -> tuple[list[QueueEntry], int]:
    """A page of the reports on questions of banks this user manages, newest first, and how
    many there are: four queries whatever the queue's length.

    The reporter's name is given to the bank's owner (an admin for the shipped banks), not to
    an admin looking at another instructor's bank.
    """
    query = (
        _reports_on_managed_banks(
            user, sa.select(QuestionReport, QuestionVersion, Question, Bank, Topic, User)
        )
        .join(User, User.id == QuestionReport.user_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id, isouter=True)
    )
    count = _reports_on_managed_banks(user, sa.select(sa.func.count(QuestionReport.id)))
    if not include_resolved:
        query = query.where(QuestionReport.resolved_at.is_(None))
        count = count.where(QuestionReport.resolved_at.is_(None))
    rows = db.session.execute(
        query.order_by(QuestionReport.created_at.desc(), QuestionReport.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    sums = item_stats.sums_of_versions(row[1].id for row in rows)
    entries = []
    for report, version, question, bank, topic, reporter in rows:
        owner = bank.owner_id == user.id or (bank.owner_id is None and user.is_admin)
        version_sums = sums.get(version.id)
        entries.append(
            QueueEntry(
                report,
                version,
                question,
                bank,
                topic,
                reporter if owner else None,
                analyse_item(version_sums) if version_sums else None,
            )
        )
    return entries, db.session.scalar(count)


def open_report_count(user: User) -> int:
    """How many unresolved reports wait on questions of banks this user manages."""
    query = _reports_on_managed_banks(user, sa.select(sa.func.count(QuestionReport.id)))
    return db.session.scalar(query.where(QuestionReport.resolved_at.is_(None)))


def bank_of_report(report: QuestionReport) -> Bank:
    return db.session.scalar(
        sa.select(Bank)
        .join(Question, Question.bank_id == Bank.id)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.id == report.version_id)
    )


def resolve_report(
    report: QuestionReport,
    *,
    now: datetime,
    outcome: str = "dismissed",
    reply: str | None = None,
    by: User | None = None,
) -> None:
    """Close a report as fixed, answered or dismissed, with a note the student will see on
    their home page (none when `reply` is blank). Closing it again replaces the note."""
    if outcome not in REPORT_OUTCOMES:
        raise ValueError(f"unknown report outcome {outcome!r}")
    reply = (reply or "").strip()
    report.resolved_at = now
    report.outcome = outcome
    report.reply = reply or None
    report.replied_by_id = by.id if by else None
    report.reply_read_at = None
    logger.info("Report %s closed as %s by %s", report.id, outcome, by.email if by else None)


def unread_replies(student: User, *, limit: int = 5) -> list[tuple[QuestionReport, str]]:
    """The closed reports of this student with a note they have not marked read, newest
    first, with the stem of the question they reported (one query)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(QuestionReport, QuestionVersion.stem)
            .join(QuestionVersion, QuestionVersion.id == QuestionReport.version_id)
            .where(
                QuestionReport.user_id == student.id,
                QuestionReport.resolved_at.is_not(None),
                QuestionReport.reply_read_at.is_(None),
                QuestionReport.outcome.is_not(None),
            )
            .order_by(QuestionReport.resolved_at.desc(), QuestionReport.id.desc())
            .limit(limit)
        )
    ]


def mark_reply_read(student: User, report_id: int, *, now: datetime) -> bool:
    """Take a reply off the student's home page; False if it is not one of theirs."""
    result = db.session.execute(
        sa.update(QuestionReport)
        .where(QuestionReport.id == report_id, QuestionReport.user_id == student.id)
        .values(reply_read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def store_pending_import(
    owner: User, *, filename: str, preview: ImportPreview, now: datetime
) -> PendingImport:
    """Keep an upload's preview until it is confirmed; uploads older than a day are dropped."""
    db.session.execute(
        sa.delete(PendingImport).where(PendingImport.created_at < now - PENDING_IMPORT_LIFETIME)
    )
    media.delete_orphan_images(now=now)
    if preview.bank is not None:
        media.store_images(preview.bank.images, uploaded_by_id=owner.id)
        preview = _with_unknown_pictures(preview)
    pending = PendingImport(
        owner_id=owner.id,
        filename=filename[:255],
        preview=preview_to_json(preview),
        created_at=now,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def _with_unknown_pictures(preview: ImportPreview) -> ImportPreview:
    """An error for each picture a question names (media:<hash>) that neither the upload nor
    the store holds: a bank file sent without its media folder."""
    named: dict[str, int | None] = {}
    for question in preview.bank.questions:
        for digest in media.shown_images(question.stem, question.content):
            named.setdefault(digest, question.line)
    problems = [
        ImportProblem(
            named[digest],
            f"the picture media:{digest[:12]}… is not on this site: upload the bank as a zip "
            "with its pictures in a folder named media",
        )
        for digest in media.missing_images(named)
    ]
    return replace(preview, problems=[*preview.problems, *problems]) if problems else preview


def get_pending_import(owner: User, pending_id: int) -> PendingImport | None:
    return db.session.scalar(
        sa.select(PendingImport).where(
            PendingImport.id == pending_id, PendingImport.owner_id == owner.id
        )
    )


def export_bank(bank: Bank, fmt: str) -> tuple[str, str, list[str]]:
    """The bank's questions in use, as (text, mimetype, ids that format cannot express)."""
    topics = list(bank.topics)
    by_id = {t.id: t for t in topics}

    def path(topic: Topic) -> tuple[str, ...]:
        titles = []
        while topic is not None:
            titles.append(topic.title)
            topic = by_id.get(topic.parent_id)
        return tuple(reversed(titles))

    rows = db.session.execute(
        sa.select(Question.external_id, QuestionVersion)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id, Question.retired_at.is_(None))
        .order_by(QuestionVersion.topic_id, Question.external_id)
    ).all()
    questions = [
        exporters.ExportQuestion(
            external_id=external_id,
            type=v.type,
            topic_path=path(by_id[v.topic_id]),
            topic_slug=by_id[v.topic_id].slug,
            difficulty=v.difficulty,
            stem=v.stem,
            content=v.content,
            rationale=v.rationale,
            source=v.source,
            tags=tuple(v.tags or ()),
        )
        for external_id, v in rows
    ]
    if fmt == "gift":
        text, skipped = exporters.to_gift(questions)
        return text, "text/plain", skipped
    images = _export_images(questions)
    if fmt == "xml":
        return exporters.to_moodle_xml(questions, images), "application/xml", []

    def tree(parent_id):
        return tuple(
            exporters.ExportTopic(t.slug, t.title, tree(t.id))
            for t in topics
            if t.parent_id == parent_id
        )

    text = exporters.to_native(
        slug=bank.slug, title=bank.title, description=bank.description, topics=tree(None),
        questions=questions, images=images,
    )  # fmt: skip
    if images:
        return exporters.native_package(f"{bank.slug}.yaml", text, images), "application/zip", []
    return text, "application/yaml", []


def _export_images(questions: list[exporters.ExportQuestion]) -> dict[str, exporters.ExportImage]:
    """The pictures the exported questions show, read in one query."""
    digests = {d for q in questions for d in media.shown_images(q.stem, q.content)}
    if not digests:
        return {}
    rows = db.session.execute(
        sa.select(Image.digest, Image.mimetype, Image.data).where(Image.digest.in_(digests))
    )
    return {digest: exporters.ExportImage(mimetype, data) for digest, mimetype, data in rows}
