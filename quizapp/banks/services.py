"""Load banks and blueprints into the database, versioning questions; count and pool them.

Services flush but never commit: the command or view that calls them owns the transaction.
"""

import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.assignments.models import Assignment
from quizapp.auth.models import User
from quizapp.banks.drawing import draw_questions
from quizapp.banks.images import MAX_IMAGE_BYTES
from quizapp.banks.importers.base import slugify
from quizapp.banks.loader import (
    MEDIA_FOLDER,
    BankFileError,
    BlueprintSection,
    FileProblem,
    ParsedBank,
    ParsedBlueprint,
    blueprint_problems,
    parse_bank,
    parse_blueprint,
    read_bank_file,
    tag_values,
)
from quizapp.banks.media import record_version_images, store_images
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion, Topic
from quizapp.classes.services import instructors_of
from quizapp.extensions import db
from quizapp.lti.models import LtiResourceLink
from quizapp.review import cards as review_cards

logger = logging.getLogger(__name__)

BANK_SUFFIXES = (".yaml", ".yml", ".json")


class BankOwnershipError(ValueError):
    """A file tries to replace a bank that belongs to someone else."""


@dataclass
class SyncReport:
    """What one bank's sync did."""

    bank: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.restored)

    def __str__(self) -> str:
        return (
            f"{self.bank}: {self.created} new, {self.updated} changed, {self.unchanged} unchanged, "
            f"{self.retired} retired, {self.restored} restored"
        )


@dataclass
class DirectorySyncResult:
    reports: list[SyncReport] = field(default_factory=list)
    blueprints: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def _sync_topics(bank: Bank, parsed: ParsedBank, *, now: datetime) -> dict[str, Topic]:
    """Create and update the bank's topics; a change marks the bank updated (cached reports
    that show topic titles are keyed by the banks' update times)."""
    topics = {t.slug: t for t in bank.topics}
    for parsed_topic in parsed.topics:
        topic = topics.get(parsed_topic.slug)
        if topic is None:
            topic = Topic(slug=parsed_topic.slug)
            bank.topics.append(topic)
            topics[parsed_topic.slug] = topic
        topic.title = parsed_topic.title
        topic.position = parsed_topic.position
    changed = _any_changed(bank.topics)
    db.session.flush()
    for parsed_topic in parsed.topics:
        parent = topics[parsed_topic.parent_slug] if parsed_topic.parent_slug else None
        topics[parsed_topic.slug].parent_id = parent.id if parent else None
    if changed or _any_changed(bank.topics):
        bank.updated_at = now
    return topics


def _any_changed(objects) -> bool:
    return any(obj in db.session.new or db.session.is_modified(obj) for obj in objects)


def _version_row(parsed, topic: Topic, question_id: int, number: int) -> dict:
    return {
        "question_id": question_id,
        "number": number,
        "type": parsed.type,
        "stem": parsed.stem,
        "content": parsed.content,
        "rationale": parsed.rationale,
        "topic_id": topic.id,
        "difficulty": parsed.difficulty,
        "source": parsed.source,
        "tags": list(parsed.tags),
        "fingerprint": parsed.fingerprint(),
    }


def _insert_versions(rows: list[dict]) -> None:
    """Insert versions in bulk and make each its question's current version."""
    if not rows:
        return
    ids = db.session.execute(
        sa.insert(QuestionVersion).returning(QuestionVersion.id, sort_by_parameter_order=True),
        rows,
    ).scalars()
    ids = list(ids)
    db.session.execute(
        sa.update(Question),
        [
            {"id": row["question_id"], "current_version_id": version_id}
            for row, version_id in zip(rows, ids, strict=True)
        ],
    )
    review_cards.forget_changed_keys(rows)
    record_version_images(
        [
            (version_id, row["stem"], row["content"])
            for row, version_id in zip(rows, ids, strict=True)
        ]
    )


