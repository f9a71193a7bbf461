"""What the custom-test builder shows a student: per bank and topic, how many questions there
are and how many of them are unused, incorrect or flagged for this student.

The same definitions as the builder's pools (exams.services.custom_pool): unused means never
drawn in one of the student's tests, incorrect means the latest graded answer was not fully
right, flagged means flagged in any of the student's tests.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks import services as bank_services
from quizapp.banks.models import Bank, Question, QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db


@dataclass(frozen=True)
class PoolCounts:
    total: int = 0
    unused: int = 0
    incorrect: int = 0
    flagged: int = 0

    def __add__(self, other: "PoolCounts") -> "PoolCounts":
        return PoolCounts(
            self.total + other.total,
            self.unused + other.unused,
            self.incorrect + other.incorrect,
            self.flagged + other.flagged,
        )


def _my_questions(user: User):
    """One row per question the student has been given: whether they ever flagged it, and the
    score of their latest graded answer to it (None if never graded)."""
    ordered = (
        sa.select(
            AttemptQuestion.question_id,
            AttemptQuestion.score,
            sa.func.max(sa.case((AttemptQuestion.flagged, 1), else_=0))
            .over(partition_by=AttemptQuestion.question_id)
            .label("flagged"),
            sa.func.row_number()
            .over(
                partition_by=AttemptQuestion.question_id,
                order_by=(
                    AttemptQuestion.graded_at.is_(None),
                    AttemptQuestion.graded_at.desc(),
                    AttemptQuestion.id.desc(),
                ),
            )
            .label("latest_first"),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.user_id == user.id)
        .subquery()
    )
    return (
        sa.select(ordered.c.question_id, ordered.c.score, ordered.c.flagged)
        .where(ordered.c.latest_first == 1)
        .subquery()
    )


def topic_counts(user: User, bank_ids: list[int]) -> dict[int, PoolCounts]:
    """Counts per topic id (its own questions, not its subtopics'), in one query."""
    if not bank_ids:
        return {}
    mine = _my_questions(user)
    rows = db.session.execute(
        sa.select(
            QuestionVersion.topic_id,
            sa.func.count(Question.id),
            sa.func.count(Question.id) - sa.func.count(mine.c.question_id),
            sa.func.sum(sa.case((mine.c.score < 1, 1), else_=0)),
            sa.func.sum(sa.case((mine.c.flagged == 1, 1), else_=0)),
        )
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .outerjoin(mine, mine.c.question_id == Question.id)
        .where(Question.bank_id.in_(bank_ids), Question.retired_at.is_(None))
        .group_by(QuestionVersion.topic_id)
    )
    return {topic_id: PoolCounts(*counts) for topic_id, *counts in rows}


def builder_counts(user: User, banks: list[Bank]) -> dict[str, PoolCounts]:
    """Counts keyed as the builder's checkboxes are: "bank" for a whole bank and "bank/topic"
    for a topic with the topics under it. The banks' topics must be loaded."""
    own = topic_counts(user, [bank.id for bank in banks])
    counts: dict[str, PoolCounts] = {}
    for bank in banks:
        rows = bank_services.topic_rows(bank)
        with_subtopics = {topic.id: own.get(topic.id, PoolCounts()) for topic, _ in rows}
        # Children come after their parents in tree order: add each to its parent, last first.
        for topic, _ in reversed(rows):
            if topic.parent_id in with_subtopics:
                with_subtopics[topic.parent_id] += with_subtopics[topic.id]
        for topic, _ in rows:
            counts[f"{bank.slug}/{topic.slug}"] = with_subtopics[topic.id]
        counts[bank.slug] = sum(
            (own.get(topic.id, PoolCounts()) for topic, _ in rows), PoolCounts()
        )
    return counts
