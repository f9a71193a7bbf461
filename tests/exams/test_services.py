"""Attempt services against the database: timing, integrity, grading, pools."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from quizapp.accommodations import STANDARD, UNTIMED, Accommodation
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Bank, Blueprint, Question
from quizapp.banks.services import sync_bank
from quizapp.exams import services
from quizapp.exams.models import AttemptQuestion, Mode
from quizapp.extensions import db
from tests.exams.conftest import MIXED_BANK, START, correct_form, slots, wrong_form

GRACE = timedelta(seconds=30)


@pytest.fixture
def student(app, make_user):
    return make_user()


def _start(
    user_info,
    *,
    mode=Mode.EXAM,
    now=START,
    seed=7,
    blueprint="mixed-test",
    accommodation=STANDARD,
):
    user = db.session.get(User, user_info.id)
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == blueprint))
    attempt = services.start_blueprint_attempt(
        user, test, mode=mode, accommodation=accommodation, now=now, seed=seed
    )
    db.session.commit()
    return attempt


def _item(attempt, position):
    return services.load_item(attempt, position)


def _save(attempt, position, form, *, now, revision=None):
    item = _item(attempt, position)
    rev = item.slot.revision if revision is None else revision
    services.save_answer(attempt, item, form, revision=rev, now=now, grace=GRACE)
    db.session.commit()


pytestmark = pytest.mark.usefixtures("app_ctx", "mixed")


def test_start_stores_the_draw_the_layout_and_the_deadline(student):
    attempt = _start(student)
    stored = slots(attempt.id)
    assert [s.position for s in stored] == [1, 2, 3, 4, 5, 6]
    assert attempt.deadline == START + timedelta(minutes=10)
    assert all(s.version_id for s in stored)
    single = next(s for s in stored if s.version.type == "single_best")
    assert sorted(single.layout["order"]) == [0, 1, 2, 3] and len(set(single.layout["tokens"])) == 4
    # Reloading gives the same layout: a resumed attempt looks the same.
    db.session.expire_all()
    assert slots(attempt.id)[0].layout == stored[0].layout


def test_two_attempts_get_different_choice_tokens(student):
    first = {s.question_id: s.layout.get("tokens") for s in slots(_start(student, seed=1).id)}
    second = {s.question_id: s.layout.get("tokens") for s in slots(_start(student, seed=1).id)}
    assert all(first[q] != second[q] for q in first if first[q])


def test_tutor_mode_is_untimed_and_accommodations_apply(student, app):
    double = Accommodation(multiplier=2)
    assert _start(student, mode=Mode.TUTOR).deadline is None
    assert _start(student, mode=Mode.TUTOR, accommodation=double).deadline is None
    assert _start(student).deadline == START + timedelta(minutes=10)
    assert _start(student, accommodation=double).deadline == START + timedelta(minutes=20)
    attempt = _start(student, accommodation=UNTIMED)
    assert attempt.deadline is None and attempt.time_limit_seconds is None


def test_the_accommodation_passed_in_counts_not_the_account_columns(student):
    """The caller resolves it (account-wide and class settings); the service reads no column."""
    user = db.session.get(User, student.id)
    user.untimed = True
    db.session.commit()
    assert _start(student).deadline == START + timedelta(minutes=10)


def test_answers_before_the_deadline_are_kept_and_late_ones_refused(student):
    attempt = _start(student)
    first, second = slots(attempt.id)[:2]
    deadline = START + timedelta(minutes=10)
    _save(attempt, 1, correct_form(first), now=deadline - timedelta(seconds=1))
    _save(attempt, 1, correct_form(first), now=deadline + GRACE)  # inside the grace period
    with pytest.raises(services.AttemptExpiredError):
        _save(attempt, 2, correct_form(second), now=deadline + GRACE + timedelta(seconds=1))
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.status == "finished" and attempt.finish_reason == "expired"
    assert attempt.finished_at == deadline
    late = db.session.get(AttemptQuestion, second.id)
    assert late.response is None and late.score == 0
    assert db.session.get(AttemptQuestion, first.id).score == 1
    assert attempt.score_points == 1


def test_a_stale_revision_is_refused_without_overwriting(student):
    attempt = _start(student)
    slot = slots(attempt.id)[0]
    _save(attempt, 1, correct_form(slot), now=START)
    with pytest.raises(services.StaleAnswerError):
        _save(attempt, 1, wrong_form(slot), now=START, revision=0)
    db.session.rollback()
    db.session.refresh(slot)
    assert slot.revision == 1
    assert services.load_item(attempt, 1).qtype.grade(slot.version.content, slot.response).correct


def test_a_cleared_answer_stores_sql_null_not_json_null(student):
    attempt = _start(student)
    slot = next(s for s in slots(attempt.id) if s.version.type == "single_best")
    token = slot.layout["tokens"][0]
    _save(attempt, slot.position, MultiDict({"answer": token, "struck": token}), now=START)
    _save(attempt, slot.position, MultiDict(), now=START)
    stored = db.session.execute(
        sa.select(
            AttemptQuestion.__table__.c.response.is_(None),
            AttemptQuestion.__table__.c.struck.is_(None),
            AttemptQuestion.answered_at,
            AttemptQuestion.revision,
        ).where(AttemptQuestion.id == slot.id)
    ).one()
    assert tuple(stored) == (True, True, None, 2)


def _tampered(slot) -> MultiDict:
    """A form the page could not have sent for this question."""
    layout = slot.layout
    return {
        "single_best": lambda: MultiDict({"answer": "not-a-token"}),
        "multiple_response": lambda: MultiDict([("answer", layout["tokens"][0]), ("answer", "x")]),
        "true_false": lambda: MultiDict({"answer": "maybe"}),
        "fill_in_blank": lambda: MultiDict({"answer": "x" * 201}),
        "matching": lambda: MultiDict({"match-0": "forged"}),
        "ordering": lambda: MultiDict({f"rank-{layout['tokens'][0]}": "9"}),
    }[slot.version.type]()


def test_tampered_values_are_refused_and_change_nothing(student):
    attempt = _start(student)
    for slot in slots(attempt.id):
        with pytest.raises(services.InvalidAnswerError):
            _save(attempt, slot.position, _tampered(slot), now=START)
        db.session.rollback()
        db.session.refresh(slot)
        assert (slot.response, slot.revision) == (None, 0), slot.version.type


def _ranks(slot, ranks: dict[int, int]) -> MultiDict:
    """An ordering question's form giving the item at each content index its position."""
    layout = slot.layout
    token_of = dict(zip(layout["order"], layout["tokens"], strict=True))
    return MultiDict({f"rank-{token_of[index]}": str(rank) for index, rank in ranks.items()})


