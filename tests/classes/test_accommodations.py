"""Time accommodations: the admin's applies to every test, an instructor's to their class's.

Anyone with a teaching role in an LMS course is an instructor here, so one instructor must not
be able to lengthen (or shorten) a student's time on another instructor's tests.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD, UNTIMED, Accommodation
from quizapp.auth import services as auth_services
from quizapp.auth.models import User
from quizapp.banks.loader import parse_blueprint
from quizapp.banks.models import Bank, Blueprint
from quizapp.banks.services import sync_blueprint
from quizapp.classes import services
from quizapp.classes.models import Classroom, Enrollment
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, Mode
from quizapp.extensions import db
from quizapp.readiness.adaptive import start_adaptive_attempt
from tests.conftest import UserInfo, assign_open_test, blueprint_yaml

TEN_MINUTES = 600  # demo-test's limit


@dataclass(frozen=True)
class School:
    first_teacher: UserInfo
    second_teacher: UserInfo
    admin: UserInfo
    student: UserInfo  # in both classes
    first: int  # the first teacher's class
    second: int  # the second teacher's class


@pytest.fixture
def school(make_user, make_bank, make_blueprint, make_class):
    make_bank("demo", n_questions=6)
    make_blueprint("demo-test", "demo", 3)
    first_teacher = make_user("instructor", display_name="Ina One")
    second_teacher = make_user("instructor", display_name="Ivo Two")
    admin = make_user("admin", display_name="Ada Admin")
    student = make_user(display_name="Sam Student")
    first = make_class(first_teacher, (student,), name="MA 101")
    second = make_class(second_teacher, (student,), name="MA 202")
    return School(first_teacher, second_teacher, admin, student, first, second)


def _as(auth, user, method, *args, **kwargs):
    auth.logout()
    auth.login(user)
    response = method(*args, **kwargs)
    auth.logout()
    return response


def _class_sets(client, auth, teacher, class_id, student, time):
    url = f"/classes/{class_id}/students/{student.id}/accommodation"
    return _as(auth, teacher, client.post, url, data={"time": time})


def _admin_sets(client, auth, admin, student, time):
    url = f"/admin/users/{student.id}/accommodation"
    return _as(auth, admin, client.post, url, data={"time": time})


def _limit_of(app, response) -> int | None:
    """The time limit of the attempt a start request redirected to."""
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"])[1])
    with app.app_context():
        return db.session.get(Attempt, attempt_id).time_limit_seconds


def _assignment(app, teacher, class_id) -> int:
    with app.app_context():
        return assign_open_test(teacher.id, "demo-test", class_id, max_attempts=1)


def _start_assignment(app, client, auth, student, assignment_id) -> int | None:
    url = f"/assignments/{assignment_id}/start"
    return _limit_of(app, _as(auth, student, client.post, url, data={"mode": "exam"}))


def _start_practice(app, client, auth, student) -> int | None:
    response = _as(auth, student, client.post, "/practice/demo-test/start", data={"mode": "exam"})
    return _limit_of(app, response)


def _code(app, class_id) -> str:
    with app.app_context():
        return db.session.get(Classroom, class_id).join_code


def _stored(app, student, class_id) -> tuple[Accommodation, Accommodation]:
    """The student's account-wide accommodation and the one of the class."""
    with app.app_context():
        enrollment = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.class_id == class_id, Enrollment.student_id == student.id
            )
        )
        return db.session.get(User, student.id).accommodation, enrollment.accommodation


def test_another_instructors_untimed_leaves_the_assignment_timed(app, client, auth, school):
    """The finding: I2 made S untimed in I2's class; S then started I1's assignment."""
    assignment = _assignment(app, school.first_teacher, school.first)
    response = _class_sets(
        client, auth, school.second_teacher, school.second, school.student, "untimed"
    )
    assert response.status_code == 302
    assert _stored(app, school.student, school.second) == (STANDARD, UNTIMED)
    assert _stored(app, school.student, school.first) == (STANDARD, STANDARD)
    assert _start_assignment(app, client, auth, school.student, assignment) == TEN_MINUTES


def test_the_class_setting_applies_to_that_class_assignments_only(app, client, auth, school):
    first_assignment = _assignment(app, school.first_teacher, school.first)
    second_assignment = _assignment(app, school.second_teacher, school.second)
    _class_sets(client, auth, school.first_teacher, school.first, school.student, "1.5")
    assert _start_assignment(app, client, auth, school.student, first_assignment) == 900
    assert _start_assignment(app, client, auth, school.student, second_assignment) == TEN_MINUTES


def test_another_instructor_cannot_take_away_time_granted_elsewhere(app, client, auth, school):
    assignment = _assignment(app, school.first_teacher, school.first)
    _class_sets(client, auth, school.first_teacher, school.first, school.student, "untimed")
    _admin_sets(client, auth, school.admin, school.student, "1.5")
    _class_sets(client, auth, school.second_teacher, school.second, school.student, "standard")
    assert _stored(app, school.student, school.first) == (Accommodation(multiplier=1.5), UNTIMED)
    assert _start_assignment(app, client, auth, school.student, assignment) is None


def test_the_admins_setting_applies_to_every_test(app, client, auth, school):
    first_assignment = _assignment(app, school.first_teacher, school.first)
    second_assignment = _assignment(app, school.second_teacher, school.second)
    response = _admin_sets(client, auth, school.admin, school.student, "2")
    assert response.status_code == 302
    assert _stored(app, school.student, school.first) == (Accommodation(multiplier=2), STANDARD)
    assert _start_assignment(app, client, auth, school.student, first_assignment) == 1200
    assert _start_assignment(app, client, auth, school.student, second_assignment) == 1200
    assert _start_practice(app, client, auth, school.student) == 1200
    # The class page shows it, so the instructor knows; their own setting stays standard.
    page = _as(auth, school.first_teacher, client.get, f"/classes/{school.first}")
    page = page.get_data(as_text=True)
    assert "Admin: double time (2×) on every test" in page
    assert '<option value="standard" selected>' in page


