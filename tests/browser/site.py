"""A demo site with something on every page: the shipped banks and tests, a student with
attempts in progress and finished, a class with a history, an upload waiting for confirmation
and a reported question. The accessibility tests walk it; docs/screenshots/capture.py
photographs it."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from quizapp.accommodations import STANDARD
from quizapp.assignments.services import assign_test, start_assignment
from quizapp.auth import services as auth_services
from quizapp.auth.models import Role, User
from quizapp.banks.imports import preview_import, preview_to_json, save_import
from quizapp.banks.loader import BlueprintSection
from quizapp.banks.manage import resolve_report
from quizapp.banks.models import Bank, Blueprint, PendingImport, Question
from quizapp.banks.services import create_blueprint, sync_directory
from quizapp.classes.services import create_class, join_class
from quizapp.exams.models import Mode
from quizapp.exams.services import (
    end_section,
    finish_attempt,
    load_item,
    report_problem,
    save_answer,
    start_blueprint_attempt,
    start_chosen_attempt,
)
from quizapp.extensions import db
from quizapp.history.demo import BASE, sample_response, seed_attempts
from quizapp.readiness.adaptive import finish as finish_adaptive
from quizapp.readiness.adaptive import start_adaptive_attempt
from quizapp.review.flashcards import WORD_PARTS_FILE, parse_word_parts, sync_word_parts

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "measure twice, cut once"
GRACE = timedelta(seconds=30)
CLASSMATES = ("Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal")

UPLOAD = b"""// A small GIFT bank an instructor is about to import.
::vitals-1:: Which site is most often used for a child's pulse under 2 years? {
=Apical
~Radial
~Carotid
~Femoral
####The radial pulse is hard to find in infants; listen at the apex of the heart.
}

::vitals-2:: A normal adult respiratory rate is 12 to 20 breaths per minute. {TRUE}

::vitals-3:: Which unit is used for body temperature in most US clinics? {
=Degrees Fahrenheit
~Degrees Kelvin
~Millimetres of mercury
####Fahrenheit is the usual unit in US clinics; Celsius in hospitals and abroad.
}
"""


# Every page worth checking: name -> (who looks at it, path on the seeded Site).
PAGES = {
    "login": ("anonymous", "/login"),
    "register": ("anonymous", "/register"),
    "forgot-password": ("anonymous", "/forgot-password"),
    "welcome": ("anonymous", "/"),
    "not-found": ("anonymous", "/no-such-page"),
    "student-home": ("student", "/"),
    "exams-index": ("student", "/practice"),
    "custom-builder": ("student", "/practice/custom"),
    "question-exam": ("student", "/attempts/{exam_attempt}/2"),
    "question-tutor-feedback": ("student", "/attempts/{tutor_attempt}/1"),
    # ECG items: a rhythm strip in the stem, then the graded one with its feedback.
    "question-picture": ("student", "/attempts/{picture_attempt}/1"),
    "question-picture-feedback": ("student", "/attempts/{picture_attempt}/2"),
    "report-problem": ("student", "/attempts/{exam_attempt}/1/report"),
    "review": ("student", "/attempts/{exam_attempt}/review"),
    "confirm-submit": ("student", "/attempts/{exam_attempt}/submit"),
    "question-sectioned": ("student", "/attempts/{sectioned_attempt}/3"),
    "section-break": ("student", "/attempts/{break_attempt}/break"),
    "adaptive-question": ("student", "/adaptive/{adaptive_attempt}"),
    "adaptive-results": ("student", "/adaptive/{adaptive_finished}/results"),
    "confirm-leave-class": ("student", "/classes/{class_id}/leave"),
    "results": ("student", "/attempts/{finished_attempt}/results"),
    "progress": ("student", "/progress"),
    "student-classes": ("student", "/classes"),
    "banks": ("student", "/banks"),
    "bank": ("student", "/banks/{bank_slug}"),
    "blueprint": ("student", "/blueprints/{blueprint_slug}"),
    "change-password": ("student", "/account/password"),
    "forbidden": ("student", "/admin/users"),
    "instructor-home": ("instructor", "/"),
    "classes": ("instructor", "/classes"),
    "class-report": ("instructor", "/classes/{class_id}"),
    "class-student": ("instructor", "/classes/{class_id}/students/{student_id}"),
    "item-analysis": ("instructor", "/classes/{class_id}/items"),
    "confirm-new-code": ("instructor", "/classes/{class_id}/code"),
    "confirm-remove-student": ("instructor", "/classes/{class_id}/students/{student_id}/remove"),
    "confirm-delete-bank": ("instructor", "/banks/{own_bank}/delete"),
    "bank-items": ("instructor", "/banks/{bank_slug}/items"),
    "bank-questions": ("instructor", "/banks/{bank_slug}/questions"),
    "upload": ("instructor", "/banks/upload"),
    "upload-formats": ("instructor", "/banks/formats"),
    "upload-preview": ("instructor", "/banks/imports/{pending_import}"),
    "bank-settings": ("instructor", "/banks/{own_bank}/settings"),
    "edit-question": ("instructor", "/banks/{own_bank}/questions/{own_question}/edit"),
    "edit-question-yaml": ("instructor", "/banks/{own_bank}/questions/{own_question}/yaml"),
    "new-question": ("instructor", "/banks/{own_bank}/questions/new/matching"),
    "new-blueprint": ("instructor", "/blueprints/new"),
    "reports-queue": ("instructor", "/reports"),
    "review-today": ("student", "/review/"),
    "review-settings": ("student", "/review/settings"),
    "review-leeches": ("student", "/review/leeches"),
    "word-part-flashcards": ("student", "/review/word-parts"),
    "class-leeches": ("instructor", "/review/classes/{class_id}/leeches"),
    "assign-test": ("instructor", "/assignments/new"),
    "assignment-report": ("instructor", "/classes/{class_id}/assignments/{assignment_id}"),
    "assignment-schedule": (
        "instructor",
        "/classes/{class_id}/assignments/{assignment_id}/schedule",
    ),
    "confirm-withdraw": ("instructor", "/classes/{class_id}/assignments/{assignment_id}/withdraw"),
    "admin-home": ("admin", "/"),
    "admin-users": ("admin", "/admin/users"),
    "api-tokens": ("student", "/settings/tokens"),
    "api-docs": ("anonymous", "/api/v1/docs"),
    "lti-platforms": ("admin", "/lti/platforms"),
    "lti-refused": ("anonymous", "/lti/login"),
}


@dataclass(frozen=True)
class Site:
    """Ids and accounts of the seeded site; every account's password is PASSWORD."""

    student: str
    student_id: int
    instructor: str
    admin: str
    exam_attempt: int
    tutor_attempt: int
    finished_attempt: int
    sectioned_attempt: int
    break_attempt: int
    adaptive_attempt: int
    adaptive_finished: int
    picture_attempt: int
    class_id: int
    bank_slug: str
    blueprint_slug: str
    pending_import: int
    own_bank: str
    own_question: str
    assignment_id: int

    def path(self, page: str) -> str:
        """The path of one of PAGES on this site."""
        return PAGES[page][1].format(**asdict(self))


