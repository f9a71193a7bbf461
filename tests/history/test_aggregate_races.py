"""Two attempts of one student finishing at the same moment, each in a transaction of its own,
on a database that threads share (a SQLite file, or PostgreSQL under `make test-pg`): both are
counted in every aggregate, exactly as a rebuild from the answers counts them."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.history.models import StudentBlueprintResult, StudentTotal
from tests.conftest import shared_database_config
from tests.history.test_aggregates import aggregate_rows, answer_all

TRIALS = 10
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def _finish_together(app, attempt_ids: list[int], now: datetime) -> None:
    barrier = threading.Barrier(len(attempt_ids))
    failures: list[BaseException] = []

    def finish_one(attempt_id: int) -> None:
        try:
            with app.app_context():
                attempt = db.session.get(Attempt, attempt_id)
                barrier.wait(timeout=30)
                exam_services.finish_attempt(attempt, now=now)
                db.session.commit()
        except Exception as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=finish_one, args=(attempt_id,)) for attempt_id in attempt_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


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
        _finish_together(app, pair, moment)
    kept = aggregate_rows(app)
    with app.app_context():
        assert db.session.get(StudentTotal, student.id).finished_attempts == 2 * TRIALS
        assert db.session.get(StudentBlueprintResult, (student.id, 1)).attempts == 2 * TRIALS
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert aggregate_rows(app) == kept
