"""Keep the per-student result aggregates (quizapp.history.models) up to date.

`record_finished_attempt` and `record_graded_answer` run inside the transaction that grades,
so reports never see a graded answer without its aggregates, nor the reverse. Two gradings of
one student at once (two tabs, or a submit racing the expiry job) must not lose an update:
- counters are added in the database by one upsert (`n = n + excluded.n`);
- rows whose new value needs Python (the latest-N lists) are created if missing and locked by
  one upsert that returns them (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: PostgreSQL
  locks each row it updates; SQLite has one writer at a time), in one fixed order (table, then
  key), and only then changed.

`rebuild_student_aggregates` recomputes everything from the answers (`flask stats rebuild`).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.banks.models import Question, QuestionVersion
from quizapp.exams.models import (
    Attempt,
    AttemptQuestion,
    Mode,
    Status,
    answers_count_in_history,
)
from quizapp.extensions import db
from quizapp.history.models import (
    StudentBankScores,
    StudentBankWeek,
    StudentBlueprintResult,
    StudentTopicMastery,
    StudentTotal,
)
from quizapp.scoring.recent import keep_latest, stamp
from quizapp.utils import add_counts, dialect_insert, lock_for_rebuild

#: Attempts per blueprint behind the trend on the class report.
TREND_WINDOW = 5
#: Answers per topic behind a student's mastery.
RECENT_ANSWERS_PER_TOPIC = 20
#: Finished attempts per bank in a student's score chart.
SCORE_SERIES_POINTS = 30

AGGREGATE_MODELS = (
    StudentTotal,
    StudentBlueprintResult,
    StudentBankScores,
    StudentBankWeek,
    StudentTopicMastery,
)


def week_start(moment: datetime) -> datetime:
    day = moment - timedelta(days=moment.weekday())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def _locked_rows(model, keys, initial: dict) -> dict:
    """The model's rows with these primary keys, created with `initial` values if missing and
    locked until the transaction ends, by key: one statement."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    names = [column.name for column in model.__table__.primary_key.columns]
    insert = dialect_insert(model)
    # Setting a key to itself changes nothing but makes the conflict lock and return the row.
    statement = (
        insert.values([{**initial, **dict(zip(names, key, strict=True))} for key in keys])
        .on_conflict_do_update(index_elements=names, set_={names[0]: insert.excluded[names[0]]})
        .returning(model)
    )
    rows = db.session.scalars(statement, execution_options={"populate_existing": True})
    return {tuple(getattr(row, name) for name in names): row for row in rows}


def record_finished_attempt(attempt_id: int, graded_now: Sequence[int] = ()) -> None:
    """Add a just-graded attempt to its student's aggregates: its exam-mode and adaptive
    answers to topic mastery too, and of a tutor session the answers `graded_now`, left
    unchecked until the end (those checked were added as they were graded)."""
    attempt = db.session.execute(
        sa.select(
            Attempt.user_id,
            Attempt.blueprint_id,
            Attempt.mode,
            Attempt.finished_at,
            Attempt.percent,
        ).where(Attempt.id == attempt_id)
    ).one()
    user_id, finished = attempt.user_id, stamp(attempt.finished_at)
    entry = [finished, attempt_id, attempt.percent or 0.0]
    add_counts(StudentTotal, [{"user_id": user_id, "finished_attempts": 1}])
    if attempt.blueprint_id is not None and attempt.mode != Mode.ADAPTIVE.value:
        # An adaptive check's percent is an estimate, not a score on the fixed form: the
        # class roster's latest, best and change per test are of the fixed forms only.
        key = (user_id, attempt.blueprint_id)
        result = _locked_rows(
            StudentBlueprintResult, [key], {"attempts": 0, "best_percent": 0.0, "recent": []}
        )[key]
        result.best_percent = max(result.best_percent, entry[2]) if result.attempts else entry[2]
        first = result.first_exam_attempt_id
        if attempt.mode == Mode.EXAM.value and (first is None or attempt_id < first):
            result.first_exam_attempt_id, result.first_exam_percent = attempt_id, entry[2]
        result.attempts += 1
        result.recent = keep_latest(result.recent, [entry], TREND_WINDOW)
    if attempt.mode != Mode.ADAPTIVE.value:
        # An adaptive check aims every question at about even odds: its share right is no
        # score to chart beside fixed tests (its readable score is the attempt's percent).
        _record_bank_scores(user_id, finished, attempt_id, attempt.finished_at)
    if attempt.mode in (Mode.EXAM.value, Mode.ADAPTIVE.value):
        _add_answers(_graded_answers(AttemptQuestion.attempt_id == attempt_id))
    elif graded_now:
        _add_answers(_graded_answers(AttemptQuestion.id.in_(graded_now)))
    db.session.flush()


