"""Timed sections (a finished one locks, a break before the next), time per question, and
the peer median time, through the services."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD, Accommodation
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes.services import create_class, join_class
from quizapp.exams import services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.extensions import db
from tests.exams.conftest import START, correct_form, slots

GRACE = timedelta(seconds=30)
MINUTES_2 = timedelta(minutes=2)

pytestmark = pytest.mark.usefixtures("app_ctx", "sectioned")


@pytest.fixture
def student(app, make_user):
    return make_user()


def _start(
    user_info, *, mode=Mode.EXAM, now=START, blueprint="sectioned-test", accommodation=STANDARD
):
    user = db.session.get(User, user_info.id)
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == blueprint))
    attempt = services.start_blueprint_attempt(
        user, test, mode=mode, accommodation=accommodation, now=now, seed=3
    )
    db.session.commit()
    return attempt


def _save(attempt, position, *, now):
    item = services.load_item(attempt, position)
    services.save_answer(
        attempt, item, correct_form(item.slot), revision=item.slot.revision, now=now, grace=GRACE
    )
    db.session.commit()


def _fresh(attempt_id) -> Attempt:
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def test_an_exam_starts_in_its_first_section_with_that_sections_clock(student):
    attempt = _start(student)
    assert [s["title"] for s in attempt.sections] == ["Part 1", "Part 2", "Part 3", "Part 4"]
    assert attempt.section_number == 1 and attempt.section_started_at == START
    assert attempt.deadline == START + MINUTES_2  # the section's, not the total 8 minutes
    assert attempt.time_limit_seconds == 8 * 60
    assert list(attempt.current_positions) == [1, 2]
    assert [attempt.section_of(n) for n in range(1, 7)] == [1, 1, 2, 2, 3, 4]


def test_accommodations_stretch_each_section_and_tutor_mode_has_none(student):
    time_and_a_half = Accommodation(multiplier=1.5)
    assert _start(student, accommodation=time_and_a_half).sections[0]["seconds"] == 180
    tutor = _start(student, mode=Mode.TUTOR, accommodation=time_and_a_half)
    assert tutor.sections is None and tutor.section_number is None
    assert list(tutor.current_positions) == list(range(1, 7))


def test_answers_outside_the_current_section_are_refused(student):
    attempt = _start(student)
    _save(attempt, 2, now=START + timedelta(seconds=10))
    with pytest.raises(services.SectionLockedError):
        _save(attempt, 3, now=START + timedelta(seconds=20))  # a later section
    assert services.end_section(attempt, now=START + timedelta(seconds=30))
    db.session.commit()
    attempt = _fresh(attempt.id)
    assert attempt.on_break and attempt.section_number == 2 and attempt.deadline is None
    with pytest.raises(services.SectionLockedError):
        _save(attempt, 3, now=START + timedelta(seconds=40))  # not before the break ends
    with pytest.raises(services.SectionLockedError):
        _save(attempt, 1, now=START + timedelta(seconds=40))  # a finished section
    item = services.load_item(attempt, 1)
    with pytest.raises(services.SectionLockedError):
        services.set_flag(attempt, item, True, now=START, grace=GRACE)
    db.session.rollback()
    assert [s.revision for s in slots(attempt.id)] == [0, 1, 0, 0, 0, 0]


def test_a_save_racing_the_end_of_its_section_never_lands(student):
    """The compare-and-set reads the section from the attempt's row, not the loaded object."""
    attempt = _start(student)
    item = services.load_item(attempt, 1)  # loaded while section 1 runs
    db.session.execute(  # meanwhile another request ends section 1
        sa.update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(section_number=2, section_started_at=None, deadline=None)
    )
    with pytest.raises(services.SectionLockedError):
        services.save_answer(
            attempt, item, correct_form(item.slot), revision=0, now=START, grace=GRACE
        )
    db.session.commit()
    assert slots(attempt.id)[0].response is None


def test_sections_run_in_turn_with_a_break_and_the_last_one_grades(student):
    attempt = _start(student)
    now = START
    for number in (1, 2, 3, 4):
        if number > 1:
            assert attempt.on_break
            assert services.start_section(attempt, now=now)
            assert attempt.deadline == now + MINUTES_2
            assert not services.start_section(attempt, now=now)  # once only
        for position in attempt.current_positions:
            _save(attempt, position, now=now + timedelta(seconds=5))
        now += timedelta(minutes=1)
        assert services.end_section(attempt, now=now)
        db.session.commit()
        attempt = _fresh(attempt.id)
    assert attempt.status == "finished" and attempt.finish_reason == "submitted"
    assert attempt.percent == 100


