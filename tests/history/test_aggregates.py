"""Per-student aggregates kept by grading equal a rebuild from the answers, stay exact when one
student's attempts finish at once, and give the reports what the answers themselves give."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.banks.models import QuestionVersion
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history import services
from quizapp.history.aggregates import AGGREGATE_MODELS, RECENT_ANSWERS_PER_TOPIC
from quizapp.history.models import StudentBankScores, StudentBlueprintResult, StudentTotal
from tests.exams.conftest import correct_form, slots, wrong_form

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=30)


def answer_all(app, attempt_id: int, *, now: datetime, right, skip=(), check=True) -> None:
    """Answer every question (right when `right(position)`) except the `skip` positions; in
    tutor mode checked at once unless `check` is false (left for the end, as Next or Skip do)."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for slot in slots(attempt_id):
            if slot.position in skip:
                continue
            form = correct_form(slot) if right(slot.position) else wrong_form(slot)
            item = exam_services.load_item(attempt, slot.position)
            exam_services.save_answer(
                attempt, item, form, revision=item.slot.revision, now=now, grace=GRACE, grade=check
            )
            db.session.commit()


def finish(app, attempt_id: int, *, now: datetime, reason: str = "submitted") -> None:
    with app.app_context():
        exam_services.finish_attempt(db.session.get(Attempt, attempt_id), now=now, reason=reason)
        db.session.commit()


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def aggregate_rows(app) -> dict[str, list[tuple]]:
    """Every aggregate row, floats rounded (sums may add in another order)."""
    with app.app_context():
        tables = {}
        for model in AGGREGATE_MODELS:
            key = list(model.__table__.primary_key.columns)
            rows = db.session.execute(sa.select(*model.__table__.columns).order_by(*key)).all()
            tables[model.__tablename__] = [tuple(_rounded(v) for v in row) for row in rows]
        return tables


def _history(app, make_user, make_bank, make_blueprint, start_attempt):
    """Two students' history through real gradings: exam and tutor attempts, answers left
    blank, tutor answers left unchecked until the end, an attempt expiring with a finish time
    before an attempt finished earlier, and a tutor attempt still open with graded answers."""
    make_bank("demo", n_questions=10)
    make_bank("other", n_questions=6)
    make_blueprint("demo-test", "demo", 5)
    make_blueprint("other-test", "other", 4)
    alice, bob = make_user(), make_user()
    moment = START
    for n in range(12):
        mode = "tutor" if n % 3 == 0 else "exam"
        attempt_id = start_attempt(alice, "demo-test", mode=mode, now=moment, seed=n)
        answer_all(
            app,
            attempt_id,
            now=moment,
            right=lambda p, n=n: (p + n) % 3 > 0,
            skip={n % 5 + 1},
            check=n % 2 == 0,  # half the tutor sessions checked as they go
        )
        moment += timedelta(days=2, hours=n)
        finish(app, attempt_id, now=moment)
    for n in range(3):
        attempt_id = start_attempt(bob, "other-test", now=moment, seed=n)
        answer_all(app, attempt_id, now=moment, right=lambda p: p % 2 == 0)
        finish(app, attempt_id, now=moment + timedelta(minutes=5))
    late = start_attempt(bob, "demo-test", now=moment - timedelta(hours=1), seed=99)
    answer_all(app, late, now=moment - timedelta(minutes=55), right=lambda p: True)
    finish(app, late, now=moment + timedelta(days=1), reason="expired")  # finished at deadline
    open_tutor = start_attempt(bob, "other-test", mode="tutor", now=moment, seed=7)
    answer_all(app, open_tutor, now=moment + timedelta(minutes=1), right=lambda p: p == 1)
    return alice, bob


def test_rebuild_gives_the_aggregates_that_grading_kept(
    app, runner, make_user, make_bank, make_blueprint, start_attempt
):
    _history(app, make_user, make_bank, make_blueprint, start_attempt)
    kept = aggregate_rows(app)
    assert all(kept.values())  # every table has rows
    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt per-student results and topic mastery." in result.output
    assert aggregate_rows(app) == kept


def test_a_tutor_session_ended_early_charts_its_answered_questions_only(
    app, make_user, make_bank, make_blueprint, start_attempt
):
    """Two of five answered, both right: 100 % for the chart, not 40 %; an exam counts its
    blanks as wrong."""
    make_bank("demo", n_questions=10)
    make_blueprint("demo-test", "demo", 5)
    student = make_user()
    percents = []
    for n, mode in enumerate(("tutor", "exam")):
        attempt_id = start_attempt(student, "demo-test", mode=mode, now=START, seed=n)
        answer_all(app, attempt_id, now=START, right=lambda p: True, skip={3, 4, 5})
        finish(app, attempt_id, now=START + timedelta(hours=n + 1))
    with app.app_context():
        [series] = db.session.scalars(sa.select(StudentBankScores.recent)).all()
        percents = [round(percent) for _, _, percent in series]
    assert percents == [100, 40]


def test_mastery_is_the_latest_answers_per_topic(
    app, make_user, make_bank, make_blueprint, start_attempt
):
    alice, bob = _history(app, make_user, make_bank, make_blueprint, start_attempt)
    with app.app_context():
        for student in (alice, bob):
            answers = db.session.execute(
                sa.select(QuestionVersion.topic_id, AttemptQuestion.score)
                .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
                .where(
                    Attempt.user_id == student.id,
                    AttemptQuestion.graded_at.is_not(None),
                    AttemptQuestion.answered_at.is_not(None),
                )
                .order_by(AttemptQuestion.graded_at, AttemptQuestion.id)
            ).all()
            by_topic: dict[int, list[float]] = {}
            for topic_id, score in answers:
                by_topic.setdefault(topic_id, []).append(score)
            expected = sorted(
                (len(s[-RECENT_ANSWERS_PER_TOPIC:]), sum(s[-RECENT_ANSWERS_PER_TOPIC:]))
                for s in by_topic.values()
            )
            mastery = services.topic_mastery(student.id)
            assert sorted((t.answered, t.points) for t in mastery) == expected
            assert services.questions_answered(student.id) == len(answers)
        # Alice answered more than the window on some topic: the window is what counts.
        assert max(t.answered for t in services.topic_mastery(alice.id)) == (
            RECENT_ANSWERS_PER_TOPIC
        )


def test_results_kept_per_blueprint_follow_the_finish_times(
    app, make_user, make_bank, make_blueprint, start_attempt
):
    alice, bob = _history(app, make_user, make_bank, make_blueprint, start_attempt)
    with app.app_context():
        percents = (
            db.session.execute(
                sa.select(Attempt.percent)
                .where(Attempt.user_id == alice.id, Attempt.status == "finished")
                .order_by(Attempt.finished_at, Attempt.id)
            )
            .scalars()
            .all()
        )
        kept = db.session.scalar(
            sa.select(StudentBlueprintResult).where(StudentBlueprintResult.user_id == alice.id)
        )
        assert kept.attempts == len(percents) == 12
        assert kept.best_percent == max(percents)
        assert [entry[2] for entry in kept.recent] == percents[-5:]
        assert db.session.get(StudentTotal, bob.id).finished_attempts == 4
