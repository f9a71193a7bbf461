"""The home page guides each role: first steps, work in progress, what to study, staff tools."""

from datetime import UTC, datetime

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.services import sync_bank
from quizapp.exams.models import Attempt
from quizapp.exams.services import load_item, report_problem
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from tests.conftest import bank_yaml


def test_a_new_student_is_shown_where_to_start(
    app, client, auth, make_user, make_bank, make_blueprint
):
    make_bank("demo", n_questions=6)
    make_blueprint("medical-terminology-practice", "demo", 5)
    student = make_user()
    auth.login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Where to start" in page
    assert 'action="/practice/medical-terminology-practice/start"' in page
    assert "Build your own test" in page and "join your class" in page
    assert "Recent scores" not in page
    response = client.post("/practice/medical-terminology-practice/start", data={"mode": "tutor"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Attempt.mode)) == "tutor"


def test_without_the_first_test_the_list_of_tests_is_suggested(client, auth, make_user):
    auth.login(make_user())
    page = client.get("/").get_data(as_text=True)
    assert "Where to start" in page and "Choose a practice test" in page


def test_a_returning_student_sees_progress_scores_and_what_to_study(
    app, client, auth, make_user, make_bank, make_blueprint, start_attempt
):
    make_bank("demo", n_questions=12, topic_split=6)
    make_blueprint("demo-test", "demo", 5)
    student = make_user()
    with app.app_context():
        seed_attempts([student.id], attempts_each=1, accuracy=lambda u, n: 0.0)
    auth.login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Where to start" not in page
    assert "Seeded test" in page and "0%, not passed" in page
    assert "Answer 5 questions on a topic and your weakest topics show here" in page
    with app.app_context():
        seed_attempts([student.id], attempts_each=4, accuracy=lambda u, n: 0.5)
    attempt_id = start_attempt(student)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/attempts/{attempt_id}"' in page and "Continue where you left off" in page
    assert "What to study next" in page and "Practice my weakest topics" in page
    assert "/practice/custom?bank=demo/" in page  # each weak topic links to the builder


def test_an_instructor_sees_classes_reports_and_how_to_upload(
    app, client, auth, make_user, make_class, make_bank, make_blueprint, start_attempt
):
    teacher = make_user("instructor")
    auth.login(teacher)
    page = client.get("/").get_data(as_text=True)
    assert "You have no class yet" in page and "No reports waiting" in page
    assert 'href="/banks/upload"' in page and 'href="/banks/formats"' in page
    student = make_user()
    class_id = make_class(teacher, students=(student,), name="MA 101 evening")
    with app.app_context():
        sync_bank(parse_bank(bank_yaml("mine", 3)), now=datetime.now(UTC), owner_id=teacher.id)
        db.session.commit()
    make_blueprint("mine-test", "mine", 2)
    attempt_id = start_attempt(student, "mine-test")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        report_problem(db.session.get(User, student.id), attempt, load_item(attempt, 1), "Typo")
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert f'href="/classes/{class_id}">MA 101 evening</a>\n            · 1 student</span>' in page
    assert "1 report waiting" in page and "You have 1 bank of your own" in page


def test_an_admin_sees_their_tools(client, auth, make_user):
    auth.login(make_user("admin"))
    page = client.get("/").get_data(as_text=True)
    assert "Your tools" in page and 'href="/admin/users"' in page and 'href="/reports"' in page