def test_a_sections_deadline_ends_only_that_section(student):
    attempt = _start(student)
    _save(attempt, 1, now=START + timedelta(minutes=1))
    late = START + MINUTES_2 + GRACE + timedelta(seconds=1)
    with pytest.raises(services.SectionExpiredError):
        _save(attempt, 2, now=late)
    db.session.commit()
    attempt = _fresh(attempt.id)
    assert attempt.is_open and attempt.on_break and attempt.section_number == 2
    assert slots(attempt.id)[1].response is None
    # The break has no clock: the next section starts when the student is ready.
    assert not services.expire_if_due(attempt, now=late + timedelta(hours=3), grace=GRACE)


def test_the_final_sections_deadline_grades_the_attempt(student):
    attempt = _start(student)
    for _ in range(3):
        services.end_section(attempt, now=START)
        services.start_section(attempt, now=START)
    db.session.commit()
    late = START + MINUTES_2 + GRACE + timedelta(seconds=1)
    with pytest.raises(services.AttemptExpiredError):
        _save(attempt, 6, now=late)
    db.session.commit()
    attempt = _fresh(attempt.id)
    assert attempt.status == "finished" and attempt.finish_reason == "expired"
    assert attempt.finished_at == START + MINUTES_2


def test_flask_exams_expire_ends_sections_and_counts_graded_attempts(student):
    first = _start(student)
    second = _start(student)
    for _ in range(3):
        services.end_section(second, now=START)
        services.start_section(second, now=START)
    db.session.commit()
    assert services.expire_overdue(now=START + timedelta(hours=1), grace=GRACE) == 1
    db.session.commit()
    assert _fresh(first.id).on_break and _fresh(second.id).status == "finished"


# --- time per question -------------------------------------------------------------------


def test_time_on_a_question_runs_from_first_shown_to_the_last_answer(student, count_queries):
    attempt = _start(student)
    item = services.load_item(attempt, 1)
    services.mark_shown(item, now=START + timedelta(seconds=3))
    db.session.commit()
    item = services.load_item(attempt, 1)
    with count_queries() as statements:
        services.mark_shown(item, now=START + timedelta(seconds=30))  # shown again: no write
    assert statements == []
    _save(attempt, 1, now=START + timedelta(seconds=20))
    _save(attempt, 1, now=START + timedelta(seconds=45))  # changed later: counts to here
    _save(attempt, 2, now=START + timedelta(seconds=50))  # never shown: no time
    stored = slots(attempt.id)
    assert stored[0].first_shown_at == START + timedelta(seconds=3)
    assert stored[0].answer_seconds == 42 and stored[1].answer_seconds is None
    services.end_section(attempt, now=START + timedelta(minutes=1))
    db.session.commit()
    assert _fresh(attempt.id).seconds_per_question is None  # not finished yet
    attempt = _fresh(attempt.id)
    for _ in range(3):
        services.start_section(attempt, now=START)
        services.end_section(attempt, now=START)
    db.session.commit()
    assert _fresh(attempt.id).seconds_per_question == 42


def _finished_attempt_with_times(user_info, seconds: int) -> None:
    """A finished tutor-mode attempt whose every question took `seconds`."""
    attempt = _start(user_info, mode=Mode.TUTOR)
    db.session.execute(
        sa.update(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .values(answer_seconds=seconds)
    )
    services.finish_attempt(attempt, now=START)
    db.session.commit()


def test_the_peer_median_is_the_class_one_when_enough_classmates_answered(
    student, make_user, count_queries
):
    me = _start(student, mode=Mode.TUTOR)
    items = services.load_items(me)
    strangers = [make_user() for _ in range(4)]
    for n, other in enumerate(strangers):
        _finished_attempt_with_times(other, 10 + n)
    _finished_attempt_with_times(student, 999)  # the student's own times never count
    assert services.peer_median_times(db.session.get(User, student.id), items) == {}  # 4 < 5

    _finished_attempt_with_times(make_user(), 100)
    medians = services.peer_median_times(db.session.get(User, student.id), items)
    assert set(medians) == {item.slot.question_id for item in items}
    assert next(iter(medians.values())) == services.PeerTime(12, "all", 5)

    teacher = make_user("instructor")
    classroom = create_class(db.session.get(User, teacher.id), "MA 101")
    classmates = [make_user() for _ in range(5)]
    for user_info in [student, *classmates]:
        join_class(db.session.get(User, user_info.id), classroom.join_code)
    db.session.commit()
    for n, classmate in enumerate(classmates):
        _finished_attempt_with_times(classmate, 60 + n)
    user, items = db.session.get(User, student.id), services.load_items(me)
    with count_queries() as statements:
        medians = services.peer_median_times(user, items)
    assert len(statements) == 1
    assert next(iter(medians.values())) == services.PeerTime(62, "class", 5)
