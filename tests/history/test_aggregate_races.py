"""Two attempts of one student finishing at the same moment, each in a transaction of its own,
on a database that threads share (a SQLite file, or PostgreSQL under `make test-pg`): both are
counted in every aggregate, exactly as a rebuild from the answers counts them."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.history.aggregates import rebuild_student_aggregates
from quizapp.history.demo import seed_attempts
from quizapp.history.models import StudentBlueprintResult, StudentTotal
from quizapp.review.cards import rebuild_cards
from quizapp.review.models import ReviewCard
from tests.conftest import shared_database_config
from tests.history.test_aggregates import aggregate_rows, answer_all

TRIALS = 10
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def _at_once(*works) -> list[BaseException]:
    """Run these at the same moment, each in a thread of its own; what they raised."""
    barrier = threading.Barrier(len(works))
    failures: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _finisher(app, attempt_id: int, now: datetime):
    def finish() -> None:
        with app.app_context():
            exam_services.finish_attempt(db.session.get(Attempt, attempt_id), now=now)
            db.session.commit()

    return finish


def test_attempts_finishing_at_once_are_all_counted(
    app, runner, make_user, make_bank, make_blueprint, start_attempt
):
    make_bank("demo", n_questions=10)
    make_blueprint("demo-test", "demo", 5)
    student = make_user()
    moment = START
    for trial in range(TRIALS):
        pair = [start_attempt(student, now=moment, seed=2 * trial + n) for n in range(2)]
        for n, attempt_id in enumerate(pair):
            answer_all(app, attempt_id, now=moment, right=lambda p, n=n: p % 2 == n)
        moment += timedelta(minutes=5)
        assert _at_once(*(_finisher(app, attempt_id, moment) for attempt_id in pair)) == []
    kept = aggregate_rows(app)
    with app.app_context():
        assert db.session.get(StudentTotal, student.id).finished_attempts == 2 * TRIALS
        assert db.session.get(StudentBlueprintResult, (student.id, 1)).attempts == 2 * TRIALS
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert aggregate_rows(app) == kept


def test_a_rebuild_while_new_students_finish_neither_fails_nor_loses_them(
    app, make_user, make_bank, make_blueprint, start_attempt
):
    """A student's first finished attempt inserts their aggregate rows and review cards; a
    rebuild deletes and inserts the same tables. Run at once, each ends whole and the result is
    what a quiet rebuild gives (PostgreSQL locks the tables for the rebuild)."""
    make_bank("demo", n_questions=10)
    make_blueprint("demo-test", "demo", 5)
    others = [make_user().id for _ in range(60)]
    with app.app_context():  # history enough for the rebuild to take a while
        seed_attempts(others, attempts_each=10, questions_each=10)
        db.session.commit()

    def rebuild() -> None:
        with app.app_context():
            rebuild_student_aggregates()
            rebuild_cards()
            db.session.commit()

    moment = START
    for trial in range(TRIALS):
        student = make_user()
        attempt_id = start_attempt(student, now=moment, seed=trial)
        answer_all(app, attempt_id, now=moment, right=lambda p: p % 2 == 0)
        moment += timedelta(minutes=5)

        assert _at_once(_finisher(app, attempt_id, moment), rebuild) == [], trial
    kept = aggregate_rows(app)
    with app.app_context():
        cards = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard))
        rebuild_student_aggregates()
        rebuild_cards()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard)) == cards
    assert aggregate_rows(app) == kept
