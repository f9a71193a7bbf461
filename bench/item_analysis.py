"""Benchmark: cold item analysis of a bank with 10,000, 100,000 and 1,000,000 responses
(goal: under 200 ms cold at 1,000,000 on a 2-core machine).

Run with `make bench-items` (or `.venv/bin/python bench/item_analysis.py`). For each size it
seeds a SQLite file with finished 25-question exam attempts by 500 students at a 400-question
bank (bulk inserts, as a restore would), runs `flask stats rebuild` when the app has it (the
kept statistics after a bulk load), then times `item_analysis` for the whole bank and for a
30-student class: once cold (a new connection: nothing cached by the engine or the app) and then
warm. Only public service functions are used, so the same script times older code too.
"""

import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Bank, Question, QuestionVersion
from quizapp.banks.services import sync_bank
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history.services import blueprint_reliability, item_analysis

QUESTIONS, PER_ATTEMPT, STUDENTS, CLASS_SIZE = 400, 25, 500, 30
SIZES = (10_000, 100_000, 1_000_000)  # responses
ATTEMPTS_PER_BATCH = 2_000
WARM_RUNS = 3


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


@dataclass(frozen=True)
class GradedAttempt:
    """A finished exam-mode attempt to insert: its picked (question id, version id) pairs with
    their scores and responses (option indexes)."""

    attempt_id: int
    user_id: int
    picked: list[tuple[int, int]]
    scores: list[float]
    responses: list[int]
    finished_at: datetime


def insert_graded_attempts(batch: list[GradedAttempt]) -> None:
    """Insert finished attempts and their graded answers in bulk, bypassing grading (the
    benchmarks build their statistics from the rows), and commit."""
    attempts, answers = [], []
    for graded in batch:
        points, count = sum(graded.scores), len(graded.scores)
        attempts.append(
            {
                "id": graded.attempt_id,
                "user_id": graded.user_id,
                "title": "Bench",
                "mode": "exam",
                "status": "finished",
                "settings": {},
                "question_count": count,
                "passing_percent": 70.0,
                "started_at": graded.finished_at - timedelta(minutes=30),
                "finished_at": graded.finished_at,
                "score_points": points,
                "percent": round(100 * points / count, 2),
            }
        )
        answers += [
            {
                "attempt_id": graded.attempt_id,
                "position": position,
                "question_id": question_id,
                "version_id": version_id,
                "layout": {},
                "response": response,
                "revision": 1,
                "flagged": False,
                "score": score,
                "answered_at": graded.finished_at,
                "graded_at": graded.finished_at,
            }
            for position, ((question_id, version_id), score, response) in enumerate(
                zip(graded.picked, graded.scores, graded.responses, strict=True), 1
            )
        ]
    db.session.execute(sa.insert(Attempt), attempts)
    db.session.execute(sa.insert(AttemptQuestion), answers)
    db.session.commit()


def seed(responses: int) -> int:
    rng = random.Random(1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    finished = now + timedelta(minutes=30)
    sync_bank(parse_bank(bank_text(QUESTIONS)), now=now)
    db.session.execute(
        sa.insert(User),
        [
            {"email": f"s{n}@example.org", "display_name": f"S{n}", "password_hash": "x"}
            for n in range(STUDENTS)
        ],
    )
    user_ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    versions = db.session.execute(
        sa.select(Question.id, QuestionVersion.id).join(
            QuestionVersion, Question.current_version_id == QuestionVersion.id
        )
    ).all()
    ability = {user_id: rng.gauss(0, 1) for user_id in user_ids}
    total_attempts = responses // PER_ATTEMPT
    for first in range(0, total_attempts, ATTEMPTS_PER_BATCH):
        batch = []
        for a in range(first + 1, min(total_attempts, first + ATTEMPTS_PER_BATCH) + 1):
            user_id = user_ids[a % STUDENTS]
            picked = rng.sample(versions, PER_ATTEMPT)
            scores = [1.0 if rng.gauss(ability[user_id], 1) > 0 else 0.0 for _ in picked]
            responses = [0 if score else rng.randint(1, 3) for score in scores]
            batch.append(GradedAttempt(a, user_id, picked, scores, responses, finished))
        insert_graded_attempts(batch)
    return db.session.scalar(sa.select(Bank.id))


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return 1000 * (time.perf_counter() - start)


def cold(function) -> float:
    """Milliseconds of a first call on a new connection (no engine or session cache)."""
    db.session.remove()
    db.engine.dispose()
    return timed(function)


def run(responses: int, folder: Path) -> None:
    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / f'bench-{responses}.sqlite'}"

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        bank_id = seed(responses)
        seeded = time.perf_counter() - start
        rebuilt = app.test_cli_runner().invoke(args=["stats", "rebuild"])
        rebuild_s = time.perf_counter() - start - seeded
        students = db.session.scalars(sa.select(User.id).limit(CLASS_SIZE)).all()

        def whole_bank():
            return item_analysis(bank_id=bank_id), blueprint_reliability()

        def one_class():
            return item_analysis(bank_id=bank_id, user_ids=students), blueprint_reliability(
                students
            )

        bank_cold, class_cold = cold(whole_bank), cold(one_class)
        bank_warm = statistics.median(timed(whole_bank) for _ in range(WARM_RUNS))
        class_warm = statistics.median(timed(one_class) for _ in range(WARM_RUNS))
        rows, _ = whole_bank()
        counted = sum(r.stats.responses for r in rows)
    kept = "flask stats rebuild" if rebuilt.exit_code == 0 else "no flask stats rebuild"
    print(
        f"{responses:>9,} responses ({counted:,} analysed, {len(rows)} versions; seeded in "
        f"{seeded:.0f} s, {kept} in {rebuild_s:.0f} s): bank cold {bank_cold:.0f} ms, warm "
        f"{bank_warm:.0f} ms; {CLASS_SIZE}-student class cold {class_cold:.0f} ms, warm "
        f"{class_warm:.0f} ms"
    )


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    with tempfile.TemporaryDirectory() as folder:
        for responses in sizes:
            run(responses, Path(folder))
    print("goal: bank cold < 200 ms at 1,000,000 responses")


if __name__ == "__main__":
    main()
