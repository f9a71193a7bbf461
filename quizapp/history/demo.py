"""Bulk demo data: finished attempts with graded answers, for speed tests and benchmarks."""

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.banks.models import Question, QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db

BASE = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def seed_attempts(
    user_ids: list[int],
    *,
    attempts_each: int,
    questions_each: int = 5,
    accuracy=lambda user_id, n: 0.6,
    blueprint_id: int | None = None,
    mode: str = "exam",
) -> None:
    """Insert finished attempts with graded answers, `accuracy(user, n)` of them right."""
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    versions = db.session.execute(
        sa.select(Question.id, QuestionVersion.id).join(
            QuestionVersion, Question.current_version_id == QuestionVersion.id
        )
    ).all()
    attempt_rows, answers_per_attempt = [], []
    for user_id in user_ids:
        for n in range(attempts_each):
            finished = BASE + timedelta(days=n, minutes=user_id)
            picked = rng.sample(versions, questions_each)
            scores = [1.0 if rng.random() < accuracy(user_id, n) else 0.0 for _ in picked]
            points = sum(scores)
            percent = 100 * points / questions_each
            attempt_rows.append(
                {
                    "user_id": user_id,
                    "blueprint_id": blueprint_id,
                    "title": "Seeded test",
                    "mode": mode,
                    "status": "finished",
                    "settings": {},
                    "question_count": questions_each,
                    "passing_percent": 70.0,
                    "started_at": finished - timedelta(minutes=20),
                    "finished_at": finished,
                    "finish_reason": "submitted",
                    "score_points": points,
                    "percent": percent,
                    "passed": percent >= 70,
                }
            )
            answers = []
            for position, ((question_id, version_id), score) in enumerate(
                zip(picked, scores, strict=True), start=1
            ):
                answers.append(
                    {
                        "position": position,
                        "question_id": question_id,
                        "version_id": version_id,
                        "layout": {},
                        "response": 0 if score else 1,
                        "revision": 1,
                        "flagged": False,
                        "answered_at": finished,
                        "score": score,
                        "graded_at": finished,
                    }
                )
            answers_per_attempt.append(answers)
    # Ids come from the database (its sequence on PostgreSQL), in the order of the rows.
    attempt_ids = db.session.execute(
        sa.insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), attempt_rows
    ).scalars()
    answer_rows = [
        {**answer, "attempt_id": attempt_id}
        for attempt_id, answers in zip(attempt_ids, answers_per_attempt, strict=True)
        for answer in answers
    ]
    db.session.execute(sa.insert(AttemptQuestion), answer_rows)
    db.session.commit()
