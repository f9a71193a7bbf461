"""Write review cards in the transaction that grades: every graded answer, in any mode, moves
its question's card (quizapp.scoring.spaced), and a new version whose key changed drops it.

Each grading reads what it needs in one query (the answers joined to their cards and the
student's settings, and whether each answer was quick against the student's recent times), and
writes every card it touched with ONE upsert: two statements, whatever was answered. The upsert
is a compare-and-set on the review count: when two gradings of the same card race (two tabs),
the later one is not applied over a state it did not read; the card keeps the earlier review.
"""

from collections import defaultdict, deque
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.banks.models import QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion, answers_count_in_history
from quizapp.extensions import db
from quizapp.review.models import ReviewCard, ReviewSettings
from quizapp.scoring import spaced
from quizapp.scoring.question_types import get_question_type
from quizapp.utils import dialect_insert, lock_for_rebuild

#: A student's latest timed answers, against which an answer is judged quick (Easy).
RECENT_TIMES = 50
STATE_COLUMNS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reviews",
    "misses",
)


def card_state(row) -> spaced.CardState | None:
    """The stored state of a card row (any object with the state columns); None if no card."""
    if row is None or row.reviews is None:
        return None
    return spaced.CardState(**{name: getattr(row, name) for name in STATE_COLUMNS})


def key_digest(question_type: str, content: dict) -> str:
    return spaced.key_digest(get_question_type(question_type).key_text(content))


def _recent_times(user_id: int):
    """The student's latest RECENT_TIMES timed answers (a CTE: read once per statement)."""
    answer, attempt = so.aliased(AttemptQuestion), so.aliased(Attempt)
    return (
        sa.select(answer.answer_seconds.label("seconds"))
        .join(attempt, attempt.id == answer.attempt_id)
        .where(attempt.user_id == user_id, answer.answer_seconds.is_not(None))
        .order_by(answer.id.desc())
        .limit(RECENT_TIMES)
        .cte("recent_times")
    )


def record_reviews(condition, *, user_id: int, now: datetime) -> int:
    """Review the cards of the graded, answered answers matching `condition` (one answer, or
    the answers one finish graded), all of `user_id`; returns how many cards were written."""
    card = ReviewCard.__table__.c
    recent = _recent_times(user_id)
    timed = sa.select(sa.func.count()).select_from(recent).scalar_subquery()
    twice_as_long = (
        sa.select(sa.func.count())
        .select_from(recent)
        .where(recent.c.seconds >= 2 * AttemptQuestion.answer_seconds)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            Attempt.user_id,
            AttemptQuestion.question_id,
            AttemptQuestion.score,
            AttemptQuestion.answer_seconds,
            timed.label("timed"),
            twice_as_long.label("twice_as_long"),
            QuestionVersion.type,
            QuestionVersion.content,
            ReviewSettings.desired_retention,
            ReviewSettings.parameters,
            card.key_digest,
            *(card[name] for name in STATE_COLUMNS),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .outerjoin(ReviewSettings, ReviewSettings.user_id == Attempt.user_id)
        .outerjoin(
            ReviewCard,
            sa.and_(
                ReviewCard.user_id == Attempt.user_id,
                ReviewCard.question_id == AttemptQuestion.question_id,
            ),
        )
        .where(
            condition,
            Attempt.user_id == user_id,
            AttemptQuestion.graded_at.is_not(None),
            AttemptQuestion.answered_at.is_not(None),
        )
        .order_by(AttemptQuestion.question_id)
    ).all()
    if not rows:
        return 0
    values = []
    for row in rows:
        digest = key_digest(row.type, row.content)
        # A card learnt on another key starts again.
        before = card_state(row) if row.key_digest == digest else None
        quick = spaced.is_quick(
            row.answer_seconds, timed=row.timed, twice_as_long=row.twice_as_long
        )
        after = spaced.review(
            before,
            spaced.rating_for(row.score or 0.0, quick),
            now=now,
            retention=row.desired_retention or spaced.DEFAULT_RETENTION,
            parameters=row.parameters,
        )
        values.append(
            {
                "user_id": row.user_id,
                "question_id": row.question_id,
                "key_digest": digest,
                **after.__dict__,
                # The compare-and-set below matches the count this review was computed from.
                "reviews": (row.reviews or 0) + 1,
            }
        )
    write_cards(ReviewCard, values)
    return len(values)


