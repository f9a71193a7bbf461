"""Assignment windows, attempt limits and modes, with the time passed in."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.assignments import services
from quizapp.assignments.models import Assignment, Window
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom
from quizapp.exams.models import Attempt
from quizapp.exams.services import finish_attempt
from quizapp.extensions import db

OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 8, 23, 59, tzinfo=UTC)
BEFORE = OPENS - timedelta(minutes=1)


@pytest.fixture
def setup(app, make_user, make_bank, make_blueprint, make_class):
    make_bank("demo", n_questions=6)
    make_blueprint("demo-test", "demo", 3)
    teacher = make_user("instructor")
    student = make_user()
    outsider = make_user()
    class_id = make_class(teacher, (student,))
    return teacher, student, outsider, class_id


def _assign(teacher_id, class_id, *, now=BEFORE, **overrides):
    values = {
        "mode": "exam",
        "opens_at": OPENS,
        "due_at": DUE,
        "max_attempts": 2,
        "accept_late": True,
    } | overrides
    (assignment,) = services.assign_test(
        db.session.get(User, teacher_id),
        db.session.scalar(sa.select(Blueprint)),
        [db.session.get(Classroom, class_id)],
        now=now,
        **values,
    )
    db.session.commit()
    return assignment


def _start(student_id, assignment, now, mode="exam"):
    return services.start_assignment(
        db.session.get(User, student_id), assignment, mode=mode, now=now, zone=UTC, seed=1
    )


@pytest.mark.usefixtures("app_ctx")
def test_the_window_decides_when_a_student_may_start(setup):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id)
    assert assignment.window(BEFORE) == Window.UPCOMING
    with pytest.raises(services.AssignmentError, match="opens on Tue 1 Dec 2026, 08:00 UTC"):
        _start(student.id, assignment, BEFORE)
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    attempt = _start(student.id, assignment, OPENS)
    assert (attempt.assignment_id, attempt.assignment_try, attempt.mode) == (
        assignment.id,
        1,
        "exam",
    )
    assert attempt.started_at == OPENS


@pytest.mark.usefixtures("app_ctx")
def test_an_open_try_is_resumed_not_started_again(setup):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id)
    first = _start(student.id, assignment, OPENS)
    db.session.commit()
    again = _start(student.id, assignment, OPENS + timedelta(minutes=5))
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


@pytest.mark.usefixtures("app_ctx")
def test_attempts_run_out(setup):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id, max_attempts=2)
    for minute in (0, 30):
        attempt = _start(student.id, assignment, OPENS + timedelta(minutes=minute))
        finish_attempt(attempt, now=OPENS + timedelta(minutes=minute + 10))
        db.session.commit()
    with pytest.raises(services.AssignmentError, match="used all 2 of your attempts"):
        _start(student.id, assignment, OPENS + timedelta(hours=2))
    tries = db.session.scalars(sa.select(Attempt.assignment_try).order_by(Attempt.id)).all()
    assert tries == [1, 2]


@pytest.mark.usefixtures("app_ctx")
def test_a_late_start_is_marked_late_or_refused(setup):
    teacher, student, _, class_id = setup
    late_ok = _assign(teacher.id, class_id, accept_late=True)
    no_late = _assign(teacher.id, class_id, accept_late=False)
    after_due = DUE + timedelta(seconds=1)
    assert late_ok.window(DUE) == Window.OPEN and late_ok.window(after_due) == Window.LATE
    assert no_late.window(after_due) == Window.CLOSED
    with pytest.raises(services.AssignmentError, match="does not accept late work"):
        _start(student.id, no_late, after_due)
    attempt = _start(student.id, late_ok, after_due)
    finish_attempt(attempt, now=after_due + timedelta(minutes=3))
    db.session.commit()
    (progress,) = [
        p
        for p in services.student_assignments(db.session.get(User, student.id), now=after_due)
        if p.assignment.id == late_ok.id
    ]
    assert progress.status == "done late"
    completion = services.completions(db.session.get(Classroom, class_id), [late_ok, no_late])
    assert (completion[late_ok.id].done, completion[late_ok.id].late) == (1, 1)
    assert completion[no_late.id].done == 0


@pytest.mark.usefixtures("app_ctx")
def test_on_time_when_finished_by_the_due_time(setup):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id)
    attempt = _start(student.id, assignment, DUE - timedelta(minutes=30))
    finish_attempt(attempt, now=DUE)
    db.session.commit()
    completion = services.completions(db.session.get(Classroom, class_id), [assignment])
    assert (completion[assignment.id].done, completion[assignment.id].on_time) == (1, 1)
    [(_, progress)] = services.roster_progress(assignment, [db.session.get(User, student.id)])
    assert progress.status == "done" and progress.best.id == attempt.id


@pytest.mark.usefixtures("app_ctx")
def test_the_mode_set_by_the_instructor_is_enforced(setup):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id, mode="exam")
    with pytest.raises(services.AssignmentError, match="in exam mode"):
        _start(student.id, assignment, OPENS, mode="tutor")
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    assert _start(student.id, assignment, OPENS, mode=None).mode == "exam"


@pytest.mark.usefixtures("app_ctx")
def test_only_students_of_the_class_find_the_assignment(setup):
    teacher, student, outsider, class_id = setup
    assignment = _assign(teacher.id, class_id)
    assert services.enrolled_assignment(db.session.get(User, student.id), assignment.id)
    assert services.enrolled_assignment(db.session.get(User, outsider.id), assignment.id) is None
    assert services.student_assignments(db.session.get(User, outsider.id), now=OPENS) == []


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due_at": OPENS}, "must come after the opening time"),
        (
            {"due_at": BEFORE - timedelta(minutes=5), "opens_at": BEFORE - timedelta(hours=1)},
            "already passed",
        ),
        ({"max_attempts": 0}, "Allow between 1 and 10 attempts"),
        ({"max_attempts": 11}, "Allow between 1 and 10 attempts"),
        ({"mode": "adaptive"}, "exam mode or tutor mode"),
    ],
)
def test_bad_settings_are_refused_with_a_message(setup, overrides, message):
    teacher, _, _, class_id = setup
    with pytest.raises(services.AssignmentError, match=message):
        _assign(teacher.id, class_id, **overrides)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


@pytest.mark.usefixtures("app_ctx")
def test_a_racing_second_start_of_the_same_try_gets_a_message(setup, monkeypatch):
    teacher, student, _, class_id = setup
    assignment = _assign(teacher.id, class_id, max_attempts=1)
    first = _start(student.id, assignment, OPENS)
    finish_attempt(first, now=OPENS + timedelta(minutes=1))
    db.session.commit()
    # A request that counted the tries before the first one was committed: it tries try 1 too.
    monkeypatch.setattr(services, "_tries", lambda *args: defaultdict(list))
    with pytest.raises(services.AssignmentError, match="just started in another tab"):
        _start(student.id, assignment, OPENS + timedelta(minutes=2))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1
