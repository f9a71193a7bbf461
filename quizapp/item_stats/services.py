"""Keep the item-analysis sums up to date as exam-mode attempts are graded, rebuild them from
the responses, and read them back: a bank's analysis reads one row per question version, a
class's one row per student and version, however long the history."""

import logging
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from quizapp.banks.models import Blueprint, Question, QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion, Mode, Status
from quizapp.extensions import db
from quizapp.item_stats.models import (
    ITEM_SUMS_COLUMNS,
    OPTION_COLUMNS,
    BlueprintStats,
    StudentBlueprintStats,
    StudentVersionStats,
    VersionStats,
)
from quizapp.scoring.item_analysis import (
    CHOICE_TYPES,
    POINTS_SCALE,
    ItemSums,
    TotalSums,
    response_sums,
    scaled,
)
from quizapp.utils import add_counts, lock_for_rebuild

logger = logging.getLogger(__name__)

_RESPONSES = (
    sa.select(
        Attempt.id,
        Attempt.user_id,
        Attempt.blueprint_id,
        Attempt.question_count,
        Attempt.score_points,
        Attempt.percent,
        AttemptQuestion.version_id,
        QuestionVersion.type,
        AttemptQuestion.score,
        AttemptQuestion.response,
    )
    .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
    .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
    .where(Attempt.status == Status.FINISHED.value, Attempt.mode == Mode.EXAM.value)
)


_IDS_PER_QUERY = 500
TABLES = (VersionStats, StudentVersionStats, BlueprintStats, StudentBlueprintStats)


class _Sums:
    """Sums of some attempts' responses, keyed like the four tables' primary keys."""

    def __init__(self) -> None:
        self.versions: dict[int, ItemSums] = defaultdict(ItemSums)
        self.student_versions: dict[tuple[int, int], ItemSums] = defaultdict(ItemSums)
        self.blueprints: dict[tuple[int, int], TotalSums] = defaultdict(TotalSums)
        self.student_blueprints: dict[tuple[int, int, int], TotalSums] = defaultdict(TotalSums)

    def add(self, rows: Iterable) -> int:
        """Add response rows (as _RESPONSES selects them); return how many."""
        seen_attempts = set()
        count = 0
        for row in rows:
            attempt_id, user_id, blueprint_id, k, points, percent, version_id, qtype = row[:8]
            score, response = row[8:]
            sums = response_sums(score, percent, response, choice=qtype in CHOICE_TYPES)
            _add(self.versions, version_id, sums)
            _add(self.student_versions, (user_id, version_id), sums)
            count += 1
            if blueprint_id is not None and attempt_id not in seen_attempts:
                seen_attempts.add(attempt_id)
                x = scaled(points, POINTS_SCALE)
                totals = TotalSums(1, x, x * x)
                self.blueprints[blueprint_id, k] += totals
                self.student_blueprints[user_id, blueprint_id, k] += totals
        return count

    def write(self) -> None:
        """Add these sums to the tables: one batched upsert per table, rows in key order (so
        concurrent transactions lock shared rows in the same order and cannot deadlock)."""
        add_counts(VersionStats, _item_rows(self.versions, ("version_id",)))
        add_counts(
            StudentVersionStats,
            _item_rows(self.student_versions, ("user_id", "version_id")),
        )
        add_counts(
            BlueprintStats,
            _total_rows(self.blueprints, ("blueprint_id", "question_count")),
        )
        add_counts(
            StudentBlueprintStats,
            _total_rows(self.student_blueprints, ("user_id", "blueprint_id", "question_count")),
        )


def _add(sums: dict, key, more: ItemSums) -> None:
    """sums[key] += more, without adding to a zero first (most keys appear once per attempt)."""
    sums[key] = sums[key] + more if key in sums else more


def _key_dict(names: tuple[str, ...], key) -> dict:
    return dict(zip(names, key if isinstance(key, tuple) else (key,), strict=True))


def _item_rows(sums: dict, names: tuple[str, ...]) -> list[dict]:
    return [
        _key_dict(names, key)
        | {c: getattr(s, c) for c in ITEM_SUMS_COLUMNS}
        | dict(zip(OPTION_COLUMNS, s.options, strict=True))
        for key, s in sorted(sums.items())
    ]


