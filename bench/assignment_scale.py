"""Benchmark: a class's page and one assignment's report as the class grows.

Run from the checkout, for example
    PYTHONPATH=. .venv/bin/python bench/assignment_scale.py 20 200 1000
For each class size it seeds a SQLite file: the class, five assignments of one practice test and
two finished tries per student at each (10 tries per student), then asks the class page, the
first and the last page of an assignment's report and its CSV through the test client. It prints
the median of five requests after a warm-up, and the SQL statements each request ran.
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.report_scale import BLUEPRINT, PASSWORD, bank_text, config_for
from quizapp import create_app
from quizapp.assignments.services import assign_test
from quizapp.auth.models import User
from quizapp.auth.passwords import hash_password
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.classes.models import Enrollment
from quizapp.classes.services import create_class
from quizapp.exams.models import Attempt
from quizapp.extensions import db

ASSIGNMENTS = 5
TRIES = 2
RUNS = 5


def seed(app, students: int, now: datetime) -> tuple[int, int]:
    with app.app_context():
        db.create_all()
        sync_bank(parse_bank(bank_text()), now=now)
        sync_blueprint(parse_blueprint(BLUEPRINT))
        password_hash = hash_password(PASSWORD)
        teacher = User(
            email="t@example.org", display_name="T", password_hash=password_hash, role="instructor"
        )
        db.session.add(teacher)
        db.session.flush()
        classroom = create_class(teacher, "Big class")
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"s{i}@example.org",
                    "display_name": f"S {i:05}",
                    "password_hash": password_hash,
                    "role": "student",
                }
                for i in range(students)
            ],
        )
        ids = db.session.scalars(sa.select(User.id).where(User.role == "student")).all()
        db.session.execute(
            sa.insert(Enrollment), [{"class_id": classroom.id, "student_id": i} for i in ids]
        )
        assignments = assign_test(
            teacher,
            db.session.scalar(sa.select(Blueprint)),
            [classroom] * ASSIGNMENTS,
            mode="exam",
            opens_at=now - timedelta(days=2),
            due_at=now + timedelta(days=1),
            max_attempts=TRIES + 1,
            accept_late=True,
            now=now - timedelta(days=2),
        )
        db.session.execute(
            sa.insert(Attempt),
            [
                {
                    "user_id": student,
                    "assignment_id": a.id,
                    "assignment_try": t,
                    "title": "x",
                    "mode": "exam",
                    "status": "finished",
                    "settings": {},
                    "question_count": 10,
                    "passing_percent": 70,
                    "started_at": now - timedelta(days=1),
                    "finished_at": now - timedelta(hours=n % 48 - 24),
                    "percent": float((n * 7 + t) % 100),
                    "finish_reason": "submitted",
                }
                for a in assignments
                for n, student in enumerate(ids)
                for t in range(1, TRIES + 1)
            ],
        )
        db.session.commit()
        return classroom.id, assignments[0].id


def measure(students: int) -> None:
    now = datetime.now(UTC)
    app = create_app(config_for(Path(tempfile.mkdtemp()) / "bench.sqlite"))
    class_id, assignment_id = seed(app, students, now)
    client = app.test_client()
    client.post("/login", data={"email": "t@example.org", "password": PASSWORD})
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    last = -(-students // 50)
    report = f"/classes/{class_id}/assignments/{assignment_id}"
    for url in (f"/classes/{class_id}", report, f"{report}?page={last}", f"{report}.csv"):
        client.get(url)
        times = []
        for _ in range(RUNS):
            statements.clear()
            start = time.perf_counter()
            assert client.get(url).status_code == 200, url
            times.append(time.perf_counter() - start)
        print(
            f"{students:>6} students  {url.replace(str(class_id), 'C', 1):<36}"
            f" {statistics.median(times) * 1000:6.0f} ms  {len(statements)} statements"
        )


if __name__ == "__main__":
    for size in map(int, sys.argv[1:] or ["20", "200", "1000"]):
        measure(size)
