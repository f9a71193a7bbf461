"""The committed migrations build exactly the schema the models describe, and undo cleanly."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from config import TestingConfig
from quizapp.extensions import db
from tests.history.test_aggregates import aggregate_rows, answer_all, finish

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


def test_upgrade_to_aggregates_fills_them_from_the_history(
    empty_db, runner, make_user, make_bank, make_blueprint, start_attempt
):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    make_bank("demo", n_questions=10)
    make_blueprint("demo-test", "demo", 5)
    student = make_user()
    for mode in ("exam", "tutor", "exam"):
        attempt_id = start_attempt(student, mode=mode, now=START)
        answer_all(empty_db, attempt_id, now=START, right=lambda position: position % 2 == 1)
        finish(empty_db, attempt_id, now=START + timedelta(minutes=5))
    kept = aggregate_rows(empty_db)
    assert all(kept.values())

    result = runner.invoke(args=["db", "downgrade", "0007_import_previews"])
    assert result.exit_code == 0, result.output
    assert not _tables(empty_db) & set(kept)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert aggregate_rows(empty_db) == kept