def sync_bank(parsed: ParsedBank, *, now: datetime, owner_id: int | None = None) -> SyncReport:
    """Make the database hold exactly this bank: new questions created, edited ones versioned,
    unchanged ones untouched, missing ones retired.

    :raises BankOwnershipError: when the slug belongs to another owner's bank.
    """
    store_images(parsed.images, uploaded_by_id=owner_id)
    bank = db.session.scalar(sa.select(Bank).where(Bank.slug == parsed.slug))
    if bank is None:
        bank = Bank(slug=parsed.slug, owner_id=owner_id)
        db.session.add(bank)
    elif bank.owner_id != owner_id:
        raise BankOwnershipError(f"the bank id {parsed.slug!r} is already used by another bank")
    if bank.title != parsed.title:
        bank.title = parsed.title
    if bank.description != parsed.description:
        bank.description = parsed.description
    db.session.flush()
    topics = _sync_topics(bank, parsed, now=now)

    existing = {
        question.external_id: (question, fingerprint, number)
        for question, fingerprint, number in db.session.execute(
            sa.select(Question, QuestionVersion.fingerprint, QuestionVersion.number)
            .outerjoin(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(Question.bank_id == bank.id)
        ).all()
    }
    report = SyncReport(bank=parsed.slug)
    new = [q for q in parsed.questions if q.external_id not in existing]
    # New questions and their first versions go in with a few bulk statements, whatever the size.
    if new:
        new_ids = db.session.execute(
            sa.insert(Question).returning(Question.id, sort_by_parameter_order=True),
            [{"bank_id": bank.id, "external_id": q.external_id} for q in new],
        ).scalars()
        version_rows = [
            _version_row(q, topics[q.topic_slug], question_id, 1)
            for q, question_id in zip(new, new_ids, strict=True)
        ]
        report.created = len(new)
    else:
        version_rows = []
    for parsed_question in parsed.questions:
        found = existing.get(parsed_question.external_id)
        if found is None:
            continue
        question, fingerprint, number = found
        if question.retired_at is not None:
            question.retired_at = None
            report.restored += 1
        if fingerprint == parsed_question.fingerprint():
            report.unchanged += 1
        else:
            topic = topics[parsed_question.topic_slug]
            version_rows.append(
                _version_row(parsed_question, topic, question.id, (number or 0) + 1)
            )
            report.updated += 1
    _insert_versions(version_rows)
    keep = {q.external_id for q in parsed.questions}
    for external_id, (question, _, _) in existing.items():
        if external_id not in keep and question.retired_at is None:
            question.retired_at = now
            report.retired += 1
    db.session.flush()
    if report.changed:
        logger.info("Synced bank %s", report)
    return report


def bank_topic_slugs() -> dict[str, set[str]]:
    slugs: dict[str, set[str]] = defaultdict(set)
    for bank_slug, topic_slug in db.session.execute(
        sa.select(Bank.slug, Topic.slug).outerjoin(Topic, Topic.bank_id == Bank.id)
    ):
        slugs[bank_slug]
        if topic_slug:
            slugs[bank_slug].add(topic_slug)
    return dict(slugs)


def sync_blueprint(parsed: ParsedBlueprint, *, owner_id: int | None = None) -> Blueprint:
    blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == parsed.slug))
    if blueprint is None:
        blueprint = Blueprint(slug=parsed.slug, owner_id=owner_id)
        db.session.add(blueprint)
    elif blueprint.owner_id != owner_id:
        raise BankOwnershipError(f"the blueprint id {parsed.slug!r} is already in use")
    values = {
        "title": parsed.title,
        "description": parsed.description,
        "time_limit_minutes": parsed.time_limit_minutes,
        "passing_percent": parsed.passing_percent,
        "sections": [
            {"bank": s.bank_slug, "topic": s.topic_slug, "questions": s.questions, "title": s.title}
            for s in parsed.sections
        ],
        "segments": [
            {"title": s.title, "minutes": s.minutes, "questions": s.questions}
            for s in parsed.segments
        ],
        "adaptive": parsed.adaptive,
        "retired_at": None,
    }
    for name, value in values.items():
        if (
            getattr(blueprint, name) != value
        ):  # assign only changes: an unchanged sync writes nothing
            setattr(blueprint, name, value)
    db.session.flush()
    return blueprint


def _bank_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in BANK_SUFFIXES and p.is_file())