def _scored_in_bank_scores():
    """The questions a bank's score over time counts: every one of a test (unanswered ones
    score zero), but only the answered ones of a tutor session, which a student may end at any
    point: 8 answered of 60 is practice, not a collapse to 2 %."""
    return sa.or_(Attempt.mode != Mode.TUTOR.value, AttemptQuestion.answered_at.is_not(None))


def _record_bank_scores(user_id, finished, attempt_id, finished_at) -> None:
    bank_percents = {
        bank_id: 100 * points / count
        for bank_id, points, count in db.session.execute(
            sa.select(
                Question.bank_id,
                sa.func.coalesce(sa.func.sum(AttemptQuestion.score), 0.0),
                sa.func.count(AttemptQuestion.id),
            )
            .join(Question, Question.id == AttemptQuestion.question_id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(AttemptQuestion.attempt_id == attempt_id, _scored_in_bank_scores())
            .group_by(Question.bank_id)
        )
    }
    _add_bank_scores(user_id, finished, attempt_id, finished_at, bank_percents)


def record_graded_answer(answer_id: int) -> None:
    """Add an answer graded on its own (tutor mode) to its student's topic mastery."""
    _add_answers(_graded_answers(AttemptQuestion.id == answer_id))
    db.session.flush()


def _add_bank_scores(user_id, finished, attempt_id, finished_at, bank_percents) -> None:
    scores = _locked_rows(
        StudentBankScores, [(user_id, bank_id) for bank_id in bank_percents], {"recent": []}
    )
    for (_, bank_id), row in scores.items():
        entry = [finished, attempt_id, bank_percents[bank_id]]
        row.recent = keep_latest(row.recent, [entry], SCORE_SERIES_POINTS)
    week = week_start(finished_at).date()
    add_counts(
        StudentBankWeek,
        [
            {"user_id": user_id, "bank_id": bank_id, "week": week, "percent_sum": p, "attempts": 1}
            for bank_id, p in bank_percents.items()
        ],
    )


def _graded_answers(condition, session: so.Session | None = None):
    """(user, topic, [graded at, answer id, score]) of the graded answers matching a condition."""
    session = session or db.session
    return [
        (user_id, topic_id, [stamp(graded_at), answer_id, score or 0.0])
        for user_id, topic_id, graded_at, answer_id, score in session.execute(
            sa.select(
                Attempt.user_id,
                QuestionVersion.topic_id,
                AttemptQuestion.graded_at,
                AttemptQuestion.id,
                AttemptQuestion.score,
            )
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
            .where(
                condition,
                AttemptQuestion.graded_at.is_not(None),
                AttemptQuestion.answered_at.is_not(None),
            )
        )
    ]


def _add_answers(answers) -> None:
    by_topic: dict[tuple[int, int], list[list]] = defaultdict(list)
    for user_id, topic_id, entry in answers:
        by_topic[(user_id, topic_id)].append(entry)
    rows = _locked_rows(StudentTopicMastery, by_topic, {"answered": 0, "points": 0.0, "recent": []})
    for key, row in rows.items():
        entries = by_topic[key]
        row.answered += len(entries)
        row.points += sum(entry[2] for entry in entries)
        row.recent = keep_latest(row.recent, entries, RECENT_ANSWERS_PER_TOPIC)


# --- rebuilding from the answers ----------------------------------------------------------


def rebuild_student_aggregates(
    user_ids: list[int] | None = None, *, session: so.Session | None = None
) -> None:
    """Recompute every per-student aggregate (of these users, or everyone) from the answers.

    :param session: the app's session by default; a migration passes one on its connection.
    """
    session = session or db.session
    lock_for_rebuild(session, AGGREGATE_MODELS)
    for model in AGGREGATE_MODELS:
        session.execute(
            sa.delete(model)
            .where(_of_users(model.user_id, user_ids))
            .execution_options(synchronize_session=False)
        )
    users = _of_users(Attempt.user_id, user_ids)
    finished = (users, Attempt.status == Status.FINISHED.value)
    totals: dict[int, int] = defaultdict(int)
    blueprints: dict[tuple[int, int], list[list]] = defaultdict(list)
    first_exams: dict[tuple[int, int], tuple[int, float]] = {}
    for user_id, attempt_id, blueprint_id, mode, finished_at, percent in session.execute(
        sa.select(
            Attempt.user_id,
            Attempt.id,
            Attempt.blueprint_id,
            Attempt.mode,
            Attempt.finished_at,
            Attempt.percent,
        )
        .where(*finished)
        .order_by(Attempt.id)
    ):
        totals[user_id] += 1
        if blueprint_id is not None and mode != Mode.ADAPTIVE.value:
            blueprints[(user_id, blueprint_id)].append(
                [stamp(finished_at), attempt_id, percent or 0.0]
            )
            if mode == Mode.EXAM.value:
                first_exams.setdefault((user_id, blueprint_id), (attempt_id, percent or 0.0))
    _insert_rows(
        session,
        StudentTotal,
        [{"user_id": user_id, "finished_attempts": n} for user_id, n in totals.items()],
    )
    _insert_rows(
        session,
        StudentBlueprintResult,
        [
            {
                "user_id": user_id,
                "blueprint_id": blueprint_id,
                "attempts": len(entries),
                "best_percent": max(entry[2] for entry in entries),
                "first_exam_attempt_id": first_exams.get((user_id, blueprint_id), (None,))[0],
                "first_exam_percent": first_exams.get((user_id, blueprint_id), (None, None))[1],
                "recent": keep_latest([], entries, TREND_WINDOW),
            }
            for (user_id, blueprint_id), entries in blueprints.items()
        ],
    )
    _rebuild_bank_scores(session, (*finished, Attempt.mode != Mode.ADAPTIVE.value))
    _rebuild_mastery(session, users)
    session.flush()


def _of_users(column, user_ids: list[int] | None):
    return column.in_(user_ids) if user_ids is not None else sa.true()


def _rebuild_bank_scores(session: so.Session, finished) -> None:
    series: dict[tuple[int, int], list[list]] = defaultdict(list)
    weeks: dict[tuple[int, int, object], list[float]] = defaultdict(list)
    for user_id, attempt_id, finished_at, bank_id, points, count in session.execute(
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
        .where(*finished, _scored_in_bank_scores())
        .group_by(Attempt.user_id, Attempt.id, Attempt.finished_at, Question.bank_id)
    ):
        percent = 100 * points / count
        series[(user_id, bank_id)].append([stamp(finished_at), attempt_id, percent])
        weeks[(user_id, bank_id, week_start(finished_at).date())].append(percent)
    _insert_rows(
        session,
        StudentBankScores,
        [
            {"user_id": u, "bank_id": b, "recent": keep_latest([], entries, SCORE_SERIES_POINTS)}
            for (u, b), entries in series.items()
        ],
    )
    _insert_rows(
        session,
        StudentBankWeek,
        [
            {"user_id": u, "bank_id": b, "week": w, "percent_sum": sum(p), "attempts": len(p)}
            for (u, b, w), p in weeks.items()
        ],
    )


def _rebuild_mastery(session: so.Session, users) -> None:
    by_topic: dict[tuple[int, int], list[list]] = defaultdict(list)
    for user_id, topic_id, entry in _graded_answers(
        sa.and_(users, answers_count_in_history()), session
    ):
        by_topic[(user_id, topic_id)].append(entry)
    _insert_rows(
        session,
        StudentTopicMastery,
        [
            {
                "user_id": user_id,
                "topic_id": topic_id,
                "answered": len(entries),
                "points": sum(entry[2] for entry in entries),
                "recent": keep_latest([], entries, RECENT_ANSWERS_PER_TOPIC),
            }
            for (user_id, topic_id), entries in by_topic.items()
        ],
    )


def _insert_rows(session: so.Session, model, rows: list[dict]) -> None:
    if rows:
        session.execute(sa.insert(model), rows)