def _total_rows(sums: dict, names: tuple[str, ...]) -> list[dict]:
    return [
        _key_dict(names, key) | {"count": s.count, "total": s.total, "total_sq": s.total_sq}
        for key, s in sorted(sums.items())
    ]


def record_finished_attempts(attempt_ids: list[int]) -> None:
    """Add just-graded attempts to the sums, those in exam mode (tutor attempts are not
    analysed); flushes with the caller's transaction, so grades and sums commit together."""
    sums = _Sums()
    for start in range(0, len(attempt_ids), _IDS_PER_QUERY):
        chunk = attempt_ids[start : start + _IDS_PER_QUERY]
        sums.add(db.session.execute(_RESPONSES.where(Attempt.id.in_(chunk))))
    sums.write()


def rebuild_item_stats() -> int:
    """Recompute every sum from the responses of finished exam-mode attempts.

    On PostgreSQL the tables are locked against writes first: an attempt graded meanwhile
    either committed before (and is counted here) or adds itself after this commits.

    :return: the number of responses counted.
    """
    lock_for_rebuild(db.session, TABLES)
    for model in TABLES:
        db.session.execute(sa.delete(model))
    sums = _Sums()
    count = sums.add(db.session.execute(_RESPONSES.execution_options(yield_per=10_000)))
    sums.write()
    logger.info("Item statistics rebuilt from %s responses", count)
    return count


# --- reading ------------------------------------------------------------------------------


def _item_sums(values: list) -> ItemSums:
    """ItemSums from a row of ITEM_SUMS_COLUMNS then OPTION_COLUMNS (PostgreSQL sums them as
    numerics: made whole numbers again)."""
    counts = [int(v) for v in values]
    split = len(ITEM_SUMS_COLUMNS)
    return ItemSums(*counts[:split], options=tuple(counts[split:]))


def version_sums(bank_id: int, user_ids: list[int] | None = None) -> dict[int, ItemSums]:
    """Sums per question version of a bank, over everyone's or these users' exam answers."""
    if user_ids is None:
        model, where = VersionStats, sa.true()
    else:
        model, where = StudentVersionStats, StudentVersionStats.user_id.in_(user_ids)
    columns = [model.__table__.c[c] for c in ITEM_SUMS_COLUMNS + OPTION_COLUMNS]
    if user_ids is not None:
        columns = [sa.func.sum(c) for c in columns]
    query = (
        sa.select(model.version_id, *columns)
        .join(QuestionVersion, QuestionVersion.id == model.version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.bank_id == bank_id, where)
    )
    if user_ids is not None:
        query = query.group_by(model.version_id)
    return {version_id: _item_sums(sums) for version_id, *sums in db.session.execute(query)}


def blueprint_sums(user_ids: list[int] | None = None) -> list[tuple[str, int, TotalSums]]:
    """(title, questions, sums of points) per blueprint title and test length, by title."""
    if user_ids is None:
        model, where = BlueprintStats, sa.true()
    else:
        model, where = StudentBlueprintStats, StudentBlueprintStats.user_id.in_(user_ids)
    query = (
        sa.select(
            Blueprint.title,
            model.question_count,
            sa.func.sum(model.count),
            sa.func.sum(model.total),
            sa.func.sum(model.total_sq),
        )
        .join(Blueprint, Blueprint.id == model.blueprint_id)
        .where(where)
        .group_by(Blueprint.title, model.question_count)
        .order_by(Blueprint.title, model.question_count)
    )
    return [
        (title, k, TotalSums(int(n), int(total), int(total_sq)))
        for title, k, n, total, total_sq in db.session.execute(query)
    ]


_VERSION_SUMS = sa.select(
    VersionStats.version_id,
    *(VersionStats.__table__.c[c] for c in ITEM_SUMS_COLUMNS + OPTION_COLUMNS),
)


def sums_of_versions(version_ids: Iterable[int]) -> dict[int, ItemSums]:
    """Everyone's sums for these question versions, in one query (none for a version nobody
    has answered in exam mode yet)."""
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    rows = db.session.execute(_VERSION_SUMS.where(VersionStats.version_id.in_(ids)))
    return {version_id: _item_sums(sums) for version_id, *sums in rows}
