"""Queries behind the progress pages: history, scores per bank over time, topic mastery,
and the responses that item analysis needs. Each is one aggregate query, whatever the size."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Bank, Question, QuestionVersion, Topic
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode, Status
from quizapp.extensions import db
from quizapp.item_stats import services as item_stats
from quizapp.scoring.item_analysis import (
    ItemStats,
    analyse_item,
    kr21,
    standard_error_of_measurement,
)

RECENT_ANSWERS_PER_TOPIC = 20
WEAKEST_TOPICS = 3
WEAKEST_TEST_SIZE = 20
MIN_ANSWERS_FOR_MASTERY = 3


@dataclass(frozen=True)
class TopicMastery:
    bank_id: int
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


def results_fingerprint(user_ids: list[int] | None) -> tuple:
    """A value that changes whenever a report over these users' (or everyone's) results could:
    their finished attempts (count and latest finish), the latest answer graded in an attempt
    still open (tutor mode grades as it goes), and the latest change to a bank's title or topics
    (reports show them). One indexed query, for keys of cached reports."""
    users = Attempt.user_id.in_(user_ids) if user_ids is not None else sa.true()
    finished = sa.select(sa.func.count(Attempt.id), sa.func.max(Attempt.finished_at)).where(
        users, Attempt.status == Status.FINISHED.value
    )
    graded_open = (
        sa.select(sa.func.max(AttemptQuestion.graded_at))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(users, Attempt.status == Status.IN_PROGRESS.value)
        .scalar_subquery()
    )
    banks_changed = sa.select(sa.func.max(Bank.updated_at)).scalar_subquery()
    return tuple(db.session.execute(finished.add_columns(graded_open, banks_changed)).one())


def bank_scores(user_ids: list[int]) -> list[tuple[int, int, datetime, int, float, int]]:
    """(user, attempt, finished at, bank, points, questions) per finished attempt and bank."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                Attempt.user_id,
                Attempt.id,
                Attempt.finished_at,
                Question.bank_id,
                sa.func.coalesce(sa.func.sum(AttemptQuestion.score), 0.0),
                sa.func.count(AttemptQuestion.id),
            )
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .where(Attempt.user_id.in_(user_ids), Attempt.status == Status.FINISHED.value)
            .group_by(Attempt.user_id, Attempt.id, Attempt.finished_at, Question.bank_id)
            .order_by(Attempt.finished_at)
        )
    ]


def bank_titles(bank_ids) -> dict[int, str]:
    if not bank_ids:
        return {}
    return dict(
        db.session.execute(sa.select(Bank.id, Bank.title).where(Bank.id.in_(bank_ids))).all()
    )


def score_series(user_ids: list[int]) -> dict[str, list[tuple[datetime, float]]]:
    """Per bank title, each finished attempt's percent on that bank's questions."""
    rows = bank_scores(user_ids)
    titles = bank_titles({row[3] for row in rows})
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for _, _, finished_at, bank_id, points, count in rows:
        series[titles[bank_id]].append((finished_at, round(100 * points / count, 1)))
    return dict(series)


def topic_mastery(user_ids: list[int], *, recent: int | None = RECENT_ANSWERS_PER_TOPIC):
    """Percent correct per topic over each user's `recent` latest answers (all if None),
    weakest first."""
    columns = [AttemptQuestion.score, QuestionVersion.topic_id]
    if recent is not None:  # rank each user's answers per topic, newest first
        columns.append(
            sa.func.row_number()
            .over(
                partition_by=(Attempt.user_id, QuestionVersion.topic_id),
                order_by=(AttemptQuestion.graded_at.desc(), AttemptQuestion.id.desc()),
            )
            .label("recency")
        )
    answers = (
        sa.select(*columns)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(
            Attempt.user_id.in_(user_ids),
            AttemptQuestion.graded_at.is_not(None),
            AttemptQuestion.answered_at.is_not(None),
        )
        .subquery()
    )
    query = (
        sa.select(
            Bank.id,
            Bank.title,
            Topic.slug,
            Topic.title,
            sa.func.count(),
            sa.func.sum(answers.c.score),
        )
        .select_from(answers)
        .join(Topic, Topic.id == answers.c.topic_id)
        .join(Bank, Bank.id == Topic.bank_id)
        .group_by(Bank.id, Bank.title, Topic.slug, Topic.title)
    )
    if recent is not None:
        query = query.where(answers.c.recency <= recent)
    rows = [TopicMastery(*row) for row in db.session.execute(query)]
    return sorted(rows, key=lambda t: (t.percent, -t.answered, t.topic_title))


def questions_answered(user_ids: list[int]) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AttemptQuestion.id))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.user_id.in_(user_ids), AttemptQuestion.answered_at.is_not(None))
    )


def start_weakest_topics_attempt(user: User, *, now: datetime) -> Attempt:
    """A tutor-mode test on the student's weakest topics (with enough answers to judge).

    :raises exam_services.CannotStartError: when nothing is weak yet or too few questions exist.
    """
    weak = [
        t
        for t in topic_mastery([user.id])
        if t.answered >= MIN_ANSWERS_FOR_MASTERY and t.percent < 100
    ][:WEAKEST_TOPICS]
    if not weak:
        raise exam_services.CannotStartError(
            f"Answer at least {MIN_ANSWERS_FOR_MASTERY} questions on a topic first: there is "
            "no weak topic to practise yet."
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


def item_analysis(*, bank_id: int, user_ids: list[int] | None = None) -> list[ItemRow]:
    """Statistics of every question version of a bank answered in finished exam-mode attempts
    (of these users, or of everyone); flagged items first. Reads the sums kept per version
    (per student and version for a class), never the responses."""
    sums = item_stats.version_sums(bank_id, user_ids)
    if not sums:
        return []
    versions = db.session.execute(
        sa.select(QuestionVersion, Question.external_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(sums))
    ).all()
    rows = [
        ItemRow(version, external_id, analyse_item(sums[version.id]))
        for version, external_id in versions
    ]
    return sorted(rows, key=lambda r: (not r.stats.flags, r.external_id, r.version.number))


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