def _user(email: str, name: str, role: Role) -> User:
    return auth_services.create_user(email, name, PASSWORD, role=role)


def _answer(attempt, position: int, *, right: bool, now: datetime) -> None:
    """Answer one question through the form parser, as the student's browser would."""
    item = load_item(attempt, position)
    content, layout = item.version.content, item.slot.layout
    response = sample_response(item.version.type, content, right=right)
    form = MultiDict(item.qtype.form_state(content, layout, response))
    save_answer(attempt, item, form, revision=item.slot.revision, now=now, grace=GRACE)


def seed_site(app) -> Site:
    """Fill the app's empty database; return what the pages need."""
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        sync_directory(ROOT / "question_banks", now=now)
        sync_word_parts(
            parse_word_parts((ROOT / "question_banks" / WORD_PARTS_FILE).read_text("utf-8"))
        )
        student = _user("maria@example.org", "Maria", Role.STUDENT)
        instructor = _user("teacher@example.org", "Ms Rivera", Role.INSTRUCTOR)
        admin = _user("admin@example.org", "Sam Admin", Role.ADMIN)
        classmates = [
            _user(f"{name.lower()}@example.org", name, Role.STUDENT) for name in CLASSMATES
        ]
        classroom = create_class(instructor, "MA 101, evening cohort")
        for member in [student, *classmates]:
            join_class(member, classroom.join_code)
        db.session.flush()

        test = db.session.scalar(
            sa.select(Blueprint).where(Blueprint.slug == "medical-terminology-practice")
        )
        seed_attempts(
            [member.id for member in classmates],
            attempts_each=4,
            questions_each=20,
            accuracy=lambda user_id, n: 0.5 + 0.03 * (user_id % 10) + 0.02 * n,
            blueprint_id=test.id,
            title=test.title,
        )
        seed_attempts(
            [student.id],
            attempts_each=5,
            questions_each=20,
            accuracy=lambda user_id, n: 0.55 + 0.06 * n,
            blueprint_id=test.id,
            title=test.title,
        )

        # Taken the day after the seeded history (which starts on history.demo.BASE).
        taken = BASE + timedelta(days=5, hours=2)
        finished = start_blueprint_attempt(
            student, test, mode=Mode.EXAM, accommodation=STANDARD, now=taken, seed=3
        )
        for position in range(1, finished.question_count + 1):
            _answer(finished, position, right=position % 3 != 0, now=taken)
        finish_attempt(finished, now=taken + timedelta(minutes=41))

        exam = start_blueprint_attempt(
            student, test, mode=Mode.EXAM, accommodation=STANDARD, now=now, seed=5
        )
        first = load_item(exam, 1)
        report_problem(student, exam, first, "Two of the options look the same to me.")

        tutor = start_blueprint_attempt(
            student, test, mode=Mode.TUTOR, accommodation=STANDARD, now=now, seed=7
        )
        _answer(tutor, 1, right=False, now=now)
        pictured = db.session.scalars(
            sa.select(Question.id)
            .where(Question.external_id.in_(["ca-ecg-009", "ca-ecg-014"]))
            .order_by(Question.external_id)
        ).all()
        pictures = start_chosen_attempt(
            student, title="EKG practice", question_ids=list(pictured), settings={}, now=now, seed=1
        )
        _answer(pictures, 2, right=False, now=now)

        # The CMA-style mock in four timed sections: one in its first, one on the first break.
        mock = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "cma-mock-exam"))
        sectioned = start_blueprint_attempt(
            student, mock, mode=Mode.EXAM, accommodation=STANDARD, now=now, seed=11
        )
        on_break = start_blueprint_attempt(
            student, mock, mode=Mode.EXAM, accommodation=STANDARD, now=now, seed=13
        )
        end_section(on_break, now=now)
        # Its adaptive readiness check: one under way, one ended (undecided, out of time).
        adaptive = start_adaptive_attempt(student, mock, now=now, seed=17)
        adaptive_finished = start_adaptive_attempt(student, mock, now=now, seed=19)
        finish_adaptive(adaptive_finished, now=now, reason="expired")

        preview = preview_import(UPLOAD, "vital-signs.gift", title="Vital signs")
        own_bank = save_import(preview, owner=instructor, now=now)
        own_question = db.session.scalar(
            sa.select(Question.external_id).where(Question.bank_id == own_bank.id).limit(1)
        )
        pending = PendingImport(
            owner_id=instructor.id, filename="vital-signs.gift", preview=preview_to_json(preview)
        )
        assignment_id = _seed_assignments(
            instructor, classroom, test, [student, *classmates], own_bank, now=now
        )
        db.session.add(pending)
        bank = db.session.scalar(sa.select(Bank).where(Bank.slug == "medical-terminology"))
        db.session.commit()
        return Site(
            student=student.email,
            student_id=student.id,
            instructor=instructor.email,
            admin=admin.email,
            exam_attempt=exam.id,
            tutor_attempt=tutor.id,
            finished_attempt=finished.id,
            sectioned_attempt=sectioned.id,
            break_attempt=on_break.id,
            adaptive_attempt=adaptive.id,
            adaptive_finished=adaptive_finished.id,
            picture_attempt=pictures.id,
            class_id=classroom.id,
            bank_slug=bank.slug,
            blueprint_slug=test.slug,
            pending_import=pending.id,
            own_bank=own_bank.slug,
            own_question=own_question,
            assignment_id=assignment_id,
        )


