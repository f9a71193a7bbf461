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


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("not-an-email", None, "is not an email address"),
        ("@x.test", None, "is not an email address"),
        ("a@school.edu", "x" * 81, "A name needs 1 to 80 characters"),
        ("a@school.edu", "   ", "A name needs 1 to 80 characters"),
        ("a" * 250 + "@school.edu", None, "An email may have at most 254 characters"),
        ("a@", None, "is not an email address"),
    ],
)
def test_create_refuses_what_no_account_may_have(app, runner, email, name, message):
    args = ["users", "create", email] + (["--name", name] if name is not None else [])
    result = runner.invoke(args=args, env={"QUIZAPP_PASSWORD": "long enough pw!"})
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert _user(app, email) is None


def test_create_takes_an_intranet_address(app, runner):
    result = runner.invoke(
        args=["users", "create", "admin@localhost", "--role", "admin"],
        env={"QUIZAPP_PASSWORD": "long enough pw!"},
    )
    assert result.exit_code == 0, result.output
    assert _user(app, "admin@localhost").display_name == "admin"


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


def test_a_file_that_is_not_utf8_is_named_and_skipped_while_the_others_load(runner, tmp_path):
    (tmp_path / "good.yaml").write_text(bank_yaml("good", 2))
    latin = bank_yaml("latin", 2).replace("Demo question number 1?", "Caf\u00e9 question?")
    (tmp_path / "latin.yaml").write_bytes(latin.encode("cp1252"))
    result = runner.invoke(args=["banks", "sync", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "good: 2 new" in result.output
    assert "latin.yaml:" in result.output and "not UTF-8 text: save it as UTF-8" in result.output
    checked = runner.invoke(args=["banks", "check", str(tmp_path / "latin.yaml")])
    assert checked.exit_code == 1 and "not UTF-8 text" in checked.output
    reported = runner.invoke(args=["banks", "report", "--dir", str(tmp_path)])
    assert reported.exit_code == 1 and "not UTF-8 text" in reported.output


def test_word_parts_that_are_not_a_word_part_file_get_a_message(runner, tmp_path):
    notes = tmp_path / "notes.txt"
    for text, message in (
        ("just some notes", "expected `format: 1` and a `word_parts` list"),
        ("format: 1\nword_parts: [\n", "line 3: not valid YAML"),
    ):
        notes.write_text(text)
        result = runner.invoke(args=["review", "load-word-parts", str(notes)])
        assert result.exit_code == 1 and message in result.output, result.output
    notes.write_bytes("format: 1 # caf\u00e9".encode("cp1252"))
    result = runner.invoke(args=["review", "load-word-parts", str(notes)])
    assert result.exit_code == 1 and "not UTF-8 text" in result.output


def test_a_bank_is_imported_only_for_an_instructor_or_admin(runner, make_user, tmp_path):
    student = make_user()
    aiken = tmp_path / "quiz.txt"
    aiken.write_text("Brady- means?\nA. slow\nB. fast\nANSWER: A\n")
    result = runner.invoke(args=["banks", "import", str(aiken), "--owner", student.email])
    assert result.exit_code == 1
    assert "is a student: a bank belongs to an instructor or an admin" in result.output


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
