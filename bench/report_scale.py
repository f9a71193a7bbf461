"""Benchmark: the class report and the progress page as the history grows.

Run from the checkout whose code to measure, for example
    PYTHONPATH=. .venv/bin/python bench/report_scale.py
It seeds a SQLite file in a temporary folder per scenario (a class of 20, 200 and 1,000
students with 10 finished 10-question tests each; students with 10, 100 and 1,000), then asks
an instructor's pages through the test client of a freshly created app: first a warm-up page of
the same kind about others (a one-student class, another student's progress) so that templates
and connections are ready, then the measured page: "cold" is its first request (what a report
costs after every finished test when a per-process cache is keyed by the results), "warm" the
median of the next three. Only public URLs and the demo seeder are used, so the script
measures any revision of the app.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.auth.models import User
from quizapp.auth.passwords import hash_password
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.classes.models import Enrollment
from quizapp.classes.services import create_class
from quizapp.extensions import db
from quizapp.history.demo import BASE, seed_attempts

PASSWORD = "bench-password"
CLASS_SIZES = (20, 200, 1000)
CLASS_ATTEMPTS_EACH = 10
ONE_STUDENT_ATTEMPTS = (10, 100, 1000)
QUESTIONS_EACH = 10
WARM_RUNS = 3


def bank_text(questions: int = 60, topics: int = 6) -> str:
    lines = [
        "format: 1",
        "bank: {id: bench, title: Bench bank}",
        "topics: [" + ", ".join(f"{{id: t{t}, title: Topic {t}}}" for t in range(topics)) + "]",
        "questions:",
    ]
    for i in range(questions):
        lines += [
            f"  - {{id: q{i}, type: single_best, topic: t{i % topics}, difficulty: easy,",
            f'     stem: "Question {i}?", options: [a{i}, b{i}, c{i}, d{i}], key: a{i},',
            f'     rationale: "Because a{i}."}}',
        ]
    return "\n".join(lines) + "\n"


BLUEPRINT = (
    "format: 1\nblueprint: {id: bench-test, title: Bench test, time_limit_minutes: 30,"
    f" passing_percent: 70, sections: [{{bank: bench, questions: {QUESTIONS_EACH}}}]}}\n"
)


def config_for(path: Path) -> type[TestingConfig]:
    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    return BenchConfig


def seed(path: Path, students: int, attempts_each: int) -> tuple[int, int, list[int]]:
    """A bank, a blueprint, an instructor's class of `students` with their finished tests and
    a warm-up class of the last one; return both class ids and the students' ids."""
    app = create_app(config_for(path))
    with app.app_context():
        db.create_all()
        sync_bank(parse_bank(bank_text()), now=BASE)
        sync_blueprint(parse_blueprint(BLUEPRINT))
        password_hash = hash_password(PASSWORD)
        rows = [
            {"email": f"s{n}@example.org", "display_name": f"Student {n:04}", "role": "student"}
            for n in range(students)
        ]
        rows.append({"email": "teacher@example.org", "display_name": "T", "role": "instructor"})
        db.session.execute(
            sa.insert(User), [{**row, "password_hash": password_hash} for row in rows]
        )
        teacher = db.session.scalar(sa.select(User).where(User.role == "instructor"))
        classroom = create_class(teacher, "Bench class")
        warm_up = create_class(teacher, "Warm-up class")
        ids = db.session.scalars(
            sa.select(User.id).where(User.role == "student").order_by(User.id)
        ).all()
        db.session.execute(
            sa.insert(Enrollment),
            [{"class_id": classroom.id, "student_id": n, "joined_at": BASE} for n in ids]
            + [{"class_id": warm_up.id, "student_id": ids[-1], "joined_at": BASE}],
        )
        db.session.commit()
        blueprint_id = db.session.scalar(sa.select(Blueprint.id))
        seed_attempts(
            list(ids),
            attempts_each=attempts_each,
            questions_each=QUESTIONS_EACH,
            blueprint_id=blueprint_id,
        )
        class_ids = classroom.id, warm_up.id
        db.engine.dispose()
    return *class_ids, list(ids)


def measure(path: Path, warm_up_url: str, url: str) -> tuple[float, float, int]:
    """Cold and warm milliseconds of an instructor's page in a freshly created app (after a
    warm-up page), and its size in bytes."""
    app = create_app(config_for(path))
    client = app.test_client()
    login = {"email": "teacher@example.org", "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    assert client.get(warm_up_url).status_code == 200
    started = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - started)
    with app.app_context():
        db.engine.dispose()
    return 1000 * cold, 1000 * statistics.median(warm), len(response.data)


def main() -> None:
    print(f"{'page':<40}{'cold ms':>10}{'warm ms':>10}{'KB':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for students in CLASS_SIZES:
            path = Path(folder) / f"class-{students}.sqlite"
            class_id, warm_up_id, _ = seed(path, students, CLASS_ATTEMPTS_EACH)
            cold, warm, size = measure(path, f"/classes/{warm_up_id}", f"/classes/{class_id}")
            label = f"class report, {students} students"
            print(f"{label:<40}{cold:>10.0f}{warm:>10.0f}{size / 1024:>8.0f}", flush=True)
        for attempts in ONE_STUDENT_ATTEMPTS:
            path = Path(folder) / f"student-{attempts}.sqlite"
            class_id, _, (first, second) = seed(path, 2, attempts)
            cold, warm, size = measure(
                path,
                f"/classes/{class_id}/students/{second}",
                f"/classes/{class_id}/students/{first}",
            )
            label = f"progress page, {attempts} attempts"
            print(f"{label:<40}{cold:>10.0f}{warm:>10.0f}{size / 1024:>8.0f}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