def _seed_assignments(instructor, classroom, test, students, own_bank, *, now) -> int:
    """The terminology test assigned to the class (most classmates done, one late) and a test
    of the instructor's own bank opening next week; a classmate's report on the own bank,
    and a reply to one of the student's. Returns the first assignment's id."""
    (current,) = assign_test(
        instructor,
        test,
        [classroom],
        mode="exam",
        opens_at=now - timedelta(days=3),
        due_at=now + timedelta(days=4),
        max_attempts=2,
        accept_late=True,
        now=now - timedelta(days=3),
    )
    own_test = create_blueprint(
        instructor,
        title="Vital signs quiz",
        description="",
        time_limit_minutes=10,
        passing_percent=70,
        sections=[BlueprintSection(own_bank.slug, None, 3)],
    )
    assign_test(
        instructor,
        own_test,
        [classroom],
        mode="tutor",
        opens_at=now + timedelta(days=7),
        due_at=now + timedelta(days=14),
        max_attempts=1,
        accept_late=False,
        now=now,
    )
    for n, member in enumerate(students[1:7]):
        started = now - timedelta(days=2, hours=n)
        attempt = start_assignment(member, current, mode=None, now=started, zone=UTC, seed=n)
        for position in range(1, attempt.question_count + 1):
            _answer(attempt, position, right=(position + n) % 4 != 0, now=started)
        finish_attempt(attempt, now=started + timedelta(minutes=30))
    reporter = students[1]
    practice = start_blueprint_attempt(
        reporter, own_test, mode=Mode.TUTOR, accommodation=STANDARD, now=now, seed=23
    )
    report_problem(
        reporter, practice, load_item(practice, 1), "Is the key right? I was taught radial."
    )
    own_practice = start_blueprint_attempt(
        students[0], own_test, mode=Mode.TUTOR, accommodation=STANDARD, now=now, seed=29
    )
    replied = report_problem(
        students[0],
        own_practice,
        load_item(own_practice, 1),
        "I think two of these options could be right.",
    )
    resolve_report(
        replied,
        now=now,
        outcome="answered",
        reply="Thanks, Maria: only one is right here, and the rationale now says why.",
        by=instructor,
    )
    return current.id


def sign_in(context, base_url: str, email: str) -> None:
    """Sign a browser context in through the login form."""
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    page.close()
