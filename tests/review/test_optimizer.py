"""Fitting a student's FSRS parameters (`flask review optimize`), with the optional
fsrs-rs-python installed (the dev extra) and as if it were not."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fsrs import Scheduler

from quizapp.banks.models import Question
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.review import optimizer
from quizapp.review.models import ReviewCard, ReviewSettings
from quizapp.scoring import spaced
from tests.review.conftest import DAY1, answer, question_id


def _history(app, student, *, days: int, questions: int) -> None:
    """Graded answers to the first `questions` questions every third day for `days` days,
    three in four questions always right and the rest right every other time (inserted in
    bulk: the optimizer reads only the graded answers)."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Question.id, Question.current_version_id)
            .order_by(Question.id)
            .limit(questions)
        ).all()
        for day in range(days):
            when = DAY1 + timedelta(days=3 * day)
            attempt = Attempt(
                user_id=student.id,
                title="History",
                mode="tutor",
                status="finished",
                settings={},
                question_count=len(rows),
                passing_percent=70,
                started_at=when,
                finished_at=when,
            )
            db.session.add(attempt)
            db.session.flush()
            db.session.execute(
                sa.insert(AttemptQuestion),
                [
                    {
                        "attempt_id": attempt.id,
                        "position": n,
                        "question_id": question_id,
                        "version_id": version_id,
                        "layout": {},
                        "response": 0,
                        "revision": 1,
                        "flagged": False,
                        "answered_at": when,
                        "answer_seconds": 20,
                        "score": 1.0 if n % 4 or day % 2 == 0 else 0.0,
                        "graded_at": when,
                    }
                    for n, (question_id, version_id) in enumerate(rows, start=1)
                ],
            )
        db.session.commit()


def test_optimize_fits_students_with_enough_reviews(app, runner, student, make_user, make_bank):
    make_bank("demo", 40)
    _history(app, student, days=10, questions=40)  # 400 reviews
    beginner = make_user()
    _history(app, beginner, days=1, questions=12)
    app.config["REVIEW_OPTIMIZE_MIN_REVIEWS"] = 300
    result = runner.invoke(args=["review", "optimize"])
    assert result.exit_code == 0, result.output
    assert f"user {student.id}: fitted to 400 reviews" in result.output
    assert "1 of 1 students fitted" in result.output  # the beginner is not even tried
    with app.app_context():
        settings = db.session.get(ReviewSettings, student.id)
        assert len(settings.parameters) == 21 and settings.fitted_reviews == 400
        assert settings.parameters != pytest.approx(list(Scheduler().parameters))
        assert db.session.get(ReviewSettings, beginner.id) is None
        # The next answer is scheduled with the fitted parameters, not the defaults.
        qid, when = question_id("q40"), DAY1 + timedelta(days=40)
        fitted = spaced.review(None, spaced.Rating.Good, now=when, parameters=settings.parameters)
        assert fitted.due != spaced.review(None, spaced.Rating.Good, now=when).due
        answer(student.id, [qid], right=True, now=when)
        db.session.expire_all()
        assert db.session.get(ReviewCard, (student.id, qid)).due == fitted.due

    result = runner.invoke(args=["review", "optimize", "--email", beginner.email])
    assert "not fitted: 12 reviews; at least 300 are needed" in result.output


def test_optimize_says_when_the_optimizer_is_not_installed(runner, monkeypatch):
    monkeypatch.setattr(optimizer, "OPTIMIZER_MODULE", "fsrs_rs_python_not_installed")
    result = runner.invoke(args=["review", "optimize"])
    assert result.exit_code == 1
    assert "The FSRS optimizer is not installed: pip install 'quizapp[optimizer]'" in result.output


def test_training_items_hold_each_review_on_a_later_day():
    module = optimizer.load_optimizer()
    day = DAY1
    good, again = spaced.Rating.Good, spaced.Rating.Again
    history = {
        1: [(day, good), (day, good), (day + timedelta(days=2), again)],
        2: [(day, again)],  # one review: nothing to learn from
    }
    items = optimizer.training_items(history, module)
    assert len(items) == 1
    assert [repr(review) for review in items[0].reviews] == [
        "FSRSReview { rating: 3, delta_t: 0 }",
        "FSRSReview { rating: 3, delta_t: 0 }",
        "FSRSReview { rating: 1, delta_t: 2 }",
    ]
