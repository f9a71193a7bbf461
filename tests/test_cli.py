"""`flask users ...` commands."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.auth import passwords
from quizapp.auth.models import User
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from tests.conftest import bank_yaml, blueprint_yaml

pytestmark = pytest.mark.usefixtures("app")


def _user(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_admin_with_prompted_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "Boss@School.edu", "--role", "admin", "--name", "The Boss"],
        input="measure twice, cut once\nmeasure twice, cut once\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@school.edu" in result.output
    user = _user(app, "boss@school.edu")
    assert (user.role, user.display_name) == ("admin", "The Boss")
    assert passwords.verify_password(user.password_hash, "measure twice, cut once")


def test_create_with_password_from_environment(app, runner):
    result = runner.invoke(
        args=["users", "create", "ci@school.edu", "--role", "instructor"],
        env={"QUIZAPP_PASSWORD": "scripted password 123"},
    )
    assert result.exit_code == 0, result.output
    assert _user(app, "ci@school.edu").display_name == "ci"


def test_create_refuses_duplicates_and_weak_passwords(app, runner, make_user):
    make_user(email="taken@school.edu")
    result = runner.invoke(
        args=["users", "create", "TAKEN@school.edu"], env={"QUIZAPP_PASSWORD": "long enough pw!"}
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    result = runner.invoke(
        args=["users", "create", "new@school.edu"], env={"QUIZAPP_PASSWORD": "short"}
    )
    assert result.exit_code == 1
    assert "at least 12" in result.output
    assert _user(app, "new@school.edu") is None


def test_unknown_role_is_refused(runner):
    result = runner.invoke(args=["users", "create", "x@school.edu", "--role", "root"])
    assert result.exit_code == 2
    assert "'root' is not one of" in result.output


def test_set_role_and_list(app, runner, make_user):
    user = make_user()
    result = runner.invoke(args=["users", "set-role", user.email, "instructor"])
    assert result.exit_code == 0, result.output
    assert _user(app, user.email).role == "instructor"
    assert user.email in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "set-role", "nobody@x.org", "admin"]).exit_code == 1


def test_set_password_for_a_locked_out_admin(app, runner, make_user):
    admin = make_user("admin")
    result = runner.invoke(
        args=["users", "set-password", admin.email],
        env={"QUIZAPP_PASSWORD": "recovered passphrase"},
    )
    assert result.exit_code == 0, result.output
    assert passwords.verify_password(_user(app, admin.email).password_hash, "recovered passphrase")


def test_banks_sync_twice_changes_nothing_the_second_time(app, runner, tmp_path):
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "demo.yaml").write_text(bank_yaml("demo", 4))
    (tmp_path / "blueprints" / "t.yaml").write_text(blueprint_yaml("t", "demo", 2))
    first = runner.invoke(args=["banks", "sync", "--dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "demo: 4 new, 0 changed, 0 unchanged" in first.output
    second = runner.invoke(args=["banks", "sync", "--dir", str(tmp_path)])
    assert "demo: 0 new, 0 changed, 4 unchanged, 0 retired" in second.output
    listing = runner.invoke(args=["banks", "list"]).output
    assert "demo" in listing and "4 questions" in listing and "blueprint t" in listing


def test_banks_sync_reports_a_broken_file_and_fails(runner, tmp_path):
    (tmp_path / "bad.yaml").write_text(bank_yaml("bad", 2).replace("key: right 2", "key: nope"))
    result = runner.invoke(args=["banks", "sync", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output and "key 'nope' is not among the options" in result.output


def test_banks_check(runner, tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(bank_yaml("good", 2))
    bad.write_text("format: 1\nbank: {id: x\n")
    result = runner.invoke(args=["banks", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert "good.yaml: bank good, 2 questions, OK" in result.output
    assert "malformed YAML" in result.output and "nothing would be loaded" in result.output


def test_exams_expire_grades_overdue_attempts(
    app, runner, make_user, make_bank, make_blueprint, start_attempt
):
    make_bank("demo", 3)
    make_blueprint("demo-test", "demo", 2)
    user = make_user()
    overdue = start_attempt(user, now=datetime.now(UTC) - timedelta(hours=1))
    current = start_attempt(user)
    result = runner.invoke(args=["exams", "expire"])
    assert result.exit_code == 0 and "1 overdue attempt(s) graded." in result.output
    with app.app_context():
        assert db.session.get(Attempt, overdue).finish_reason == "expired"
        assert db.session.get(Attempt, current).is_open


def test_optimize_db(runner):
    result = runner.invoke(args=["optimize-db"])
    assert result.exit_code == 0 and "statistics refreshed" in result.output
