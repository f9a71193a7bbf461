"""Benchmark: `flask stats calibrate` on a SQLite database of 100,000 and 1,000,000 responses
(nightly budget: 60 s at 1,000,000 on a 2-core machine).

Run with `.venv/bin/python bench/calibrate_db.py [responses ...]`. For each size it seeds a
SQLite file with finished 50-question exam attempts by simulated students of known ability at a
1,000-question bank (bulk inserts), then times a cold calibration (the first night) and a warm
one (the next night, after 5 % more responses), each including reading the responses from the
database and writing the estimates back, and reports the correlation of the estimated with the
true difficulties.
"""

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.item_analysis import GradedAttempt, insert_graded_attempts
from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Question, QuestionVersion
from quizapp.banks.services import sync_bank
from quizapp.extensions import db
from quizapp.readiness.calibration import calibrate_items
from quizapp.readiness.models import ItemCalibration

QUESTIONS, PER_ATTEMPT = 1_000, 50
ATTEMPTS_PER_BATCH = 2_000
LABELS = ("easy", "medium", "hard")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def bank_text(difficulty: list[float]) -> str:
    lines = ["format: 1", "bank: {id: bench, title: Bench}", "topics: [{id: t, title: T}]"]
    lines.append("questions:")
    for i, b in enumerate(difficulty):
        label = LABELS[0 if b < -1.2 else 1 if b < -0.4 else 2]
        lines += [
            f"  - {{id: q{i}, type: single_best, topic: t, difficulty: {label},",
            f'     stem: "Question {i}?", options: [a{i}, b{i}, c{i}, d{i}], key: a{i},',
            f'     rationale: "Because a{i}."}}',
        ]
    return "\n".join(lines) + "\n"


def seed(responses: int, rng: random.Random, difficulty: dict, ability: dict, first: int) -> None:
    versions = db.session.execute(
        sa.select(Question.id, QuestionVersion.id, Question.external_id).join(
            QuestionVersion, Question.current_version_id == QuestionVersion.id
        )
    ).all()
    user_ids = list(ability)
    attempts_wanted = responses // PER_ATTEMPT
    for start in range(first, first + attempts_wanted, ATTEMPTS_PER_BATCH):
        batch = []
        for a in range(start + 1, min(first + attempts_wanted, start + ATTEMPTS_PER_BATCH) + 1):
            user_id = user_ids[a % len(user_ids)]
            picked = rng.sample(versions, PER_ATTEMPT)
            scores = [
                1.0 if rng.random() < 1 / (1 + np.exp(difficulty[ext] - ability[user_id])) else 0.0
                for _, _, ext in picked
            ]
            pairs = [(question_id, version_id) for question_id, version_id, _ in picked]
            responses = [0 if score else 1 for score in scores]
            finished = NOW + timedelta(minutes=a)
            batch.append(GradedAttempt(a, user_id, pairs, scores, responses, finished))
        insert_graded_attempts(batch)


def correlation(true_difficulty: dict) -> float:
    rows = db.session.execute(
        sa.select(Question.external_id, ItemCalibration.difficulty).join(
            ItemCalibration, ItemCalibration.version_id == Question.current_version_id
        )
    ).all()
    return float(np.corrcoef([true_difficulty[e] for e, _ in rows], [b for _, b in rows])[0, 1])


def run(responses: int, folder: Path) -> None:
    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / f'calibrate-{responses}.sqlite'}"

    rng = random.Random(1)
    true_difficulty = {f"q{i}": rng.gauss(-0.8, 1) for i in range(QUESTIONS)}
    students = max(200, responses // 200)  # 4 attempts (200 answers) each
    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        sync_bank(parse_bank(bank_text(list(true_difficulty.values()))), now=NOW)
        db.session.execute(
            sa.insert(User),
            [
                {"email": f"s{n}@example.org", "display_name": f"S{n}", "password_hash": "x"}
                for n in range(students)
            ],
        )
        ability = {
            user_id: rng.gauss(0, 1)
            for user_id in db.session.scalars(sa.select(User.id).order_by(User.id))
        }
        started = time.perf_counter()
        seed(responses, rng, true_difficulty, ability, 0)
        seeded = time.perf_counter() - started
        cold = calibrate_items(now=NOW)
        cold = (cold.seconds, cold.iterations, cold.responses)
        db.session.commit()
        r_cold = correlation(true_difficulty)
        seed(responses // 20, rng, true_difficulty, ability, responses // PER_ATTEMPT)
        warm = calibrate_items(now=NOW + timedelta(days=1))
        warm = (warm.seconds, warm.iterations)
        db.session.commit()
        r_warm = correlation(true_difficulty)
    print(
        f"{responses:>9,} responses ({students:,} students, seeded in {seeded:.0f} s): "
        f"cold {cold[0]:.1f} s ({cold[1]} iterations, "
        f"{cold[2]:,} first responses, r = {r_cold:.3f}); "
        f"warm +5 % {warm[0]:.1f} s ({warm[1]} iterations, r = {r_warm:.3f})"
    )


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            run(size, Path(folder))
