"""Every page that lists things runs the same number of queries whatever the data's size.

Each test measures its pages with little data, grows every list the pages show (attempts,
banks, questions, classes, students, reports, users), measures again and compares per page.
The question pages, results, progress page and class reports have their own tests beside them.
"""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.assignments.services import assign_test, start_assignment
from quizapp.auth.models import User
from quizapp.banks.imports import preview_import
from quizapp.banks.loader import parse_bank
from quizapp.banks.manage import resolve_report, store_pending_import
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_bank
from quizapp.classes.models import Classroom
from quizapp.classes.services import create_class, join_class
from quizapp.exams.models import Attempt
from quizapp.exams.services import finish_attempt, load_item, report_problem
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from quizapp.tokens.services import create_token
from tests.conftest import bank_yaml
from tests.lti.conftest import register_platform


def _counts(client, count_queries, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        assert statements, url  # the counter sees the page's queries
        counts[re.sub(r"\d+", "N", url)] = len(statements)
    return counts


def _bank(app, slug, n_questions, owner_id=None):
    with app.app_context():
        sync_bank(
            parse_bank(bank_yaml(slug, n_questions, topic_split=n_questions // 3)),
            now=datetime.now(UTC),
            owner_id=owner_id,
        )
        db.session.commit()


def _classes(app, instructor_id, student_ids, how_many, first=0):
    with app.app_context():
        for n in range(first, first + how_many):
            classroom = create_class(db.session.get(User, instructor_id), f"Class {n}")
            for student_id in student_ids:
                join_class(db.session.get(User, student_id), classroom.join_code)
        db.session.commit()


def _tokens(app, user_id, how_many):
    with app.app_context():
        for n in range(how_many):
            create_token(db.session.get(User, user_id), f"t{n}", ["read"], now=datetime.now(UTC))
        db.session.commit()


def test_student_pages(app, client, auth, make_user, make_blueprint, start_attempt, count_queries):
    teacher, student = make_user("instructor"), make_user()
    _bank(app, "demo", 12)
    make_blueprint("demo-test", "demo", 5)
    _classes(app, teacher.id, [student.id], 1)
    with app.app_context():
        seed_attempts([student.id], attempts_each=3)
    start_attempt(student)
    auth.login(student)
    urls = ["/", "/practice", "/practice/custom", "/progress/history.csv", "/classes", "/banks"]
    urls += ["/settings/tokens", "/api/v1/docs"]
    _tokens(app, student.id, 1)
    small = _counts(client, count_queries, urls)
    _tokens(app, student.id, 15)

    for n in range(6):
        _bank(app, f"more{n}", 30)
        make_blueprint(f"more{n}-test", f"more{n}", 5)
    _classes(app, teacher.id, [student.id], 8, first=1)
    with app.app_context():
        seed_attempts([student.id], attempts_each=150)
    for seed in range(2, 8):
        start_attempt(student, f"more{seed % 6}-test", seed=seed)
    assert _counts(client, count_queries, urls) == small


def test_instructor_pages(app, client, auth, make_user, make_blueprint, count_queries):
    teacher = make_user("instructor")
    students = [make_user() for _ in range(3)]
    _bank(app, "mine", 6, owner_id=teacher.id)
    make_blueprint("mine-test", "mine", 3)
    _classes(app, teacher.id, [s.id for s in students], 1)
    now = datetime.now(UTC)

    def activity(student_ids, attempts_each, reports_each, uploaded_questions):
        """Finished attempts at the bank, problem reports on their questions, and an upload
        waiting for confirmation."""
        with app.app_context():
            seed_attempts(student_ids, attempts_each=attempts_each, questions_each=5)
            attempts = db.session.scalars(
                sa.select(Attempt).where(Attempt.user_id.in_(student_ids))
            ).all()
            for attempt in attempts[:reports_each]:
                report_problem(
                    db.session.get(User, attempt.user_id),
                    attempt,
                    load_item(attempt, 1),
                    "The key looks wrong to me.",
                )
            gift = "".join(
                f"::g{n}:: Question {n}? {{=right ~wrong}}\n\n" for n in range(uploaded_questions)
            )
            pending = store_pending_import(
                db.session.get(User, teacher.id),
                filename="upload.gift",
                preview=preview_import(gift.encode(), "upload.gift", fmt="gift", title="Upload"),
                now=now,
            )
            db.session.commit()
            return pending.id

    pending_id = activity([s.id for s in students], 2, 2, 3)
    with app.app_context():
        class_id = db.session.scalar(sa.select(sa.func.min(Classroom.id)))
    auth.login(teacher)

    def urls(pending):
        return [
            "/",
            "/banks",
            "/banks/mine",
            "/banks/mine/questions",
            "/banks/mine/questions/q1/edit",
            "/banks/mine/questions/q1/yaml",
            "/banks/mine/questions/new/matching",
            "/banks/mine/items",
            "/banks/mine/settings",
            "/banks/mine/export/gift",
            "/banks/mine/export/xml",
            "/banks/mine/export/yaml",
            "/blueprints/mine-test",
            "/blueprints/new",
            "/classes",
            f"/classes/{class_id}/students/{students[0].id}",
            "/reports",
            "/reports?all=1",
            f"/banks/imports/{pending}",
        ]

    small = _counts(client, count_queries, urls(pending_id))

    _bank(app, "mine", 120, owner_id=teacher.id)  # the same bank, grown
    for n in range(4):
        _bank(app, f"mine{n}", 20, owner_id=teacher.id)
    more = [make_user() for _ in range(30)]
    _classes(app, teacher.id, [s.id for s in more], 8, first=1)
    pending_id = activity([s.id for s in students + more], 6, 40, 150)
    large = _counts(client, count_queries, urls(pending_id))
    assert large == small


def test_admin_users_page(app, client, auth, make_user, count_queries):
    auth.login(make_user("admin"))
    urls = ["/admin/users", "/admin/users?q=student", "/lti/platforms"]
    client.get("/lti/platforms")  # the first visit makes the tool's key
    small = _counts(client, count_queries, urls)
    for n in range(150):
        make_user("student" if n % 3 else "instructor")
    for n in range(20):
        register_platform(app, client_id=f"client-{n}")
    client.post("/lti/keys/rotate")
    assert _counts(client, count_queries, urls) == small


def test_assignment_pages(app, client, auth, make_user, make_blueprint, count_queries):
    """A student's home page with assignments and replies; a class's assignments and the
    report of one, whatever the number of students, tries, assignments and reports."""
    teacher = make_user("instructor")
    _bank(app, "mine", 12, owner_id=teacher.id)
    make_blueprint("mine-test", "mine", 3)
    student = make_user()
    _classes(app, teacher.id, [student.id], 1)
    now = datetime.now(UTC)
    with app.app_context():
        class_id = db.session.scalar(sa.select(sa.func.min(Classroom.id)))

    def activity(student_ids, assignments, replies):
        """Assignments to the class, a finished try at each by each student, and replies to
        the student's reports."""
        with app.app_context():
            classroom = db.session.get(Classroom, class_id)
            owner = db.session.get(User, teacher.id)
            blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "mine-test"))
            made = assign_test(
                owner,
                blueprint,
                [classroom] * assignments,
                mode="tutor",
                opens_at=now - timedelta(hours=1),
                due_at=now + timedelta(days=3),
                max_attempts=3,
                accept_late=True,
                now=now,
            )
            for assignment in made:
                for student_id in student_ids:
                    user = db.session.get(User, student_id)
                    attempt = start_assignment(user, assignment, mode=None, now=now, zone=UTC)
                    finish_attempt(attempt, now=now)
                    if student_id == student.id and replies:
                        report = report_problem(user, attempt, load_item(attempt, 1), "Typo?")
                        resolve_report(report, now=now, outcome="fixed", reply="Fixed.", by=owner)
                        replies -= 1
            db.session.commit()
            return made[0].id

    assignment_id = activity([student.id], 1, 1)
    urls = {
        student: ["/"],
        teacher: [
            "/",
            "/assignments/new",
            f"/classes/{class_id}",
            f"/classes/{class_id}/assignments/{assignment_id}",
            "/reports?all=1",
        ],
    }

    def measure():
        counts = {}
        for user, pages in urls.items():
            auth.login(user)
            counts |= {(user.role, k): v for k, v in _counts(client, count_queries, pages).items()}
            auth.logout()
        return counts

    small = measure()
    more = [make_user() for _ in range(60)]  # past a page of the report
    with app.app_context():
        classroom = db.session.get(Classroom, class_id)
        for other in more:
            join_class(db.session.get(User, other.id), classroom.join_code)
        db.session.commit()
    activity([student.id] + [s.id for s in more], 12, 8)
    assert measure() == small
