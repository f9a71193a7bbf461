"""Set a practice test for classes, start it within its window, and report who has done it.

Services take the user and the time explicitly, flush but never commit, and raise
AssignmentError with a message for the person who asked. Every check that matters (window,
attempts, mode) is made here, on the server, whatever the form sent.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from quizapp.assignments.models import MAX_ATTEMPTS_ALLOWED, Assignment, Window
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes import services as class_services
from quizapp.classes.models import Classroom, Enrollment
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, Mode, Status
from quizapp.extensions import db

logger = logging.getLogger(__name__)

MODES = (Mode.EXAM.value, Mode.TUTOR.value)
#: The home page lists assignments due from this many days ago on (older ones drop off).
HOME_DAYS_BACK = 14
HOME_LIMIT = 10


class AssignmentError(Exception):
    """An assignment request that cannot be done; the message says why and what to do."""


def format_when(moment: datetime, zone: tzinfo) -> str:
    """A moment as people read it on a notice board: "Fri 11 Dec 2026, 23:59 EST"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def assign_test(
    instructor: User,
    blueprint: Blueprint,
    classes: list[Classroom],
    *,
    mode: str,
    opens_at: datetime,
    due_at: datetime,
    max_attempts: int,
    accept_late: bool,
    now: datetime,
) -> list[Assignment]:
    """Set `blueprint` for each class in `classes` (the caller checked they are the
    instructor's own and the test visible to them).

    :raises AssignmentError: for no class, a due time not after the opening or already past,
        an unknown mode or an attempt count out of range.
    """
    problems = []
    if not classes:
        problems.append("Choose at least one class.")
    if mode not in MODES:
        problems.append("Choose exam mode or tutor mode.")
    problems += _schedule_problems(opens_at, due_at, max_attempts)
    if opens_at < due_at <= now:
        problems.append("The due time has already passed: choose a later one.")
    if problems:
        raise AssignmentError(" ".join(problems))
    assignments = [
        Assignment(
            class_id=classroom.id,
            blueprint_id=blueprint.id,
            mode=mode,
            opens_at=opens_at,
            due_at=due_at,
            max_attempts=max_attempts,
            accept_late=accept_late,
            created_by_id=instructor.id,
            created_at=now,
        )
        for classroom in classes
    ]
    db.session.add_all(assignments)
    db.session.flush()
    logger.info(
        "%s assigned %s to classes %s", instructor.email, blueprint.slug, [c.id for c in classes]
    )
    return assignments


def _schedule_problems(opens_at: datetime, due_at: datetime, max_attempts: int) -> list[str]:
    problems = []
    if not 1 <= max_attempts <= MAX_ATTEMPTS_ALLOWED:
        problems.append(f"Allow between 1 and {MAX_ATTEMPTS_ALLOWED} attempts.")
    if due_at <= opens_at:
        problems.append("The due time must come after the opening time.")
    return problems


def reschedule(
    assignment: Assignment,
    *,
    opens_at: datetime,
    due_at: datetime,
    max_attempts: int,
    accept_late: bool,
) -> None:
    """Change when an assignment opens and is due, its attempts and late work. Tries already
    made stay (a lower limit stops further ones); lateness is judged by the new due time.

    :raises AssignmentError: for a due time not after the opening, or attempts out of range.
    """
    problems = _schedule_problems(opens_at, due_at, max_attempts)
    if problems:
        raise AssignmentError(" ".join(problems))
    assignment.opens_at = opens_at
    assignment.due_at = due_at
    assignment.max_attempts = max_attempts
    assignment.accept_late = accept_late
    logger.info("Assignment %s rescheduled: due %s", assignment.id, due_at)


def delete_assignment(assignment: Assignment) -> None:
    """Withdraw an assignment; attempts already made stay in the students' histories."""
    db.session.delete(assignment)
    logger.info("Assignment %s withdrawn", assignment.id)


def class_assignments(classroom: Classroom) -> list[Assignment]:
    """A class's assignments, the latest due first, with their tests."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.class_id == classroom.id)
            .order_by(Assignment.due_at.desc(), Assignment.id.desc())
            .options(so.joinedload(Assignment.blueprint))
        )
    )


@dataclass
class Completion:
    """How many of a class's students finished an assignment, on time or late."""

    done: int = 0
    on_time: int = 0
    average_best: float | None = None

    @property
    def late(self) -> int:
        return self.done - self.on_time


def completions(classroom: Classroom, assignments: list[Assignment]) -> dict[int, Completion]:
    """Per assignment id, its completion counts over the class's current students: one grouped
    query whatever the class's size (a student counts on time if any try finished by the due
    time)."""
    result = {a.id: Completion() for a in assignments}
    if not result:
        return result
    per_student = (
        sa.select(
            Attempt.assignment_id,
            sa.func.min(Attempt.finished_at).label("first_done"),
            sa.func.max(Attempt.percent).label("best"),
        )
        .where(
            Attempt.assignment_id.in_(result),
            Attempt.status == Status.FINISHED.value,
            Attempt.user_id.in_(
                sa.select(Enrollment.student_id).where(Enrollment.class_id == classroom.id)
            ),
        )
        .group_by(Attempt.assignment_id, Attempt.user_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            per_student.c.assignment_id,
            sa.func.count(),
            sa.func.sum(sa.case((per_student.c.first_done <= Assignment.due_at, 1), else_=0)),
            sa.func.avg(per_student.c.best),
        )
        .join(Assignment, Assignment.id == per_student.c.assignment_id)
        .group_by(per_student.c.assignment_id)
    )
    for assignment_id, done, on_time, average in rows:
        result[assignment_id] = Completion(
            done, int(on_time or 0), None if average is None else round(float(average), 1)
        )
    return result


