"""Create classes, join and leave them, and decide who may see whose data."""

import logging
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.accommodations import Accommodation, most_generous
from quizapp.auth.models import Role, User
from quizapp.classes.models import Classroom, Enrollment
from quizapp.extensions import db
from quizapp.utils import insert_unless_duplicate

logger = logging.getLogger(__name__)

# No 0/O or 1/I/L: codes are read aloud and copied from a whiteboard.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class ClassError(Exception):
    """A class operation a user asked for that cannot be done; the message says why."""


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(code.split()).upper().replace("-", "")


def create_class(instructor: User, name: str) -> Classroom:
    classroom = Classroom(name=name.strip(), instructor_id=instructor.id, join_code=new_join_code())
    db.session.add(classroom)
    db.session.flush()
    logger.info("Class %s created by %s", classroom.id, instructor.email)
    return classroom


def regenerate_code(classroom: Classroom) -> str:
    classroom.join_code = new_join_code()
    return classroom.join_code


def join_class(student: User, code: str) -> Classroom:
    """Enrol a student with a join code.

    :raises ClassError: for an unknown code or a class already joined.
    """
    classroom = db.session.scalar(
        sa.select(Classroom).where(Classroom.join_code == normalize_code(code))
    )
    if classroom is None:
        raise ClassError("No class has that code. Check it with your instructor.")
    if not insert_unless_duplicate(Enrollment, class_id=classroom.id, student_id=student.id):
        raise ClassError(f"You are already in {classroom.name}.")
    logger.info("%s joined class %s", student.email, classroom.id)
    return classroom


def remove_student(classroom: Classroom, student_id: int) -> bool:
    """Take a student out of a class (their own leaving, or the instructor removing them)."""
    result = db.session.execute(
        sa.delete(Enrollment).where(
            Enrollment.class_id == classroom.id, Enrollment.student_id == student_id
        )
    )
    return result.rowcount == 1


def is_enrolled(student_id: int, class_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Enrollment.id).where(
                Enrollment.class_id == class_id, Enrollment.student_id == student_id
            )
        )
        is not None
    )


def classes_run_by(user: User) -> list[Classroom]:
    """The classes a user may manage: their own, or every class for an admin."""
    query = sa.select(Classroom).order_by(Classroom.name)
    if user.role != Role.ADMIN:
        query = query.where(Classroom.instructor_id == user.id)
    return list(db.session.scalars(query))


def classes_with_sizes(user: User) -> list[tuple[Classroom, int]]:
    """The classes a user may manage, each with its number of students (one query)."""
    query = (
        sa.select(Classroom, sa.func.count(Enrollment.id))
        .outerjoin(Enrollment, Enrollment.class_id == Classroom.id)
        .group_by(Classroom.id)
        .order_by(Classroom.name)
    )
    if user.role != Role.ADMIN:
        query = query.where(Classroom.instructor_id == user.id)
    return [(classroom, count) for classroom, count in db.session.execute(query)]


def managed_class(user: User, class_id: int) -> Classroom | None:
    """The class if this user runs it (or is an admin); None otherwise."""
    classroom = db.session.get(Classroom, class_id)
    if classroom is None or (user.role != Role.ADMIN and classroom.instructor_id != user.id):
        return None
    return classroom


def classes_joined_by(student: User) -> list[Classroom]:
    return list(
        db.session.scalars(
            sa.select(Classroom)
            .join(Enrollment, Enrollment.class_id == Classroom.id)
            .where(Enrollment.student_id == student.id)
            .order_by(Classroom.name)
            .options(so.joinedload(Classroom.instructor))
        )
    )


def roster_query(classroom: Classroom):
    """The class's students, by name (for a page of them)."""
    return (
        sa.select(User)
        .join(Enrollment, Enrollment.student_id == User.id)
        .where(Enrollment.class_id == classroom.id)
        .order_by(User.display_name, User.id)
    )


def roster(classroom: Classroom) -> list[User]:
    return list(db.session.scalars(roster_query(classroom)))


def student_ids(classroom: Classroom):
    """A select of the ids of the class's students (for reports over the whole class)."""
    return sa.select(Enrollment.student_id).where(Enrollment.class_id == classroom.id)


def instructors_of(student_id: int):
    """A subquery of the ids of the instructors whose classes this student is in."""
    return (
        sa.select(Classroom.instructor_id)
        .join(Enrollment, Enrollment.class_id == Classroom.id)
        .where(Enrollment.student_id == student_id)
    )


# --- time accommodations ----------------------------------------------------------------
# The admin's is account-wide (User); an instructor's is the class's (Enrollment), so one
# instructor's setting never reaches another instructor's tests.


def set_class_accommodation(classroom: Classroom, student: User, choice: str, *, actor: User):
    """Set a student's time accommodation for this class's tests only: "standard", "untimed"
    or a multiplier such as "1.5". The account-wide one (the admin's) is left as it is.

    :raises ClassError: when the student is not in the class.
    :raises ValueError: for an unknown choice.
    """
    accommodation = Accommodation.from_choice(choice)
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.class_id == classroom.id, Enrollment.student_id == student.id
        )
    )
    if enrollment is None:
        raise ClassError(f"{student.display_name} is not in {classroom.name}.")
    enrollment.untimed = accommodation.untimed
    enrollment.time_multiplier = accommodation.multiplier
    logger.info(
        "%s set the time accommodation of %s in class %s to %s",
        actor.email,
        student.email,
        classroom.id,
        choice,
    )


def class_accommodations(classroom: Classroom, student_ids: list[int]) -> dict[int, Accommodation]:
    """The class's own accommodation of each of these students (for a page of the roster)."""
    rows = db.session.execute(
        sa.select(Enrollment.student_id, Enrollment.untimed, Enrollment.time_multiplier).where(
            Enrollment.class_id == classroom.id, Enrollment.student_id.in_(student_ids)
        )
    )
    return {
        student_id: Accommodation(untimed=untimed, multiplier=multiplier)
        for student_id, untimed, multiplier in rows
    }


def _enrollment_accommodations(student: User, class_id: int | None = None) -> list[Accommodation]:
    query = sa.select(Enrollment.untimed, Enrollment.time_multiplier).where(
        Enrollment.student_id == student.id
    )
    if class_id is not None:
        query = query.where(Enrollment.class_id == class_id)
    return [
        Accommodation(untimed=untimed, multiplier=multiplier)
        for untimed, multiplier in db.session.execute(query)
    ]


def class_test_accommodation(student: User, class_id: int | None) -> Accommodation:
    """The accommodation for a test a class set (its assignment, a link of its LMS course):
    the more generous of the account-wide one and that class's, never another class's.

    :param class_id: None for a test of no class: the account-wide one alone applies.
    """
    classes = _enrollment_accommodations(student, class_id) if class_id is not None else []
    return most_generous([student.accommodation, *classes])


def practice_accommodation(student: User) -> Accommodation:
    """The accommodation for the student's own practice (tests, custom tests, the adaptive
    check): the most generous of the account-wide one and those of every class they are in.
    It only lengthens their own practice, so any of their instructors may grant it."""
    return most_generous([student.accommodation, *_enrollment_accommodations(student)])