def media_folder_reader(folder: Path):
    """Reads a bank file's pictures, ``media/<name>``, from the folder beside it (None when
    missing or larger than a picture may be). The loader allows only plain names in media/."""
    media = (folder / MEDIA_FOLDER).resolve()

    def read(relative: str) -> bytes | None:
        path = (folder / relative).resolve()
        if path.parent != media or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        return path.read_bytes()

    return read


def sync_directory(directory: Path, *, now: datetime) -> DirectorySyncResult:
    """Load every bank in `directory` and every blueprint in `directory/blueprints`.

    A file with any problem is skipped whole (its bank keeps what it had) and its problems
    reported; the other files still load. Shipped blueprints missing from the folder are retired.
    """
    result = DirectorySyncResult()
    for path in _bank_files(directory):
        try:
            parsed = parse_bank(read_bank_file(path), str(path), media_folder_reader(path.parent))
            result.reports.append(sync_bank(parsed, now=now))
        except BankFileError as exc:
            result.problems.extend(exc.problems)
        except BankOwnershipError as exc:
            result.problems.append(FileProblem(str(path), None, str(exc)))

    blueprint_dir = directory / "blueprints"
    seen = set()
    known_topics = bank_topic_slugs()
    for path in _bank_files(blueprint_dir) if blueprint_dir.is_dir() else []:
        try:
            parsed_blueprint = parse_blueprint(read_bank_file(path), str(path))
        except BankFileError as exc:
            result.problems.extend(exc.problems)
            continue
        seen.add(parsed_blueprint.slug)
        problems = blueprint_problems(parsed_blueprint, known_topics, str(path))
        if problems:
            result.problems.extend(problems)
            continue
        sync_blueprint(parsed_blueprint)
        result.blueprints.append(parsed_blueprint.slug)
    for blueprint in db.session.scalars(
        sa.select(Blueprint).where(Blueprint.owner_id.is_(None), Blueprint.retired_at.is_(None))
    ):
        if blueprint.slug not in seen:
            blueprint.retired_at = now
    db.session.flush()
    return result


def active_questions_query():
    """Questions still in use, joined to their current version."""
    return (
        sa.select(Question, QuestionVersion)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.retired_at.is_(None))
    )


@dataclass
class BankSummary:
    bank: Bank
    total: int
    by_type: Counter
    by_difficulty: Counter
    #: Questions per topic id, including those of every topic below it.
    by_topic: Counter


def bank_summaries(banks: list[Bank]) -> dict[int, BankSummary]:
    """Question counts per bank, type, difficulty and topic subtree, in two queries."""
    summaries = {b.id: BankSummary(b, 0, Counter(), Counter(), Counter()) for b in banks}
    if not banks:
        return summaries
    rows = db.session.execute(
        sa.select(
            Question.bank_id,
            QuestionVersion.type,
            QuestionVersion.difficulty,
            QuestionVersion.topic_id,
            sa.func.count(),
        )
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.retired_at.is_(None), Question.bank_id.in_(summaries))
        .group_by(
            Question.bank_id,
            QuestionVersion.type,
            QuestionVersion.difficulty,
            QuestionVersion.topic_id,
        )
    ).all()
    parents = dict(
        db.session.execute(
            sa.select(Topic.id, Topic.parent_id).where(Topic.bank_id.in_(summaries))
        ).all()
    )
    for bank_id, qtype, difficulty, topic_id, count in rows:
        summary = summaries[bank_id]
        summary.total += count
        summary.by_type[qtype] += count
        summary.by_difficulty[difficulty] += count
        while topic_id is not None:
            summary.by_topic[topic_id] += count
            topic_id = parents.get(topic_id)
    return summaries


def topic_subtree_ids(bank_id: int, topic_slug: str | None) -> list[int] | None:
    """Ids of a topic and all topics below it; None means the whole bank."""
    if topic_slug is None:
        return None
    topics = db.session.execute(
        sa.select(Topic.id, Topic.slug, Topic.parent_id).where(Topic.bank_id == bank_id)
    ).all()
    children = defaultdict(list)
    root = None
    for topic_id, slug, parent_id in topics:
        children[parent_id].append(topic_id)
        if slug == topic_slug:
            root = topic_id
    if root is None:
        return []
    found, stack = [], [root]
    while stack:
        topic_id = stack.pop()
        found.append(topic_id)
        stack.extend(children[topic_id])
    return found


