"""The exam hot path's plain rows (quizapp.exams.rows) behave as the ORM objects they replace."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.exams import services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.exams.rows import AttemptRow, SlotRow, VersionRow
from quizapp.extensions import db
from tests.exams.conftest import START, correct_form, slots

GRACE = timedelta(seconds=30)

pytestmark = pytest.mark.usefixtures("app_ctx", "mixed")


@pytest.fixture
def user(make_user):
    return db.session.get(User, make_user().id)


def _start(user, *, mode=Mode.EXAM) -> Attempt:
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "mixed-test"))
    attempt = services.start_blueprint_attempt(
        user, test, mode=mode, accommodation=STANDARD, now=START, seed=3
    )
    db.session.commit()
    return attempt


def test_the_rows_carry_every_column_and_rule_of_the_orm_objects(user):
    attempt = _start(user)
    row, item = services.get_user_attempt_item(user, attempt.id, 2)
    assert isinstance(row, AttemptRow) and isinstance(item.slot, SlotRow)
    assert isinstance(item.version, VersionRow)
    orm_slot = slots(attempt.id)[1]
    for name in AttemptRow.columns:
        assert getattr(row, name) == getattr(attempt, name), name
    for name in SlotRow.columns:
        assert getattr(item.slot, name) == getattr(orm_slot, name), name
    assert (
        item.version.content == orm_slot.version.content
        and item.qtype.name == orm_slot.version.type
    )
    assert row.current_positions == attempt.current_positions and row.is_open and not row.is_tutor
    assert row.seconds_left(START) == attempt.seconds_left(START)
    assert not item.slot.answered and not item.slot.graded


def test_no_row_for_a_missing_position_or_someone_elses_attempt(user, make_user):
    attempt = _start(user)
    row, item = services.get_user_attempt_item(user, attempt.id, 99)
    assert row.id == attempt.id and item is None
    stranger = db.session.get(User, make_user(email="other@example.test").id)
    assert services.get_user_attempt_item(stranger, attempt.id, 1) == (None, None)


def test_a_save_gives_the_row_what_it_stored_without_reading_it_back(user):
    attempt = _start(user, mode=Mode.TUTOR)
    row, item = services.get_user_attempt_item(user, attempt.id, 1)
    form = correct_form(slots(attempt.id)[0])
    services.save_answer(row, item, form, revision=0, now=START, grace=GRACE)
    db.session.commit()
    stored = db.session.scalar(sa.select(AttemptQuestion).where(AttemptQuestion.id == item.slot.id))
    assert item.slot.revision == stored.revision == 1
    assert item.slot.response == stored.response and item.slot.graded and item.slot.score == 1
    services.set_flag(row, item, True, now=START, grace=GRACE)
    assert item.slot.flagged


def test_a_refused_save_reads_the_attempt_again(user):
    attempt = _start(user)
    row, item = services.get_user_attempt_item(user, attempt.id, 1)
    services.end_section(attempt, now=START + timedelta(minutes=1))  # submitted in another tab
    db.session.commit()
    assert row.is_open  # as read before the submit
    with pytest.raises(services.AttemptClosedError):
        services.save_answer(
            row, item, correct_form(slots(attempt.id)[0]), revision=0, now=START, grace=GRACE
        )
    assert not row.is_open and row.finish_reason == "submitted"


def test_an_overdue_row_is_graded_through_the_orm_and_takes_its_new_state(user):
    attempt = _start(user)
    row, _ = services.get_user_attempt_item(user, attempt.id, 1)
    late = START + timedelta(hours=1)
    assert services.expire_if_due(row, now=late, grace=GRACE)
    db.session.commit()
    assert not row.is_open and row.finish_reason == "expired" and row.finished_at is not None
    assert db.session.get(Attempt, attempt.id).finish_reason == "expired"
