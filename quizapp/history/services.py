"""Queries behind the progress pages: history, scores per bank over time, topic mastery,
and the responses that item analysis needs. Scores and mastery read the per-student
aggregates (quizapp.history.aggregates): a few rows per bank or topic, whatever the history."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from quizapp.auth.models import User
from quizapp.banks.models import Bank, Question, QuestionVersion, Topic
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode, Status
from quizapp.extensions import db
from quizapp.history.models import StudentBankScores, StudentTopicMastery
from quizapp.item_stats import services as item_stats
from quizapp.scoring.item_analysis import (
    ItemStats,
    analyse_item,
    kr21,
    standard_error_of_measurement,
)
from quizapp.scoring.recent import unstamp

WEAKEST_TOPICS = 3
WEAKEST_TEST_SIZE = 20
#: A topic is ranked (shown in mastery, chosen as weak) only after this many answers on it.
MIN_ANSWERS_FOR_MASTERY = 5


@dataclass(frozen=True)
class TopicMastery:
    bank_id: int
    bank_slug: str
    bank_title: str
    topic_slug: str
    topic_title: str
    answered: int
    points: float

    @property
    def percent(self) -> float:
        return 100 * self.points / self.answered if self.answered else 0.0


def finished_attempts_query(user_ids: list[int], bank_id: int | None = None):
    """Finished attempts of these users, newest first; optionally only those using a bank."""
    query = (
        sa.select(Attempt)
        .where(Attempt.user_id.in_(user_ids), Attempt.status == Status.FINISHED.value)
        .order_by(Attempt.finished_at.desc(), Attempt.id.desc())
    )
    if bank_id is not None:
        uses_bank = (
            sa.select(AttemptQuestion.id)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .where(AttemptQuestion.attempt_id == Attempt.id, Question.bank_id == bank_id)
            .exists()
        )
        query = query.where(uses_bank)
    return query


def score_series(user_id: int) -> dict[str, list[tuple[datetime, float]]]:
    """Per bank title, the student's percent on that bank's questions in each of their latest
    SCORE_SERIES_POINTS finished attempts using it, oldest first."""
    rows = db.session.execute(
        sa.select(Bank.title, StudentBankScores.recent)
        .join(Bank, Bank.id == StudentBankScores.bank_id)
        .where(StudentBankScores.user_id == user_id)
    )
    return {
        title: [(unstamp(finished), round(percent, 1)) for finished, _, percent in recent]
        for title, recent in rows
    }


def pass_mark(user_id: int) -> float | None:
    """The passing percent of the student's latest finished test, preferring practice tests
    (blueprints) to custom ones; None before any finished test."""
    return db.session.scalar(
        sa.select(Attempt.passing_percent)
        .where(Attempt.user_id == user_id, Attempt.status == Status.FINISHED.value)
        .order_by(Attempt.blueprint_id.is_(None), Attempt.finished_at.desc())
        .limit(1)
    )


def ranked_topics(mastery: list[TopicMastery]) -> list[TopicMastery]:
    """The topics with enough answers (MIN_ANSWERS_FOR_MASTERY) to say how well they are known."""
    return [t for t in mastery if t.answered >= MIN_ANSWERS_FOR_MASTERY]


def _weakest_first(rows: list[TopicMastery]) -> list[TopicMastery]:
    return sorted(rows, key=lambda t: (t.percent, -t.answered, t.topic_title))


def topic_mastery(user_id: int) -> list[TopicMastery]:
    """Percent correct per topic over the student's RECENT_ANSWERS_PER_TOPIC latest graded
    answers on it, weakest first."""
    rows = db.session.execute(
        sa.select(
            Bank.id, Bank.slug, Bank.title, Topic.slug, Topic.title, StudentTopicMastery.recent
        )
        .join(Topic, Topic.id == StudentTopicMastery.topic_id)
        .join(Bank, Bank.id == Topic.bank_id)
        .where(StudentTopicMastery.user_id == user_id)
    )
    return _weakest_first(
        [
            TopicMastery(*names, len(recent), sum(score for _, _, score in recent))
            for *names, recent in rows
        ]
    )


def class_topic_mastery(user_ids) -> list[TopicMastery]:
    """Percent correct per topic over every graded answer of these users (a list of ids or a
    select of them), weakest first."""
    # Summed per topic first, then named: joining names to every student's row cost SQLite
    # 27 of the 85 ms of a 1,000-student class report.
    totals = (
        sa.select(
            StudentTopicMastery.topic_id,
            sa.func.sum(StudentTopicMastery.answered).label("answered"),
            sa.func.sum(StudentTopicMastery.points).label("points"),
        )
        .where(StudentTopicMastery.user_id.in_(user_ids))
        .group_by(StudentTopicMastery.topic_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Bank.id,
            Bank.slug,
            Bank.title,
            Topic.slug,
            Topic.title,
            totals.c.answered,
            totals.c.points,
        )
        .join(Topic, Topic.id == totals.c.topic_id)
        .join(Bank, Bank.id == Topic.bank_id)
    )
    return _weakest_first([TopicMastery(*row) for row in rows])


def questions_answered(user_id: int) -> int:
    """How many of the student's answers have been graded."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(StudentTopicMastery.answered), 0)).where(
            StudentTopicMastery.user_id == user_id
        )
    )