def test_an_incomplete_or_tied_order_is_saved_as_left_and_graded_as_it_stands(student):
    attempt = _start(student)
    slot = next(s for s in slots(attempt.id) if s.version.type == "ordering")
    # Light blue and lavender both first, gray not placed: saved as it is, not refused.
    _save(attempt, slot.position, _ranks(slot, {0: 1, 1: 1}), now=START)
    db.session.refresh(slot)
    assert slot.response == {"positions": [1, 1, None]}
    assert (slot.revision, slot.answered_at) == (1, START)
    # Then lavender second: still without gray.
    _save(attempt, slot.position, _ranks(slot, {0: 1, 1: 2}), now=START)
    services.finish_attempt(attempt, now=START + timedelta(minutes=1))
    db.session.commit()
    db.session.refresh(slot)
    assert slot.response == {"positions": [1, 2, None]}
    assert slot.score == pytest.approx(2 / 3)  # two of three in order, the third left out


def test_tutor_mode_saves_an_incomplete_order_without_checking_or_locking_it(student):
    attempt = _start(student, mode=Mode.TUTOR)
    slot = next(s for s in slots(attempt.id) if s.version.type == "ordering")
    _save(attempt, slot.position, _ranks(slot, {0: 1, 1: 2, 2: 2}), now=START)
    item = _item(attempt, slot.position)
    assert item.slot.response == {"positions": [1, 2, 2]}
    assert (item.slot.score, item.slot.graded_at) == (None, None)
    assert services.unchecked_reason(item) == "Give every item a different position from 1 to 3."
    _save(attempt, slot.position, _ranks(slot, {0: 1, 1: 2, 2: 3}), now=START)
    item = _item(attempt, slot.position)
    assert item.slot.score == 1 and item.slot.graded_at is not None
    assert services.unchecked_reason(item) is None


def test_submitting_twice_grades_once(student):
    attempt = _start(student)
    for slot in slots(attempt.id):
        _save(attempt, slot.position, correct_form(slot), now=START + timedelta(minutes=1))
    assert services.finish_attempt(attempt, now=START + timedelta(minutes=2)) is True
    db.session.commit()
    assert services.finish_attempt(attempt, now=START + timedelta(minutes=3)) is False
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.percent == 100 and attempt.passed
    assert attempt.finished_at == START + timedelta(minutes=2)
    with pytest.raises(services.AttemptClosedError):
        _save(attempt, 1, wrong_form(slots(attempt.id)[0]), now=START + timedelta(minutes=4))


def test_partial_credit_adds_up_and_topics_break_down(student):
    attempt = _start(student)
    for slot in slots(attempt.id):
        form = (
            correct_form(slot)
            if slot.version.type in ("single_best", "true_false")
            else wrong_form(slot)
        )
        _save(attempt, slot.position, form, now=START)
    services.finish_attempt(attempt, now=START + timedelta(minutes=5))
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.score_points == pytest.approx(2 + 1 / 3)  # ordering reversed: 1 of 3 in order
    assert attempt.percent == pytest.approx(100 * (2 + 1 / 3) / 6, abs=0.01)
    assert attempt.passed is False
    topics = {t.title: t for t in services.topic_scores(services.load_items(attempt))}
    assert topics["Word parts"].questions == 4 and topics["Word parts"].correct == 1
    assert topics["Laboratory"].correct == 1
    assert attempt.time_used_seconds() == 300


