"""`flask users ...` commands."""

import pytest
import sqlalchemy as sa

from quizapp.auth import passwords
from quizapp.auth.models import User
from quizapp.extensions import db

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