def start_weakest_topics_attempt(user: User, *, now: datetime) -> Attempt:
    """A tutor-mode test on the student's weakest topics (with enough answers to judge).

    :raises exam_services.CannotStartError: when nothing is weak yet or too few questions exist.
    """
    weak = [t for t in ranked_topics(topic_mastery(user.id)) if t.percent < 100][:WEAKEST_TOPICS]
    if not weak:
        raise exam_services.CannotStartError(
            f"Answer at least {MIN_ANSWERS_FOR_MASTERY} questions on a topic first: there is "
            "no weak topic to practice yet."
        )
    selections = tuple((t.bank_id, t.topic_slug) for t in weak)
    _, pool = exam_services.custom_pool(user, selections, "all")
    count = min(WEAKEST_TEST_SIZE, len(pool))
    test = exam_services.CustomTest(selections=selections, count=count, mode=Mode.TUTOR)
    attempt = exam_services.start_custom_attempt(user, test, now=now)
    attempt.title = "Weakest topics: " + ", ".join(t.topic_title for t in weak)
    return attempt


# --- item analysis ------------------------------------------------------------------------


@dataclass
class ItemRow:
    version: QuestionVersion
    external_id: str
    stats: ItemStats


@dataclass
class BlueprintReliability:
    title: str
    attempts: int
    questions: int
    reliability: float | None
    sem_points: float | None


#: Rows per page of the item analysis table.
ITEMS_PER_PAGE = 50


class ListPagination(Pagination):
    """A page of an already ordered list, with Flask-SQLAlchemy's page arithmetic and links."""

    def _query_items(self) -> list:
        return self._query_args["ordered"][self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["ordered"])


def _ranked_item_stats(bank_id: int, user_ids: list[int] | None) -> list[tuple]:
    """(version id, external id, statistics) of every question version of a bank answered in
    finished exam-mode attempts (of these users, or of everyone), flagged items first. Reads the
    sums kept per version (per student and version for a class), never the responses."""
    sums = item_stats.version_sums(bank_id, user_ids)
    if not sums:
        return []
    names = db.session.execute(
        sa.select(QuestionVersion.id, Question.external_id, QuestionVersion.number)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(sums))
    ).all()
    ranked = [
        (version_id, external_id, number, analyse_item(sums[version_id]))
        for version_id, external_id, number in names
    ]
    ranked.sort(key=lambda r: (not r[3].flags, r[1], r[2]))
    return [(version_id, external_id, stats) for version_id, external_id, _, stats in ranked]


def _item_rows(ranked: list[tuple]) -> list[ItemRow]:
    versions = {
        v.id: v
        for v in db.session.scalars(
            sa.select(QuestionVersion).where(QuestionVersion.id.in_([r[0] for r in ranked]))
        )
    }
    return [
        ItemRow(versions[version_id], external_id, stats)
        for version_id, external_id, stats in ranked
    ]


def item_analysis(*, bank_id: int, user_ids: list[int] | None = None) -> list[ItemRow]:
    """Statistics of every answered question version of a bank, flagged items first."""
    return _item_rows(_ranked_item_stats(bank_id, user_ids))


def item_analysis_page(
    *, bank_id: int, user_ids: list[int] | None = None, page: int, per_page: int = ITEMS_PER_PAGE
) -> ListPagination:
    """One page of `item_analysis`: every version's statistics come from its sums (a few
    numbers each), but only the page's versions are loaded and shown, so the page costs the
    same for a bank of 100 questions or of 5,000."""
    pagination = ListPagination(
        page=page, per_page=per_page, error_out=False, ordered=_ranked_item_stats(bank_id, user_ids)
    )
    pagination.items = _item_rows(pagination.items)
    return pagination


def blueprint_reliability(user_ids: list[int] | None = None) -> list[BlueprintReliability]:
    """KR-21 and its standard error per blueprint, from finished exam-mode attempts.

    Each student gets different questions drawn from the blueprint, so there is no common item
    matrix for KR-20; KR-21 uses only the totals (and is a lower estimate).
    """
    results = []
    for title, count, sums in item_stats.blueprint_sums(user_ids):
        reliability = kr21(sums, count)
        results.append(
            BlueprintReliability(
                title,
                sums.count,
                count,
                reliability,
                standard_error_of_measurement(sums, reliability),
            )
        )
    return results