def test_the_more_generous_of_the_admins_and_the_class_applies(app, client, auth, school):
    assignment = _assignment(app, school.first_teacher, school.first)
    _admin_sets(client, auth, school.admin, school.student, "1.25")
    _class_sets(client, auth, school.first_teacher, school.first, school.student, "2")
    assert _start_assignment(app, client, auth, school.student, assignment) == 1200


def test_practice_takes_the_most_generous_of_all_the_students_classes(app, client, auth, school):
    assert _start_practice(app, client, auth, school.student) == TEN_MINUTES
    _class_sets(client, auth, school.second_teacher, school.second, school.student, "1.25")
    assert _start_practice(app, client, auth, school.student) == 750


def test_an_instructor_sets_it_only_in_their_own_class(app, client, auth, make_user, school):
    outsider = make_user(display_name="Olly Outsider")
    _as(auth, outsider, client.post, "/classes/join", data={"code": _code(app, school.first)})
    # Another instructor's class, even with the student in it; a student not in their class.
    for class_id, student in (
        (school.first, school.student),
        (school.second, outsider),
        (school.first, outsider),
    ):
        response = _class_sets(client, auth, school.second_teacher, class_id, student, "untimed")
        assert response.status_code == 404
    assert _stored(app, school.student, school.first) == (STANDARD, STANDARD)
    assert _stored(app, outsider, school.first) == (STANDARD, STANDARD)
    # Only an admin sets the account-wide one.
    response = _as(
        auth,
        school.second_teacher,
        client.post,
        f"/admin/users/{school.student.id}/accommodation",
        data={"time": "untimed"},
    )
    assert response.status_code == 403
    assert _stored(app, school.student, school.second) == (STANDARD, STANDARD)


def test_an_unknown_choice_changes_nothing(app, client, auth, school):
    for time in ("0.5", "9", "fast"):
        _class_sets(client, auth, school.first_teacher, school.first, school.student, time)
    assert _stored(app, school.student, school.first) == (STANDARD, STANDARD)


# --- services ---------------------------------------------------------------------------


@pytest.fixture
def stored(app, school):
    """Set the account-wide, first-class and second-class accommodations of the student."""

    def store(account: str, first: str, second: str) -> User:
        student = db.session.get(User, school.student.id)
        teachers = {
            school.first: db.session.get(User, school.first_teacher.id),
            school.second: db.session.get(User, school.second_teacher.id),
        }
        auth_services.set_time_accommodation(student, account, actor=None)
        for class_id, choice in ((school.first, first), (school.second, second)):
            classroom = db.session.get(Classroom, class_id)
            services.set_class_accommodation(classroom, student, choice, actor=teachers[class_id])
        db.session.commit()
        return student

    return store


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize(
    ("account", "first", "second", "in_first", "in_none", "practice"),
    [
        ("standard", "standard", "untimed", STANDARD, STANDARD, UNTIMED),
        ("standard", "1.5", "1.25", Accommodation(multiplier=1.5), STANDARD, 1.5),
        ("1.25", "standard", "2", Accommodation(multiplier=1.25), 1.25, 2),
        ("2", "1.5", "standard", Accommodation(multiplier=2), 2, 2),
        ("untimed", "1.5", "standard", UNTIMED, UNTIMED, UNTIMED),
    ],
)
def test_which_accommodation_applies(
    school, stored, account, first, second, in_first, in_none, practice
):
    student = stored(account, first, second)

    def as_accommodation(value):
        return value if isinstance(value, Accommodation) else Accommodation(multiplier=value)

    assert services.class_test_accommodation(student, school.first) == in_first
    assert services.class_test_accommodation(student, None) == as_accommodation(in_none)
    assert services.practice_accommodation(student) == as_accommodation(practice)


@pytest.mark.usefixtures("app_ctx")
def test_a_class_the_student_left_no_longer_counts(school, stored):
    student = stored("standard", "untimed", "standard")
    services.remove_student(db.session.get(Classroom, school.first), student.id)
    assert services.class_test_accommodation(student, school.first) == STANDARD
    assert services.practice_accommodation(student) == STANDARD


@pytest.mark.usefixtures("app_ctx")
def test_custom_missed_and_adaptive_practice_take_the_practice_accommodation(school, stored):
    student = stored("standard", "standard", "1.5")
    now = datetime.now(UTC)
    bank_id = db.session.scalar(sa.select(Bank.id).where(Bank.slug == "demo"))
    test = exam_services.CustomTest(
        selections=((bank_id, None),), count=5, mode=Mode.EXAM, time_limit_minutes=10
    )
    custom = exam_services.start_custom_attempt(student, test, now=now, seed=1)
    assert custom.time_limit_seconds == 900
    exam_services.finish_attempt(custom, now=now)  # nothing answered: all 5 missed
    missed = exam_services.start_missed_attempt(student, custom, mode=Mode.EXAM, now=now)
    assert missed.time_limit_seconds == 5 * 90  # a minute a question, times 1.5
    text = blueprint_yaml("demo-adaptive", "demo", 4).replace(
        "sections:", "adaptive: true, sections:"
    )
    sync_blueprint(parse_blueprint(text))
    blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "demo-adaptive"))
    adaptive = start_adaptive_attempt(student, blueprint, now=now, seed=1)
    minutes = blueprint.adaptive["time_limit_minutes"]
    assert adaptive.time_limit_seconds == Accommodation(multiplier=1.5).seconds(minutes)
    assert adaptive.time_limit_seconds > minutes * 60
