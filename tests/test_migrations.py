"""The committed migrations build exactly the schema the models describe, and undo cleanly."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from config import TestingConfig
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom, Enrollment
from quizapp.downgrades import ALLOW_VARIABLE
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from tests.item_stats.helpers import TABLES, snapshot

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite-file", "test-database"])
def config_class(request, tmp_path):
    """A SQLite file, and the suite's own database (PostgreSQL under `make test-pg`)."""
    if request.param == "test-database":
        return TestingConfig

    class FileDatabaseConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrated.sqlite'}"

    return FileDatabaseConfig


@pytest.fixture
def empty_db(app):
    with app.app_context():
        db.drop_all()  # the app fixture created the tables; migrations must do it themselves
    return app


def _tables(app):
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_matches_models_and_downgrade_empties(empty_db, runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_db) == set(db.metadata.tables)

    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output  # no model change lacks a migration

    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_db) == set()
    with empty_db.app_context():
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()


def test_upgrade_to_question_stats_sums_the_existing_responses(app, runner, make_bank, make_user):
    make_bank("demo", n_questions=8)
    students = [make_user().id for _ in range(3)]
    with app.app_context():
        blueprint = Blueprint(
            slug="t", title="T", time_limit_minutes=10, passing_percent=70, sections=[]
        )
        db.session.add(blueprint)
        db.session.commit()
        seed_attempts(students, attempts_each=4, questions_each=5, blueprint_id=blueprint.id)
        seed_attempts(students[:1], attempts_each=2, mode="tutor")
        kept = snapshot()
        db.session.commit()  # PostgreSQL: dropping waits for the snapshot's transaction
        for model in TABLES:
            model.__table__.drop(db.engine)
    assert runner.invoke(args=["db", "stamp", "0008_student_aggregates"]).exit_code == 0
    result = runner.invoke(args=["db", "upgrade", "0009_question_stats"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert snapshot() == kept
        assert sum(row[1] for row in kept["version_stats"]) == 3 * 4 * 5
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()


START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_class_accommodations_upgrade_and_downgrade(empty_db, runner):
    """0021 adds a standard accommodation to every enrolment and keeps the account-wide ones;
    going back drops only the enrolments' columns."""
    assert runner.invoke(args=["db", "upgrade", "0017_question_images"]).exit_code == 0
    with empty_db.app_context():
        teacher = User(
            email="t@example.org", display_name="T", password_hash="x", role="instructor"
        )
        student = User(email="s@example.org", display_name="S", password_hash="x")
        db.session.add_all([teacher, student])
        db.session.flush()
        student.untimed = True  # granted before classes had their own
        classroom = Classroom(name="MA 101", instructor_id=teacher.id, join_code="ABCDEFGH")
        db.session.add(classroom)
        db.session.flush()
        db.session.execute(
            sa.text(
                "INSERT INTO enrollments (class_id, student_id, joined_at) VALUES (:c, :s, :t)"
            ),
            {"c": classroom.id, "s": student.id, "t": START},
        )
        db.session.commit()
        student_id = student.id
        db.session.remove()  # PostgreSQL: altering a table waits for open transactions

    result = runner.invoke(args=["db", "upgrade", "0021_class_accommodations"])
    assert result.exit_code == 0, result.output
    with empty_db.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment))
        assert (enrollment.untimed, enrollment.time_multiplier) == (False, 1.0)
        user = db.session.get(User, student_id)
        assert (user.untimed, user.time_multiplier) == (True, 1.0)
        with pytest.raises(sa.exc.IntegrityError):  # never less than standard time
            db.session.execute(sa.update(Enrollment).values(time_multiplier=0.5))
        db.session.rollback()
        db.session.execute(sa.update(Enrollment).values(time_multiplier=1.5))
        db.session.commit()
        db.session.remove()

    # Going back would lose the class's 1.5x: refused until the operator says so.
    result = runner.invoke(args=["db", "downgrade", "0017_question_images"])
    assert result.exit_code == 1
    assert "this downgrade deletes class time accommodations (1 row(s))" in result.output
    assert f"{ALLOW_VARIABLE}=1" in result.output and "Traceback" not in result.output
    with empty_db.app_context():
        assert db.session.scalar(sa.select(Enrollment.time_multiplier)) == 1.5
        db.session.remove()
    result = runner.invoke(
        args=["db", "downgrade", "0017_question_images"], env={ALLOW_VARIABLE: "1"}
    )
    assert result.exit_code == 0, result.output
    with empty_db.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("enrollments")}
        assert columns == {"id", "class_id", "student_id", "joined_at"}
        query = sa.text("SELECT untimed FROM users WHERE id = :id")
        assert db.session.scalar(query, {"id": student_id})  # the account-wide one stays
        db.session.remove()

    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    with empty_db.app_context():
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()