def test_tutor_mode_grades_each_answer_and_locks_it(student):
    attempt = _start(student, mode=Mode.TUTOR)
    slot = slots(attempt.id)[0]
    _save(attempt, 1, correct_form(slot), now=START)
    db.session.refresh(slot)
    assert slot.score == 1 and slot.graded_at is not None
    with pytest.raises(services.AnswerLockedError):
        _save(attempt, 1, wrong_form(slot), now=START)


def test_expire_overdue_grades_abandoned_attempts(student):
    kept = _start(student)
    slot = slots(kept.id)[0]
    _save(kept, 1, correct_form(slot), now=START + timedelta(minutes=1))
    fresh = _start(student, now=START + timedelta(minutes=9))
    count = services.expire_overdue(now=START + timedelta(minutes=11), grace=GRACE)
    db.session.commit()
    assert count == 1
    db.session.refresh(kept)
    db.session.refresh(fresh)
    assert kept.finish_reason == "expired" and kept.score_points == 1
    assert fresh.is_open


def test_a_later_edit_never_changes_an_attempt(student, app):
    attempt = _start(student)
    services.finish_attempt(attempt, now=START + timedelta(minutes=1))
    db.session.commit()
    sync_bank(parse_bank(MIXED_BANK.replace("RATIONALE-SB", "EDITED-SB")), now=START)
    db.session.commit()
    items = services.load_items(attempt)
    single = next(i for i in items if i.version.type == "single_best")
    assert single.version.rationale.startswith("RATIONALE-SB")
    assert db.session.get(Question, single.slot.question_id).current_version.rationale.startswith(
        "EDITED-SB"
    )


def test_missed_practice_uses_the_missed_and_blank_questions(student):
    attempt = _start(student)
    for slot in slots(attempt.id)[:3]:
        _save(attempt, slot.position, correct_form(slot), now=START)
    services.finish_attempt(attempt, now=START + timedelta(minutes=1))
    user = db.session.get(User, student.id)
    practice = services.start_missed_attempt(user, attempt, mode=Mode.TUTOR, now=START)
    missed = {s.question_id for s in slots(attempt.id)[3:]}
    assert {s.question_id for s in slots(practice.id)} == missed
    # Once the bank is archived its questions are no longer offered: a clear refusal, not a
    # draw that fails for ever with "start it again".
    db.session.execute(sa.update(Bank).values(archived_at=START))
    with pytest.raises(services.CannotStartError, match="nothing to practice here"):
        services.start_missed_attempt(user, attempt, mode=Mode.TUTOR, now=START)


# --- custom tests -------------------------------------------------------------------------


def _custom(student, **kwargs):
    user = db.session.get(User, student.id)
    bank_id = db.session.scalar(sa.select(Question.bank_id))
    topics = kwargs.pop("topic_slugs", ())
    selections = tuple((bank_id, t) for t in topics) or ((bank_id, None),)
    defaults = {"selections": selections, "count": 5, "mode": Mode.EXAM}
    test = services.CustomTest(**(defaults | kwargs))
    return services.start_custom_attempt(user, test, now=START, seed=3)


def test_custom_test_by_topic_and_limits(student):
    with pytest.raises(services.CannotStartError, match="Only 2 questions match"):
        _custom(student, topic_slugs=("lab",))
    with pytest.raises(services.CannotStartError, match="between 5 and 265"):
        _custom(student, count=4)
    attempt = _custom(student, count=6, time_limit_minutes=20)
    assert attempt.question_count == 6
    assert attempt.deadline == START + timedelta(minutes=20)


def test_custom_pools_unseen_missed_and_flagged(student):
    bank_text = MIXED_BANK
    extra = "".join(
        f"""  - {{id: x{n}, type: true_false, topic: lab, difficulty: easy,
     stem: "Extra statement {n}.", key: true, rationale: "Extra rationale {n} explains it."}}\n"""
        for n in range(10)
    )
    sync_bank(parse_bank(bank_text + extra), now=START)
    db.session.commit()
    first = _custom(student, count=5)
    seen = {s.question_id for s in slots(first.id)}
    for slot in slots(first.id):
        _save(first, slot.position, wrong_form(slot), now=START)
    item = services.load_item(first, 1)
    services.set_flag(first, item, True, now=START, grace=GRACE)
    services.finish_attempt(first, now=START)
    db.session.commit()

    unseen = _custom(student, count=5, pool="unseen")
    assert not seen & {s.question_id for s in slots(unseen.id)}
    missed = _custom(student, count=5, pool="missed")
    assert {s.question_id for s in slots(missed.id)} == seen
    with pytest.raises(services.CannotStartError, match="Only 1 questions match"):
        _custom(student, count=5, pool="flagged")


def test_starting_fails_clearly_when_the_bank_is_too_small(student, make_blueprint):
    make_blueprint("too-big", bank="mixed", questions=7)
    with pytest.raises(services.CannotStartError, match="needs 7 questions but only 6"):
        _start(student, blueprint="too-big")