@dataclass
class Progress:
    """One student's tries at one assignment."""

    assignment: Assignment
    tries: list[Attempt] = field(default_factory=list)

    @property
    def used(self) -> int:
        return len(self.tries)

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.tries if a.status == Status.IN_PROGRESS.value), None)

    @property
    def finished(self) -> list[Attempt]:
        return [a for a in self.tries if a.status == Status.FINISHED.value]

    @property
    def best(self) -> Attempt | None:
        return max(self.finished, key=lambda a: a.percent or 0.0, default=None)

    @property
    def done_on_time(self) -> bool:
        return any(not self.assignment.is_late(a.finished_at) for a in self.finished)

    @property
    def status(self) -> str:
        """One of "not started", "in progress", "done" or "done late" (every finished try
        after the due time)."""
        if self.finished:
            return "done" if self.done_on_time else "done late"
        return "in progress" if self.in_progress else "not started"

    @property
    def tries_left(self) -> int:
        return max(0, self.assignment.max_attempts - self.used)

    def can_start(self, now: datetime) -> bool:
        """Whether a start (or resume) button makes sense now."""
        if self.in_progress:
            return True
        return self.tries_left > 0 and self.assignment.window(now) in (Window.OPEN, Window.LATE)


def _tries(assignment_ids, user_ids) -> dict[tuple[int, int], list[Attempt]]:
    """The tries of these users at these assignments, by (assignment id, user id), in order.
    At most MAX_ATTEMPTS_ALLOWED rows per pair, so bounded by the ids given."""
    tries: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    if not assignment_ids or not user_ids:
        return tries
    for attempt in db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.assignment_id.in_(assignment_ids), Attempt.user_id.in_(user_ids))
        .order_by(Attempt.assignment_try)
    ):
        tries[(attempt.assignment_id, attempt.user_id)].append(attempt)
    return tries


def student_assignments(student: User, *, now: datetime) -> list[Progress]:
    """The student's assignments for the home page: not yet due or due in the last
    HOME_DAYS_BACK days, the soonest due first, with their tries (two queries)."""
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Enrollment, Enrollment.class_id == Assignment.class_id)
            .where(
                Enrollment.student_id == student.id,
                Assignment.due_at >= now - timedelta(days=HOME_DAYS_BACK),
            )
            .order_by(Assignment.due_at, Assignment.id)
            .limit(HOME_LIMIT)
            .options(so.joinedload(Assignment.blueprint), so.joinedload(Assignment.classroom))
        )
    )
    tries = _tries([a.id for a in assignments], [student.id])
    return [Progress(a, tries.get((a.id, student.id), [])) for a in assignments]


def roster_progress(assignment: Assignment, students: list[User]) -> list[tuple[User, Progress]]:
    """Each student (a page of the roster, or all of it for an export) with their tries at
    the assignment (one query)."""
    tries = _tries([assignment.id], [s.id for s in students])
    return [(s, Progress(assignment, tries.get((assignment.id, s.id), []))) for s in students]


def enrolled_assignment(student: User, assignment_id: int) -> Assignment | None:
    """The assignment if it was set for a class this student is in; None otherwise."""
    return db.session.scalar(
        sa.select(Assignment)
        .join(Enrollment, Enrollment.class_id == Assignment.class_id)
        .where(Assignment.id == assignment_id, Enrollment.student_id == student.id)
    )


def start_assignment(
    student: User,
    assignment: Assignment,
    *,
    mode: str | None,
    now: datetime,
    zone: tzinfo,
    seed: int | None = None,
) -> Attempt:
    """Start the student's next try at an assignment, or return the try they have open.

    Its time limit takes the more generous of the student's account-wide accommodation and the
    one of the assignment's class, never that of another class.

    :param mode: the mode the form asked for; None to take the assignment's.
    :param zone: the time zone the messages name times in.
    :raises AssignmentError: before it opens, after it closes, with every try used, or for a
        mode other than the one the instructor set.
    """
    title = assignment.blueprint.title
    progress = Progress(
        assignment, _tries([assignment.id], [student.id])[(assignment.id, student.id)]
    )
    if progress.in_progress:
        return progress.in_progress
    window = assignment.window(now)
    if window == Window.UPCOMING:
        raise AssignmentError(
            f"{title} opens on {format_when(assignment.opens_at, zone)}; you can start it then."
        )
    if window == Window.CLOSED:
        raise AssignmentError(
            f"{title} was due on {format_when(assignment.due_at, zone)} and your instructor "
            "does not accept late work. Ask them if you need more time."
        )
    if mode is not None and mode != assignment.mode:
        raise AssignmentError(
            f"Your instructor set {title} in {assignment.mode} mode; start it from your home page."
        )
    if progress.tries_left == 0:
        raise AssignmentError(
            f"You have used all {assignment.max_attempts} of your attempts at {title}. "
            "Your results are under Progress."
        )
    try:
        with db.session.begin_nested():
            attempt = exam_services.start_blueprint_attempt(
                student,
                assignment.blueprint,
                mode=Mode(assignment.mode),
                accommodation=class_services.class_test_accommodation(student, assignment.class_id),
                now=now,
                seed=seed,
                assignment=(assignment.id, progress.used + 1),
            )
    except IntegrityError as exc:
        # Another tab started the same try a moment ago (the unique try number decided).
        raise AssignmentError(
            f"{title} was just started in another tab or window; continue it from your home page."
        ) from exc
    except exam_services.CannotStartError as exc:
        raise AssignmentError(str(exc)) from exc
    logger.info(
        "%s started try %s at assignment %s", student.email, progress.used + 1, assignment.id
    )
    return attempt