def write_cards(model, values: list[dict]) -> None:
    """Insert or update cards in one statement, each only if no other review changed it since
    it was read (its stored review count is one less than the new one)."""
    insert = dialect_insert(model).values(values)
    keys = [column.name for column in model.__table__.primary_key.columns]
    changed = [name for name in values[0] if name not in keys]
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=keys,
            set_={name: insert.excluded[name] for name in changed},
            where=model.__table__.c.reviews + 1 == insert.excluded.reviews,
        )
    )


def forget_changed_keys(version_rows: list[dict]) -> None:
    """Drop the cards of questions whose new version (rows as inserted) has another key."""
    rows = [
        {"question": row["question_id"], "digest": key_digest(row["type"], row["content"])}
        for row in version_rows
        if row["number"] > 1
    ]
    if rows:
        table = ReviewCard.__table__
        db.session.connection().execute(
            table.delete().where(
                table.c.question_id == sa.bindparam("question"),
                table.c.key_digest != sa.bindparam("digest"),
            ),
            rows,
        )


def rebuild_cards(user_ids: list[int] | None = None) -> int:
    """Recompute the cards (of these users, or everyone's) by replaying their graded answers in
    order: after upgrading to spaced review, or after a restore. Easy is judged against each
    student's RECENT_TIMES timed answers before it. Returns how many cards were written."""
    users = Attempt.user_id.in_(user_ids) if user_ids is not None else sa.true()
    table = ReviewCard.__table__
    lock_for_rebuild(db.session, [ReviewCard])
    db.session.execute(
        table.delete().where(table.c.user_id.in_(user_ids) if user_ids is not None else sa.true())
    )
    answers = db.session.execute(
        sa.select(
            Attempt.user_id,
            AttemptQuestion.question_id,
            AttemptQuestion.version_id,
            AttemptQuestion.graded_at,
            AttemptQuestion.score,
            AttemptQuestion.answer_seconds,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(
            users,
            AttemptQuestion.graded_at.is_not(None),
            AttemptQuestion.answered_at.is_not(None),
            # An open adaptive check's answers wait for its end, as they do live: their cards'
            # due dates would tell which answers of the running check were right.
            answers_count_in_history(),
        )
        .order_by(Attempt.user_id, AttemptQuestion.graded_at, AttemptQuestion.id)
    ).all()
    digests = {
        version_id: key_digest(question_type, content)
        for version_id, question_type, content in db.session.execute(
            sa.select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.content).where(
                QuestionVersion.id.in_({answer.version_id for answer in answers})
            )
        )
    }
    settings = {
        row.user_id: row
        for row in db.session.scalars(
            sa.select(ReviewSettings).where(
                ReviewSettings.user_id.in_({answer.user_id for answer in answers})
            )
        )
    }
    times: dict[int, deque[int]] = defaultdict(lambda: deque(maxlen=RECENT_TIMES))
    cards: dict[tuple[int, int], tuple[str, spaced.CardState]] = {}
    for answer in answers:
        key, digest = (answer.user_id, answer.question_id), digests[answer.version_id]
        if answer.answer_seconds is not None:
            times[answer.user_id].append(answer.answer_seconds)
        stored = cards.get(key)
        before = stored[1] if stored and stored[0] == digest else None
        chosen = settings.get(answer.user_id)
        cards[key] = (
            digest,
            spaced.review(
                before,
                spaced.rating_for(
                    answer.score or 0.0,
                    spaced.quick_among(answer.answer_seconds, times[answer.user_id]),
                ),
                now=answer.graded_at,
                retention=chosen.desired_retention if chosen else spaced.DEFAULT_RETENTION,
                parameters=chosen.parameters if chosen else None,
            ),
        )
    rows = [
        {"user_id": user_id, "question_id": question_id, "key_digest": digest, **state.__dict__}
        for (user_id, question_id), (digest, state) in cards.items()
    ]
    if rows:
        db.session.execute(sa.insert(ReviewCard), rows)
    return len(rows)
