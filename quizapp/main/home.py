"""What the home page shows each role: a student's next steps, an instructor's classes and the
reports waiting for them. A few bounded queries each, whatever the history's length."""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import sqlalchemy as sa

from quizapp.assignments import services as assignment_services
from quizapp.auth.models import User
from quizapp.banks import manage
from quizapp.banks import services as bank_services
from quizapp.banks.models import Bank
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.classes import services as class_services
from quizapp.classes.models import Classroom, Enrollment
from quizapp.exams.models import Attempt, QuestionReport
from quizapp.exams.services import recent_attempts
from quizapp.extensions import db
from quizapp.history import services as history
from quizapp.review import services as review

RECENT_RESULTS = 5
TOPICS_TO_STUDY = 3


@dataclass
class StudentHome:
    in_progress: list[Attempt]
    finished: list[Attempt]
    #: The weakest topics with enough answers to judge, weakest first.
    study_next: list[history.TopicMastery]
    #: For a student who has not started anything yet: the test to take first, if offered.
    first_test: TestBlueprint | None = None
    #: Spaced review: (due today, due this week), and the exam-date plan if the student set one.
    due_counts: tuple[int, int] = (0, 0)
    plan: review.ExamPlan | None = None
    #: Tests their instructors assigned, the soonest due first.
    assignments: list[assignment_services.Progress] = field(default_factory=list)
    #: Replies to their question reports not yet marked read: (report, question stem).
    replies: list[tuple[QuestionReport, str]] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return not (self.in_progress or self.finished)


@dataclass
class StaffHome:
    classes: list[Classroom] = field(default_factory=list)
    #: Students enrolled, per class id.
    class_sizes: dict[int, int] = field(default_factory=dict)
    open_reports: int = 0
    own_banks: int = 0


def student_home(user: User, *, first_test_slug: str, now: datetime, zone: tzinfo) -> StudentHome:
    """In-progress tests, assignments, replies to reports, recent results, today's review and
    the exam-date plan, and what to study next, or the first steps. `zone` is the site's time
    zone: the student's day ends at its midnight."""
    in_progress, finished = recent_attempts(user, limit=RECENT_RESULTS)
    weakest = [t for t in history.ranked_topics(history.topic_mastery(user.id)) if t.percent < 100]
    home = StudentHome(in_progress, finished, weakest[:TOPICS_TO_STUDY])
    home.due_counts = review.due_counts(user.id, now=now, zone=zone)
    today = now.astimezone(zone).date()
    home.plan = review.exam_plan(user, review.settings_of(user.id), today=today)
    home.assignments = assignment_services.student_assignments(user, now=now)
    home.replies = manage.unread_replies(user)
    if home.is_new:
        home.first_test = db.session.scalar(
            bank_services.visible_blueprints_query(user).where(
                TestBlueprint.slug == first_test_slug
            )
        )
    return home


def staff_home(user: User) -> StaffHome:
    """An instructor's classes (an admin runs none: the Classes page lists everyone's), the
    problem reports waiting, and their own banks."""
    sizes = db.session.execute(
        sa.select(Enrollment.class_id, sa.func.count(Enrollment.id))
        .join(Classroom, Classroom.id == Enrollment.class_id)
        .where(Classroom.instructor_id == user.id)
        .group_by(Enrollment.class_id)
    )
    return StaffHome(
        classes=[] if user.is_admin else class_services.classes_run_by(user),
        class_sizes=dict(sizes.all()),
        open_reports=manage.open_report_count(user),
        own_banks=db.session.scalar(
            sa.select(sa.func.count(Bank.id)).where(
                Bank.owner_id == user.id, Bank.archived_at.is_(None)
            )
        ),
    )
