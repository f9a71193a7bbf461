"""Benchmark: counting a student's due review cards (today and this week) among 100,000 cards
(goal: under 100 ms), as the home page and the review page do on every visit.

Run with `make bench-review` (or `.venv/bin/python bench/review_due.py`). It seeds a SQLite file
with one bank of 100,000 questions (a few retired, as in a real bank) and one student with a
card on each, due over the next 60 days (bulk inserts, as a restore would), plus 20 other
students' cards so the index is shared. Then it times `review.services.due_counts` and the
review page's preview list: once cold (a new connection) and then warm (median of runs).
With BENCH_DATABASE_URL set (PostgreSQL), it runs there instead.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.banks.models import Bank, Question, QuestionVersion, Topic
from quizapp.extensions import db
from quizapp.review import services
from quizapp.review.models import ReviewCard

CARDS = 100_000
OTHER_STUDENTS, OTHER_CARDS = 20, 5_000
RETIRED = 500
WARM_RUNS = 20
GOAL_MS = 100.0


def seed(now: datetime) -> int:
    rng = random.Random(16)
    bank = Bank(slug="bench", title="Bench")
    users = [
        User(email=f"s{n}@example.org", display_name=f"S{n}", password_hash="x")
        for n in range(OTHER_STUDENTS + 1)
    ]
    db.session.add_all([bank, *users])
    db.session.flush()
    db.session.execute(
        sa.insert(Question),
        [
            {
                "bank_id": bank.id,
                "external_id": f"q{n}",
                "retired_at": now if n < RETIRED else None,
                "created_at": now,
            }
            for n in range(CARDS)
        ],
    )
    ids = db.session.scalars(sa.select(Question.id).order_by(Question.id)).all()
    topic = Topic(bank_id=bank.id, slug="t", title="Topic")
    db.session.add(topic)
    db.session.flush()
    db.session.execute(
        sa.insert(QuestionVersion),
        [
            {
                "question_id": question_id,
                "number": 1,
                "type": "true_false",
                "stem": f"Statement {question_id} is true.",
                "content": {"key": True},
                "rationale": "Because.",
                "topic_id": topic.id,
                "difficulty": "easy",
                "tags": [],
                "fingerprint": str(question_id),
                "created_at": now,
            }
            for question_id in ids
        ],
    )
    db.session.execute(
        sa.update(Question).values(
            current_version_id=sa.select(QuestionVersion.id)
            .where(QuestionVersion.question_id == Question.id)
            .scalar_subquery()
        )
    )

    def card(user_id: int, question_id: int) -> dict:
        return {
            "user_id": user_id,
            "question_id": question_id,
            "key_digest": "0" * 16,
            "state": 2,
            "stability": 5.0,
            "difficulty": 5.0,
            "due": now + timedelta(hours=rng.uniform(-72, 24 * 60)),
            "last_review": now - timedelta(days=3),
            "reviews": 3,
            "misses": rng.choice((0, 0, 0, 1, 5)),
        }

    student = users[0].id
    for start in range(0, CARDS, 20_000):
        db.session.execute(
            sa.insert(ReviewCard), [card(student, q) for q in ids[start : start + 20_000]]
        )
    for other in users[1:]:
        db.session.execute(
            sa.insert(ReviewCard), [card(other.id, q) for q in rng.sample(ids, OTHER_CARDS)]
        )
    db.session.commit()
    return student


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return 1000 * (time.perf_counter() - started), result


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    folder = tempfile.TemporaryDirectory()

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{Path(folder.name) / 'review.sqlite'}"

    app = create_app(BenchConfig)
    now = datetime.now(UTC)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seeding, student = timed(lambda: seed(now))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        else:
            db.session.execute(sa.text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
        print(f"{db.engine.dialect.name}: seeded {CARDS:,} cards in {seeding / 1000:.1f} s")
        cold, counts = timed(lambda: services.due_counts(student, now=now, zone=UTC))
        warm = [
            timed(lambda: services.due_counts(student, now=now, zone=UTC))[0]
            for _ in range(WARM_RUNS)
        ]
        page = [
            timed(lambda: services.review_day(student, now=now, zone=UTC))[0]
            for _ in range(WARM_RUNS)
        ]
        print(f"due today {counts[0]:,}, this week {counts[1]:,}")
        print(f"due_counts: cold {cold:.1f} ms, warm median {statistics.median(warm):.1f} ms")
        print(f"review page's data (3 queries): median {statistics.median(page):.1f} ms")
        db.session.remove()
        if url:
            db.drop_all()
    ok = max(cold, statistics.median(warm)) < GOAL_MS
    print(f"goal: under {GOAL_MS:.0f} ms: {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
