"""Benchmark: item analysis over 100,000 responses (goal: under 2 s on a 2-core machine).

Run with `make bench-items` (or `.venv/bin/python bench/item_analysis.py`). It seeds an
in-memory database with 4,000 finished 25-question exam attempts at a 400-question bank, then
times the whole item-analysis service: the SQL aggregation and the pure statistics.
"""

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Bank, Question, QuestionVersion
from quizapp.banks.services import sync_bank
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history.services import item_analysis

QUESTIONS, ATTEMPTS, PER_ATTEMPT = 400, 4000, 25  # 100,000 responses
RUNS = 5


def bank_text(n: int) -> str:
    lines = [
        "format: 1",
        "bank: {id: bench, title: Bench}",
        "topics: [{id: t, title: T}]",
        "questions:",
    ]
    for i in range(n):
        lines += [
            f"  - {{id: q{i}, type: single_best, topic: t, difficulty: easy,",
            f'     stem: "Question {i}?", options: [a{i}, b{i}, c{i}, d{i}], key: a{i},',
            f'     rationale: "Because a{i}."}}',
        ]
    return "\n".join(lines) + "\n"


def seed() -> int:
    rng = random.Random(1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sync_bank(parse_bank(bank_text(QUESTIONS)), now=now)
    db.session.add(User(email="bench@example.org", display_name="Bench", password_hash="x"))
    db.session.flush()
    versions = db.session.execute(
        sa.select(Question.id, QuestionVersion.id).join(
            QuestionVersion, Question.current_version_id == QuestionVersion.id
        )
    ).all()
    ability = [rng.gauss(0, 1) for _ in range(ATTEMPTS)]
    attempts, answers = [], []
    for a in range(ATTEMPTS):
        picked = rng.sample(versions, PER_ATTEMPT)
        scores = [1.0 if rng.gauss(ability[a], 1) > 0 else 0.0 for _ in picked]
        attempts.append(
            {
                "id": a + 1,
                "user_id": 1,
                "title": "Bench",
                "mode": "exam",
                "status": "finished",
                "settings": {},
                "question_count": PER_ATTEMPT,
                "passing_percent": 70.0,
                "started_at": now,
                "finished_at": now + timedelta(minutes=30),
                "score_points": sum(scores),
                "percent": 100 * sum(scores) / PER_ATTEMPT,
            }
        )
        for position, ((question_id, version_id), score) in enumerate(
            zip(picked, scores, strict=True), 1
        ):
            answers.append(
                {
                    "attempt_id": a + 1,
                    "position": position,
                    "question_id": question_id,
                    "version_id": version_id,
                    "layout": {},
                    "response": 0 if score else rng.randint(1, 3),
                    "revision": 1,
                    "flagged": False,
                    "score": score,
                    "graded_at": now,
                }
            )
    db.session.execute(sa.insert(Attempt), attempts)
    db.session.execute(sa.insert(AttemptQuestion), answers)
    db.session.commit()
    return db.session.scalar(sa.select(Bank.id))


def main() -> None:
    app = create_app(TestingConfig)
    with app.app_context():
        db.create_all()
        bank_id = seed()
        responses = db.session.scalar(sa.select(sa.func.count()).select_from(AttemptQuestion))
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            rows = item_analysis(bank_id=bank_id)
            timings.append(time.perf_counter() - start)
        flagged = sum(bool(r.stats.flags) for r in rows)
    print(
        f"item analysis over {responses:,} responses, {len(rows)} question versions "
        f"({flagged} flagged): median {statistics.median(timings):.2f} s, "
        f"best {min(timings):.2f} s over {RUNS} runs (goal < 2 s)"
    )


if __name__ == "__main__":
    main()
