"""`flask stats calibrate` on a small seeded database."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Blueprint, Question, QuestionVersion
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from quizapp.readiness.adaptive import start_adaptive_attempt
from quizapp.readiness.calibration import calibrate_items
from quizapp.readiness.models import CalibrationRun, ItemCalibration
from tests.conftest import bank_yaml, blueprint_yaml

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def seeded(app, make_bank, make_user):
    make_bank("demo", 20)
    students = [make_user().id for _ in range(30)]
    with app.app_context():
        # Students of rising ability: the first answers about 20 % right, the last about 90 %.
        seed_attempts(
            students,
            attempts_each=3,
            questions_each=10,
            accuracy=lambda user_id, n: 0.2 + 0.7 * (user_id - students[0]) / len(students),
        )
    return students


def _calibrations():
    return {row.version_id: row for row in db.session.scalars(sa.select(ItemCalibration)).all()}


def test_calibrate_stores_an_estimate_per_version_and_a_run(app, runner, seeded):
    result = runner.invoke(args=["stats", "calibrate"])
    assert result.exit_code == 0, result.output
    assert "Calibrated 20 items from" in result.output
    with app.app_context():
        rows = _calibrations()
        run = db.session.scalar(sa.select(CalibrationRun))
        firsts = db.session.execute(
            sa.select(sa.func.count(sa.distinct(AttemptQuestion.version_id)))
        ).scalar()
        assert len(rows) == 20 == run.items and firsts == 20
        # First responses only: a student who met a question twice counts once.
        assert run.responses == sum(row.responses for row in rows.values()) < 30 * 3 * 10
        assert all(0 < row.difficulty_se < 1.5 for row in rows.values())
        assert all(row.discrimination == 1.0 for row in rows.values())  # too few for 2PL
        assert all(row.discrimination_se is None for row in rows.values())
        assert run.population_sd > 0.3 and set(run.priors) == {"easy", "medium", "hard"}


def test_a_second_run_starts_from_the_stored_estimates(app, seeded):
    with app.app_context():
        first = calibrate_items(now=datetime.now(UTC))
        before = {v: row.difficulty for v, row in _calibrations().items()}
        second = calibrate_items(now=datetime.now(UTC))
        after = {v: row.difficulty for v, row in _calibrations().items()}
        assert second.id > first.id
        assert second.iterations < first.iterations
        assert max(abs(before[v] - after[v]) for v in before) < 0.05


def test_versions_with_the_same_stem_options_and_key_are_pooled(app, seeded):
    edited = bank_yaml("demo", 20)
    # q1: only the rationale changes (one item); q2: the key changes (a new item).
    edited = edited.replace("rationale: Right 1 is", "rationale: Indeed, right 1 is")
    edited = edited.replace("options: [right 2, wrong 2, other 2]", "options: [right 2, wrong 2]")
    with app.app_context():
        sync_bank(parse_bank(edited), now=datetime.now(UTC))
        db.session.commit()
        run = calibrate_items(now=datetime.now(UTC))
        assert run.items == 21
        rows = _calibrations()
        versions = {
            (external_id, number): version_id
            for external_id, number, version_id in db.session.execute(
                sa.select(Question.external_id, QuestionVersion.number, QuestionVersion.id).join(
                    QuestionVersion, QuestionVersion.question_id == Question.id
                )
            )
        }
        q1_old, q1_new = rows[versions["q1", 1]], rows[versions["q1", 2]]
        assert (q1_old.difficulty, q1_old.responses) == (q1_new.difficulty, q1_new.responses) != 0
        q2_new = rows[versions["q2", 2]]
        assert q2_new.responses == 0 and rows[versions["q2", 1]].responses > 0


def test_calibrate_with_no_answers_sets_items_at_their_prior(app, runner, make_bank):
    make_bank("demo", 4)
    result = runner.invoke(args=["stats", "calibrate"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {row.difficulty for row in _calibrations().values()} == {-1.0}  # all "easy"


def test_exposure_counts_recent_adaptive_checks_over_at_least_50(app, make_bank, make_user):
    make_bank("demo", 20)
    text = blueprint_yaml("ready", "demo", 10).replace("sections:", "adaptive: true, sections:")
    now = datetime.now(UTC)
    with app.app_context():
        sync_blueprint(parse_blueprint(text))
        blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "ready"))
        students = [db.session.get(User, make_user().id) for _ in range(3)]
        for seed, student in enumerate(students):
            start_adaptive_attempt(student, blueprint, now=now - timedelta(days=1), seed=seed)
        old = start_adaptive_attempt(students[0], blueprint, now=now - timedelta(days=100))
        db.session.commit()
        shown = db.session.execute(
            sa.select(AttemptQuestion.version_id, sa.func.count())
            .where(AttemptQuestion.attempt_id != old.id)
            .group_by(AttemptQuestion.version_id)
        ).all()
        calibrate_items(now=now)
        db.session.commit()
        rows = _calibrations()
        for version_id, count in shown:
            assert rows[version_id].exposure == count / 50  # 3 recent checks, counted as 50
        assert sum(row.exposure for row in rows.values()) == 3 / 50
