"""Classes: join codes, rosters, reports, privacy, CSV, item analysis, speed."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.classes.models import Classroom, Enrollment
from quizapp.classes.views import ROSTER_PAGE_SIZE
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts


@pytest.fixture
def teacher(make_user):
    return make_user("instructor", display_name="Ms Teacher")


def _code(app, class_id):
    with app.app_context():
        return db.session.get(Classroom, class_id).join_code


def test_instructor_creates_a_class_and_a_student_joins(app, client, auth, make_user, teacher):
    auth.login(teacher)
    response = client.post("/classes", data={"name": "MA 101 evening"})
    class_id = int(response.headers["Location"].rsplit("/", 1)[1])
    code = _code(app, class_id)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code)
    auth.logout()
    student = make_user(display_name="Sam Student")
    auth.login(student)
    response = client.post("/classes/join", data={"code": f" {code[:4].lower()}-{code[4:]} "})
    assert response.status_code == 302
    page = client.get("/classes").get_data(as_text=True)
    assert "You joined MA 101 evening" in page and "Ms Teacher" in page
    assert "already in" in client.post(
        "/classes/join", data={"code": code}, follow_redirects=True
    ).get_data(as_text=True)


def test_wrong_code_is_explained(client, auth, make_user):
    auth.login(make_user())
    page = client.post("/classes/join", data={"code": "NOPE2345"}, follow_redirects=True)
    assert "No class has that code" in page.get_data(as_text=True)


def test_new_code_stops_the_old_one(app, client, auth, make_user, teacher, make_class):
    class_id = make_class(teacher)
    old = _code(app, class_id)
    auth.login(teacher)
    client.post(f"/classes/{class_id}/code")
    assert _code(app, class_id) != old
    auth.logout()
    auth.login(make_user())
    page = client.post("/classes/join", data={"code": old}, follow_redirects=True)
    assert "No class has that code" in page.get_data(as_text=True)


def test_student_leaves_and_instructor_removes(app, client, auth, make_user, teacher, make_class):
    leaver, removed = make_user(), make_user()
    class_id = make_class(teacher, students=(leaver, removed))
    auth.login(leaver)
    client.post(f"/classes/{class_id}/leave")
    assert client.post(f"/classes/{class_id}/leave").status_code == 404
    auth.logout()
    auth.login(teacher)
    client.post(f"/classes/{class_id}/students/{removed.id}/remove")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0
    assert client.get(f"/classes/{class_id}/students/{removed.id}").status_code == 404


def _confirmation_form(page: str, url: str) -> bool:
    return f'<form method="post" action="{url}"' in page and 'name="csrf_token"' in page


def test_leaving_asks_first_and_names_the_class(app, client, auth, make_user, teacher, make_class):
    student = make_user()
    class_id = make_class(teacher, students=(student,), name="MA 101 evening")
    auth.login(student)
    listing = client.get("/classes").get_data(as_text=True)
    url = f"/classes/{class_id}/leave"
    assert (
        f'href="{url}" data-confirm="Leave the class &#39;MA 101 evening&#39; of Ms Teacher?"'
        in (listing)
    )
    page = client.get(url).get_data(as_text=True)
    assert "Leave the class &#39;MA 101 evening&#39; of Ms Teacher?" in page
    assert "Ms Teacher will no longer see your results" in page and _confirmation_form(page, url)
    with app.app_context():  # asking changed nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1
    assert client.get(f"/classes/{make_class(teacher)}/leave").status_code == 404


def test_new_code_and_removal_ask_first(app, client, auth, make_user, teacher, make_class):
    student = make_user(display_name="Sam Student")
    class_id = make_class(teacher, students=(student,))
    code = _code(app, class_id)
    auth.login(teacher)
    detail = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert f'href="/classes/{class_id}/code" data-confirm=' in detail
    assert f'href="/classes/{class_id}/students/{student.id}/remove" data-confirm=' in detail
    assert "js/confirm.js" in detail
    page = client.get(f"/classes/{class_id}/code").get_data(as_text=True)
    assert f"The code {code} stops working at once" in page
    assert _confirmation_form(page, f"/classes/{class_id}/code")
    assert _code(app, class_id) == code
    url = f"/classes/{class_id}/students/{student.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "Remove Sam Student from &#39;MA 101&#39;?" in page and _confirmation_form(page, url)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1
    assert client.get(f"/classes/{class_id}/students/{teacher.id}/remove").status_code == 404


def test_instructors_see_only_their_own_classes(client, auth, make_user, teacher, make_class):
    student = make_user()
    class_id = make_class(teacher, students=(student,), name="Secret class")
    auth.login(make_user("instructor"))
    assert client.get(f"/classes/{class_id}").status_code == 404
    assert client.get(f"/classes/{class_id}/students/{student.id}").status_code == 404
    assert client.get(f"/classes/{class_id}/report.csv").status_code == 404
    assert client.get(f"/classes/{class_id}/code").status_code == 404
    assert client.get(f"/classes/{class_id}/students/{student.id}/remove").status_code == 404
    assert "Secret class" not in client.get("/classes").get_data(as_text=True)


def test_roster_report_and_student_history(
    app, client, auth, make_user, teacher, make_class, make_bank, make_blueprint
):
    make_bank("demo", n_questions=10)
    make_blueprint("demo-test", "demo", 5)
    alice, bob = make_user(display_name="Alice"), make_user(display_name="Bob")
    class_id = make_class(teacher, students=(alice, bob))
    with app.app_context():
        blueprint_id = db.session.scalar(sa.select(Blueprint.id))
        seed_attempts(
            [alice.id],
            attempts_each=3,
            blueprint_id=blueprint_id,
            accuracy=lambda u, n: [0, 0.6, 1][n],
        )
    auth.login(teacher)
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "Roster (2 students)" in page and "Alice" in page and "Bob" in page
    assert "Demo test" in page
    assert '<svg viewBox="0 0 640 240"' in page
    history = client.get(f"/classes/{class_id}/students/{alice.id}").get_data(as_text=True)
    assert "Progress of Alice" in history and history.count("Seeded test") == 3
    assert "Practice my weakest topics" not in history  # the instructor cannot start tests for her


def test_class_csv_neutralises_formulas(app, client, auth, make_user, teacher, make_class):
    evil = make_user(display_name='=HYPERLINK("http://evil","x")')
    plus, at = make_user(display_name="+1 student"), make_user(display_name="@SUM(1)")
    class_id = make_class(teacher, students=(evil, plus, at))
    auth.login(teacher)
    response = client.get(f"/classes/{class_id}/report.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(['\'=HYPERLINK("http://evil","x")', "'+1 student", "'@SUM(1)"])


def test_instructor_sets_a_time_accommodation(app, client, auth, make_user, teacher, make_class):
    student = make_user()
    class_id = make_class(teacher, students=(student,))
    auth.login(teacher)
    response = client.post(
        f"/classes/{class_id}/students/{student.id}/accommodation", data={"time": "1.5"}
    )
    assert "time and a half (1.5×) on this class&#39;s tests" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment))
        assert (enrollment.untimed, enrollment.time_multiplier) == (False, 1.5)
        user = db.session.get(User, student.id)  # the account-wide one is the admin's
        assert (user.untimed, user.time_multiplier) == (False, 1.0)
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert '<option value="1.5" selected>' in page and "Admin:" not in page
    outsider = make_user()
    response = client.post(
        f"/classes/{class_id}/students/{outsider.id}/accommodation", data={"time": "2"}
    )
    assert response.status_code == 404


def test_class_item_analysis_flags_items(
    app, client, auth, make_user, teacher, make_class, make_bank
):
    make_bank("demo", n_questions=5)
    students = [make_user() for _ in range(25)]
    class_id = make_class(teacher, students=tuple(students))
    with app.app_context():
        seed_attempts(
            [s.id for s in students], attempts_each=1, questions_each=5, accuracy=lambda u, n: 0.99
        )
    auth.login(teacher)
    page = client.get(f"/classes/{class_id}/items?bank=demo").get_data(as_text=True)
    assert "too easy" in page
    assert "Facility" in page and "KR-21" in page


def test_class_report_queries_are_bounded(
    app, client, auth, make_user, teacher, make_class, make_bank, count_queries
):
    make_bank("demo", n_questions=10)
    auth.login(teacher)
    counts = []
    for size in (3, 200):
        students = [make_user() for _ in range(size)]
        class_id = make_class(teacher, students=tuple(students), name=f"Class {size}")
        with app.app_context():
            seed_attempts([s.id for s in students], attempts_each=2)
        with count_queries() as statements:
            assert client.get(f"/classes/{class_id}").status_code == 200
            assert client.get(f"/classes/{class_id}/report.csv").status_code == 200
            assert client.get(f"/classes/{class_id}/items?bank=demo").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 45


def test_roster_comes_a_page_at_a_time(
    app, client, auth, make_user, teacher, make_class, make_bank
):
    make_bank("demo", n_questions=10)
    auth.login(teacher)
    students = [make_user(display_name=f"Student {n:03}") for n in range(ROSTER_PAGE_SIZE * 2 + 10)]
    class_id = make_class(teacher, students=tuple(students))
    with app.app_context():
        seed_attempts([s.id for s in students], attempts_each=1)
    first = client.get(f"/classes/{class_id}").get_data(as_text=True)
    last = client.get(f"/classes/{class_id}?page=3").get_data(as_text=True)
    row = re.compile(r'<th scope="row" class="fw-normal"><a href="/classes/\d+/students/\d+">')
    assert len(row.findall(first)) == ROSTER_PAGE_SIZE and len(row.findall(last)) == 10
    assert "Student 000" in first and "Student 100" not in first and "Student 100" in last
    assert f"Roster ({ROSTER_PAGE_SIZE * 2 + 10} students)" in last
    assert 'href="?page=3#roster"' in first
