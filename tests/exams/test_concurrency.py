"""Concurrency on a database threads share (a SQLite file, or PostgreSQL): racing submits
grade once; racing saves all stay."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.exams import services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.extensions import db
from tests.conftest import shared_database_config
from tests.exams.conftest import START, correct_form


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


@pytest.mark.usefixtures("mixed")
def test_racing_submits_grade_exactly_once(app, make_user):
    """20 threads, each with its own connection, finish one attempt at the same moment."""
    student = make_user()
    with app.app_context():
        test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "mixed-test"))
        user = db.session.get(User, student.id)
        attempt = services.start_blueprint_attempt(
            user, test, mode=Mode.EXAM, accommodation=STANDARD, now=START, seed=1
        )
        db.session.commit()
        attempt_id = attempt.id
    results, barrier = [], threading.Barrier(20)

    def submit():
        with app.app_context():
            mine = db.session.get(Attempt, attempt_id)
            barrier.wait(timeout=20)
            try:
                results.append(services.finish_attempt(mine, now=START + timedelta(minutes=1)))
                db.session.commit()
            except Exception as exc:
                results.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert results.count(False) == 19, results
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "finished"


@pytest.mark.usefixtures("mixed")
def test_answers_saved_from_many_threads_are_all_kept(app, make_user, start_attempt):
    """Students save at the same moment into one SQLite file: no answer is lost or refused."""
    users = [make_user() for _ in range(8)]
    attempts = [start_attempt(user, "mixed-test") for user in users]
    errors, barrier = [], threading.Barrier(len(attempts) * 2)

    def answer(attempt_id: int, positions: list[int]):
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            items = [services.load_item(attempt, p) for p in positions]
            forms = [MultiDict(correct_form(item.slot)) for item in items]
            barrier.wait(timeout=20)
            try:
                for item, form in zip(items, forms, strict=True):
                    services.save_answer(
                        attempt,
                        item,
                        form,
                        revision=0,
                        now=datetime.now(UTC),
                        grace=timedelta(seconds=30),
                    )
                    db.session.commit()
            except Exception as exc:
                errors.append(exc)
                db.session.rollback()

    threads = [
        threading.Thread(target=answer, args=(a, half))
        for a in attempts
        for half in ([1, 2, 3], [4, 5, 6])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        saved = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AttemptQuestion)
            .where(AttemptQuestion.answered_at.is_not(None))
        )
        assert saved == len(attempts) * 6