def blueprint_sections(blueprint: Blueprint) -> list[BlueprintSection]:
    return [
        BlueprintSection(s["bank"], s.get("topic"), s["questions"], s.get("title"))
        for s in blueprint.sections
    ]


def section_pools(blueprint: Blueprint) -> list[list[int]]:
    """For each section, the ids of the active questions it may draw from (none from an
    archived bank, which no attempt may hold)."""
    banks = {
        b.slug: b
        for b in db.session.scalars(
            sa.select(Bank).where(
                Bank.slug.in_({s["bank"] for s in blueprint.sections}), Bank.archived_at.is_(None)
            )
        )
    }
    pools = []
    for section in blueprint_sections(blueprint):
        bank = banks.get(section.bank_slug)
        if bank is None:
            pools.append([])
            continue
        query = (
            sa.select(Question.id)
            .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(Question.bank_id == bank.id, Question.retired_at.is_(None))
        )
        topic_ids = topic_subtree_ids(bank.id, section.topic_slug)
        if topic_ids is not None:
            query = query.where(QuestionVersion.topic_id.in_(topic_ids))
        pools.append(list(db.session.scalars(query)))
    return pools


#: Bank owner of the shipped banks in an enemy group's scope.
SHIPPED_SCOPE = "shipped"


def enemy_groups(question_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The enemy groups (`enemy:` tags of the current versions) of these questions, as scoped
    keys "<owner id or shipped>:<slug>", for questions that have any; one query.

    A slug is shared by the banks of one owner (all shipped banks form one scope), so a group
    can span banks, and two instructors choosing the same slug never constrain each other.
    Every draw passes these to banks.drawing (draw_questions, or compatible for a builder
    that ranks its own candidates).
    """
    ids = set(question_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Question.id, Bank.owner_id, QuestionVersion.tags)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(
            Question.id.in_(ids),
            sa.cast(QuestionVersion.tags, sa.String).like('%"enemy:%'),
        )
    )
    groups = {}
    for question_id, owner_id, tags in rows:
        scope = SHIPPED_SCOPE if owner_id is None else str(owner_id)
        slugs = tag_values(tags or (), "enemy")
        if slugs:
            groups[question_id] = frozenset(f"{scope}:{slug}" for slug in slugs)
    return groups


def draw_blueprint(blueprint: Blueprint, *, seed: int) -> list[int]:
    """The question ids of one form of the blueprint (sections and enemy groups honoured).

    :raises NotEnoughQuestionsError: naming each section that cannot be filled.
    """
    pools = section_pools(blueprint)
    return draw_questions(
        blueprint_sections(blueprint),
        pools,
        seed=seed,
        groups=enemy_groups(q for pool in pools for q in pool),
    )


def visible_banks_query(user, *, with_topics: bool = False):
    """Banks a user may browse and practice (archived ones never).

    Shipped banks and public ones for everyone; an instructor's "classes" banks for the
    students of that instructor's classes; private banks for their owner; all for an admin.
    `with_topics` loads every bank's topics in one more query (pages that list them).
    """
    query = sa.select(Bank).where(Bank.archived_at.is_(None)).order_by(Bank.title)
    if with_topics:
        query = query.options(so.selectinload(Bank.topics))
    if user.is_admin:
        return query
    my_instructors = instructors_of(user.id)
    return query.where(
        sa.or_(
            Bank.owner_id.is_(None),
            Bank.owner_id == user.id,
            Bank.visibility == "public",
            sa.and_(Bank.visibility == "classes", Bank.owner_id.in_(my_instructors)),
        )
    )


def visible_blueprints_query(user):
    """Practice tests a user may take: the shipped ones, an instructor's own, and those made
    by the instructors of the user's classes (all of them for an admin)."""
    query = sa.select(Blueprint).where(Blueprint.retired_at.is_(None)).order_by(Blueprint.title)
    if user.is_admin:
        return query
    my_instructors = instructors_of(user.id)
    return query.where(
        sa.or_(
            Blueprint.owner_id.is_(None),
            Blueprint.owner_id == user.id,
            Blueprint.owner_id.in_(my_instructors),
        )
    )


def practice_blueprints_query(user):
    """Tests a user may start on their own: the visible ones, less an instructor's tests that
    are assigned to a class or placed in an LMS. Those start only through their assignment or
    link, with its window, mode and attempt limit, so that no one reads the questions and keys
    in tutor mode first. Shipped tests stay open to all; a test's owner and admins may try it."""
    query = visible_blueprints_query(user)
    if user.is_admin:
        return query
    reserved = sa.or_(
        sa.exists().where(Assignment.blueprint_id == Blueprint.id),
        sa.exists().where(LtiResourceLink.blueprint_id == Blueprint.id),
    )
    return query.where(
        sa.or_(Blueprint.owner_id.is_(None), Blueprint.owner_id == user.id, sa.not_(reserved))
    )


def create_blueprint(
    owner: User,
    *,
    title: str,
    description: str,
    time_limit_minutes: int,
    passing_percent: float,
    sections: list[BlueprintSection],
) -> Blueprint:
    """An instructor's practice test over banks they can see; checked drawable now.

    :raises NotEnoughQuestionsError: naming each section with too few questions.
    """
    blueprint = Blueprint(
        slug=f"{slugify(title, fallback='test')[:60]}-{secrets.token_hex(3)}",
        title=title.strip(),
        description=description.strip(),
        time_limit_minutes=time_limit_minutes,
        passing_percent=passing_percent,
        sections=[
            {"bank": s.bank_slug, "topic": s.topic_slug, "questions": s.questions, "title": s.title}
            for s in sections
        ],
        segments=[],
        owner_id=owner.id,
    )
    draw_blueprint(blueprint, seed=0)  # raises if it cannot be drawn
    db.session.add(blueprint)
    db.session.flush()
    logger.info("Practice test %s created by %s", blueprint.slug, owner.email)
    return blueprint


def topic_rows(bank: Bank) -> list[tuple[Topic, int]]:
    """The bank's topics in tree order, each with its depth (0 for top-level topics)."""
    depth: dict[int, int] = {}
    rows = []
    for topic in bank.topics:  # ordered by position, so parents come before children
        depth[topic.id] = depth.get(topic.parent_id, -1) + 1 if topic.parent_id else 0
        rows.append((topic, depth[topic.id]))
    return rows


def available_questions(banks: list[Bank]) -> dict[tuple[int, int | None], int]:
    """How many active questions a part of a practice test could draw: per (bank id, None)
    for the whole bank and per (bank id, topic id) for a topic with its subtopics. One grouped
    query; the banks' topics must be loaded (visible_banks_query(with_topics=True))."""
    direct: dict[tuple[int, int], int] = dict(
        ((bank_id, topic_id), n)
        for bank_id, topic_id, n in db.session.execute(
            sa.select(Question.bank_id, QuestionVersion.topic_id, sa.func.count(Question.id))
            .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(Question.bank_id.in_([b.id for b in banks]), Question.retired_at.is_(None))
            .group_by(Question.bank_id, QuestionVersion.topic_id)
        )
    )
    counts: dict[tuple[int, int | None], int] = {}
    for bank in banks:
        subtree = {topic.id: direct.get((bank.id, topic.id), 0) for topic in bank.topics}
        for topic in reversed(bank.topics):  # children come after their parents
            if topic.parent_id in subtree:
                subtree[topic.parent_id] += subtree[topic.id]
        counts[(bank.id, None)] = sum(n for (b, _), n in direct.items() if b == bank.id)
        counts |= {(bank.id, topic_id): n for topic_id, n in subtree.items()}
    return counts


def blueprint_availability(blueprint: Blueprint) -> list[tuple[BlueprintSection, int]]:
    """Each section of a blueprint with the number of questions it can draw from now."""
    return list(zip(blueprint_sections(blueprint), map(len, section_pools(blueprint)), strict=True))
