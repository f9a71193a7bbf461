"""Owners' operations on a bank: editing, retiring, archiving, reports, export round trip."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks import manage
from quizapp.banks.drawing import NotEnoughQuestionsError
from quizapp.banks.imports import preview_import
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion
from quizapp.banks.services import (
    draw_blueprint,
    sync_bank,
    sync_blueprint,
    visible_banks_query,
)
from quizapp.classes.services import create_class, join_class
from quizapp.exams.models import QuestionReport
from quizapp.extensions import db
from tests.conftest import bank_yaml, blueprint_yaml
from tests.exams.conftest import MIXED_BANK

pytestmark = pytest.mark.usefixtures("app_ctx")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def owner(make_user):
    return db.session.get(User, make_user("instructor").id)


@pytest.fixture
def bank(owner):
    sync_bank(parse_bank(bank_yaml("mine", 3)), now=NOW, owner_id=owner.id)
    db.session.commit()
    return db.session.scalar(sa.select(Bank).where(Bank.slug == "mine"))


def _question(bank, external_id="q1"):
    return db.session.scalar(
        sa.select(Question).where(Question.bank_id == bank.id, Question.external_id == external_id)
    )


def test_edit_makes_a_new_version_and_keeps_the_old(bank):
    question = _question(bank)
    source = manage.editable_source(question)
    assert "stem: Demo question number 1?" in source and "key: right 1" in source
    assert manage.edit_question(bank, question, source) is False  # unchanged
    changed = source.replace("Demo question number 1?", "Edited question one?")
    assert manage.edit_question(bank, question, changed) is True
    db.session.commit()
    versions = db.session.scalars(
        sa.select(QuestionVersion).where(QuestionVersion.question_id == question.id)
    ).all()
    assert [v.number for v in versions] == [1, 2]
    assert _question(bank).current_version.stem == "Edited question one?"
    assert versions[0].stem == "Demo question number 1?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.replace("key: right 1", "key: nowhere"), "not among the options"),
        (lambda s: s.replace("topic: a1", "topic: zz"), "unknown topic"),
        (lambda s: s + "  bad: [unclosed\n", "not valid YAML"),
        (lambda s: "just text", "write the question as fields"),
    ],
)
def test_invalid_edits_are_refused_with_the_reason(bank, change, message):
    question = _question(bank)
    with pytest.raises(manage.EditError) as excinfo:
        manage.edit_question(bank, question, change(manage.editable_source(question)))
    assert message in str(excinfo.value)
    assert _question(bank).current_version.number == 1


def test_an_edit_from_a_replaced_version_is_refused(bank):
    question = _question(bank)
    base = question.current_version_id
    source = manage.editable_source(question)
    assert manage.edit_question(bank, question, source.replace("number 1", "one"))
    db.session.commit()
    with pytest.raises(manage.EditError, match="newer version"):
        manage.edit_question(bank, question, source.replace("number 1", "1"), base_version_id=base)
    assert _question(bank).current_version.stem == "Demo question one?"


def test_a_blueprint_is_retired_once(owner):
    sync_bank(parse_bank(bank_yaml("mine", 3)), now=NOW, owner_id=owner.id)
    blueprint = sync_blueprint(
        parse_blueprint(blueprint_yaml("mine-test", "mine")), owner_id=owner.id
    )
    assert manage.retire_blueprint(blueprint, now=NOW) is True
    assert manage.retire_blueprint(blueprint, now=NOW.replace(hour=11)) is False
    assert blueprint.retired_at == NOW


def test_retire_and_restore(bank):
    question = _question(bank, "q2")
    manage.set_retired(question, True, now=NOW)
    assert question.retired_at == NOW
    manage.set_retired(question, False, now=NOW)
    assert question.retired_at is None


def test_unused_bank_is_deleted_used_bank_archived(
    bank, owner, make_user, make_blueprint, start_attempt, app
):
    assert manage.deletion_impact(bank) == (3, False)
    assert manage.delete_or_archive(bank, now=NOW) == "deleted"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0
    sync_bank(parse_bank(bank_yaml("used", 3)), now=NOW, owner_id=owner.id)
    db.session.commit()
    make_blueprint("used-test", "used", 2)
    start_attempt(make_user(), "used-test")
    used = db.session.scalar(sa.select(Bank).where(Bank.slug == "used"))
    assert manage.deletion_impact(used) == (3, True)
    assert manage.delete_or_archive(used, now=NOW) == "archived"
    db.session.commit()
    assert used.archived_at == NOW
    assert used not in db.session.scalars(visible_banks_query(owner)).all()
    # A test over it can no longer be drawn, and says so (not "start it again" for ever).
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "used-test"))
    with pytest.raises(NotEnoughQuestionsError, match="only 0 are available"):
        draw_blueprint(test, seed=1)


def test_visibility_private_classes_public(bank, owner, make_user):
    student = db.session.get(User, make_user().id)
    other = db.session.get(User, make_user().id)
    visible = lambda user: bank in db.session.scalars(visible_banks_query(user)).all()  # noqa: E731
    assert visible(owner) and not visible(student)
    classroom = create_class(owner, "Mine")
    join_class(student, classroom.join_code)
    manage.update_settings(bank, title="Mine", visibility="classes")
    assert visible(student) and not visible(other)
    manage.update_settings(bank, title="Mine", visibility="public")
    assert visible(other)


def test_report_queue_shows_owners_reports_only(bank, owner, make_user):
    version = _question(bank).current_version
    reporter = make_user(display_name="Rita Reporter")
    db.session.add(QuestionReport(user_id=reporter.id, version_id=version.id, message="Two keys"))
    db.session.commit()
    entries, total = manage.report_queue(owner)
    assert [e.report.message for e in entries] == ["Two keys"] and total == 1
    assert entries[0].reporter.display_name == "Rita Reporter"
    assert entries[0].version.id == version.id and entries[0].stats is None
    assert manage.open_report_count(owner) == 1
    stranger = db.session.get(User, make_user("instructor").id)
    assert manage.report_queue(stranger) == ([], 0) and manage.open_report_count(stranger) == 0
    admin = db.session.get(User, make_user("admin").id)
    assert manage.open_report_count(admin) == 1
    (seen_by_admin,), _ = manage.report_queue(admin)
    assert seen_by_admin.reporter is None  # the owner's bank: only the owner sees who reported
    manage.resolve_report(
        entries[0].report, now=NOW, outcome="fixed", reply=" Key fixed. ", by=owner
    )
    assert manage.report_queue(owner) == ([], 0) and manage.open_report_count(owner) == 0
    assert manage.report_queue(owner, include_resolved=True)[1] == 1
    student = db.session.get(User, reporter.id)
    [(report, stem)] = manage.unread_replies(student)
    assert (report.outcome, report.reply, stem) == ("fixed", "Key fixed.", version.stem)
    assert not manage.mark_reply_read(stranger, report.id, now=NOW)
    assert manage.mark_reply_read(student, report.id, now=NOW)
    assert manage.unread_replies(student) == []


def test_native_export_round_trip(owner):
    sync_bank(parse_bank(MIXED_BANK), now=NOW, owner_id=owner.id)
    db.session.commit()
    mixed = db.session.scalar(sa.select(Bank).where(Bank.slug == "mixed"))
    text, mimetype, skipped = manage.export_bank(mixed, "yaml")
    assert mimetype == "application/yaml" and skipped == []
    again = parse_bank(text)
    original = parse_bank(MIXED_BANK)
    assert {q.external_id: q.fingerprint() for q in again.questions} == {
        q.external_id: q.fingerprint() for q in original.questions
    }


def test_an_exported_bank_uploaded_again_keeps_its_title_unless_one_is_typed(owner):
    sync_bank(parse_bank(MIXED_BANK), now=NOW, owner_id=owner.id)
    db.session.commit()
    mixed = db.session.scalar(sa.select(Bank).where(Bank.slug == "mixed"))
    mixed.title = "Rich Bank Title"
    text, _, _ = manage.export_bank(mixed, "yaml")
    preview = preview_import(text.encode(), "mixed-bank.yaml")
    assert preview.can_import and preview.bank.title == "Rich Bank Title"
    typed = preview_import(text.encode(), "mixed-bank.yaml", title="Week 2")
    assert typed.bank.title == "Week 2"
    gift = preview_import(b"Brady- means slow {T}\n", "week_3 terms.gift")
    assert gift.bank.title == "week 3 terms"  # other formats name no bank: the file's name
