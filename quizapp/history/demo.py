"""Bulk demo data: finished attempts with graded answers, for speed tests and benchmarks."""

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.banks.models import Question, QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history.aggregates import rebuild_student_aggregates
from quizapp.item_stats import services as item_stats
from quizapp.scoring.question_types import get_question_type

BASE = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def sample_response(question_type: str, content: dict, *, right: bool):
    """A valid response of the question's type: its key, or a plausible wrong answer."""
    qtype = get_question_type(question_type)
    correct = qtype.correct_response(content)
    if right:
        return correct
    if question_type == "single_best":
        return (correct + 1) % len(content["options"])
    if question_type == "multiple_response":
        return [next(i for i in range(len(content["options"])) if i not in correct)]
    if question_type == "true_false":
        return not correct
    if question_type == "fill_in_blank":
        return "not the answer"
    return list(reversed(correct))  # matching and ordering: everything swapped


def seed_attempts(
    user_ids: list[int],
    *,
    attempts_each: int,
    questions_each: int = 5,
    accuracy=lambda user_id, n: 0.6,
    blueprint_id: int | None = None,
    mode: str = "exam",
    title: str = "Seeded test",
) -> None:
    """Insert finished attempts with graded answers, `accuracy(user, n)` of them right, and
    rebuild these users' aggregates."""
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    # Options are shuffled with their own generator, so the draws stay as they were.
    shuffles = random.Random(11)  # noqa: S311
    versions = db.session.execute(
        sa.select(
            Question.id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.content
        ).join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
    ).all()
    attempt_rows, answers_per_attempt = [], []
    for user_id in user_ids:
        for n in range(attempts_each):
            finished = BASE + timedelta(days=n, minutes=user_id)
            picked = rng.sample(versions, questions_each)
            responses = [
                sample_response(qtype, content, right=rng.random() < accuracy(user_id, n))
                for _, _, qtype, content in picked
            ]
            scores = [
                get_question_type(qtype).grade(content, response).score
                for (_, _, qtype, content), response in zip(picked, responses, strict=True)
            ]
            points = sum(scores)
            percent = 100 * points / questions_each
            attempt_rows.append(
                {
                    "user_id": user_id,
                    "blueprint_id": blueprint_id,
                    "title": title,
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
            for position, ((question_id, version_id, qtype, content), response, score) in enumerate(
                zip(picked, responses, scores, strict=True), start=1
            ):
                answers.append(
                    {
                        "position": position,
                        "question_id": question_id,
                        "version_id": version_id,
                        "layout": get_question_type(qtype).make_layout(content, shuffles),
                        "response": response,
                        "revision": 1,
                        "flagged": False,
                        "answered_at": finished,
                        "score": score,
                        "graded_at": finished,
                    }
                )
            answers_per_attempt.append(answers)
    # Ids come from the database (its sequence on PostgreSQL), in the order of the rows.
    attempt_ids = (
        db.session.execute(
            sa.insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), attempt_rows
        )
        .scalars()
        .all()
    )
    answer_rows = [
        {**answer, "attempt_id": attempt_id}
        for attempt_id, answers in zip(attempt_ids, answers_per_attempt, strict=True)
        for answer in answers
    ]
    db.session.execute(sa.insert(AttemptQuestion), answer_rows)
    item_stats.record_finished_attempts(attempt_ids)
    # The rows bypass grading, so their students' aggregates are recomputed from them.
    rebuild_student_aggregates(user_ids)
    db.session.commit()
