"""Assigning a test through the pages, a student's home page and start button, the report."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from config import ConfigError, TestingConfig
from quizapp.assignments.models import Assignment
from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.tokens.services import create_token


@pytest.fixture
def school(make_user, make_bank, make_blueprint, make_class):
    make_bank("demo", n_questions=6)
    make_blueprint("demo-test", "demo", 3)
    teacher = make_user("instructor", display_name="Ms Teacher")
    student = make_user(display_name="Sam Student")
    idle = make_user(display_name="Ida Idle")
    first = make_class(teacher, (student, idle), name="MA 101")
    second = make_class(teacher, (), name="MA 102")
    return teacher, student, idle, first, second


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _form(class_ids, **overrides):
    now = datetime.now(UTC)
    return {
        "test": "demo-test",
        "classes": [str(c) for c in class_ids],
        "opens_at": _local(now - timedelta(hours=1)),
        "due_at": _local(now + timedelta(days=2)),
        "max_attempts": "2",
        "mode": "tutor",
        "accept_late": "y",
    } | overrides


def test_an_instructor_assigns_a_test_to_two_classes(app, client, auth, school):
    teacher, _, _, first, second = school
    app.config["TIMEZONE"] = "America/Chicago"
    auth.login(teacher)
    page = client.get(f"/assignments/new?class={first}&test=demo-test").get_data(as_text=True)
    assert "Times are in the America/Chicago time zone" in page
    assert re.search(rf'value="{first}"[^>]*checked|checked[^>]*value="{first}"', page)
    due_local = (datetime.now(UTC) + timedelta(days=3)).replace(hour=23, minute=59)
    response = client.post(
        "/assignments/new", data=_form([first, second], due_at=_local(due_local))
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/classes/{first}#assignments"
    with app.app_context():
        rows = db.session.scalars(sa.select(Assignment).order_by(Assignment.class_id)).all()
        assert [a.class_id for a in rows] == [first, second]
        assert {(a.mode, a.max_attempts, a.accept_late) for a in rows} == {("tutor", 2, True)}
        # 23:59 in Chicago is 05:59 or 04:59 UTC the next day (standard or daylight time).
        assert rows[0].due_at.hour in (4, 5) and rows[0].due_at.minute == 59
    page = client.get(f"/classes/{first}").get_data(as_text=True)
    section = page.split('id="assignments"', 1)[1].split("</section>", 1)[0]
    assert "Demo test" in section and "Tutor mode · 2 attempts" in section
    assert "0 of 2" in section and "Assign a test to this class" in section
    # The opening time was typed as Chicago time (UTC minus 5 or 6 hours): still ahead.
    assert "opens " in section


def test_a_bad_form_keeps_what_was_typed_and_says_why(app, client, auth, school):
    teacher, _, _, first, _ = school
    auth.login(teacher)
    now = datetime.now(UTC)
    response = client.post(
        "/assignments/new",
        data=_form([first], opens_at=_local(now + timedelta(days=2)), due_at=_local(now)),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The due time must come after the opening time." in page
    assert _local(now) in page  # the fields keep their values
    response = client.post("/assignments/new", data=_form([], max_attempts="99"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose at least one class." in page and "Between 1 and 10." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_an_instructor_cannot_assign_to_another_instructors_class(
    app, client, auth, make_user, make_class, school
):
    _, _, _, first, _ = school
    other = make_user("instructor")
    make_class(other, name="Their own class")
    auth.login(other)
    response = client.post("/assignments/new", data=_form([first]))
    assert response.status_code == 400
    assert "Choose among your own classes." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_without_a_class_the_page_says_to_create_one(client, auth, make_user):
    auth.login(make_user("instructor"))
    page = client.get("/assignments/new").get_data(as_text=True)
    assert "You have no class yet" in page and 'href="/classes"' in page


def test_after_leaving_the_class_the_results_no_longer_say_the_instructor_sees_them(
    app, client, auth, school
):
    _, _, _, first, _ = school
    _, attempt_id = _assigned_and_submitted(app, client, auth, school, mode="exam")
    assert client.post(f"/classes/{first}/leave").status_code == 302
    page = client.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    assert "Assigned in MA 101" in page and "Your instructor sees this result" not in page
    assert "You have left this class: its instructor no longer sees this result." in page


def test_a_retired_test_cannot_be_started_through_its_assignment(app, client, auth, school):
    teacher, student, _, first, _ = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first], mode="exam", max_attempts="2"))
    assignment_id = _assignment_id(app)
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assignment.blueprint.retired_at = datetime.now(UTC)
        db.session.commit()
    auth.logout()
    auth.login(student)
    response = client.post(f"/assignments/{assignment_id}/start", data={"mode": "exam"})
    assert response.headers["Location"] == "/"
    assert "Demo test is no longer offered" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def _assignment_id(app):
    with app.app_context():
        return db.session.scalar(sa.select(Assignment.id))


def _assigned_and_submitted(app, client, auth, school, *, mode: str) -> tuple[int, int]:
    """The teacher assigns the test to the first class in `mode` (one attempt); the student,
    left signed in, starts and submits it. Returns (assignment id, attempt id)."""
    teacher, student, _, first, _ = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first], mode=mode, max_attempts="1"))
    assignment_id = _assignment_id(app)
    auth.logout()
    auth.login(student)
    client.post(f"/assignments/{assignment_id}/start", data={"mode": mode})
    with app.app_context():
        attempt_id = db.session.scalar(sa.select(Attempt.id))
    client.post(f"/attempts/{attempt_id}/submit")
    return assignment_id, attempt_id


def test_a_student_sees_starts_and_finishes_an_assignment(app, client, auth, school):
    teacher, student, _, first, _ = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first], mode="exam", max_attempts="1"))
    assignment_id = _assignment_id(app)
    auth.logout()
    auth.login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Assigned to you" in page and "Demo test" in page and "MA 101" in page
    assert "Due " in page and "0 of 1 attempt used" in page and "Not started" in page
    # A tampered mode is refused with a message, and nothing starts.
    response = client.post(f"/assignments/{assignment_id}/start", data={"mode": "tutor"})
    assert response.headers["Location"] == "/"
    assert "set Demo test in exam mode" in client.get("/").get_data(as_text=True)
    response = client.post(f"/assignments/{assignment_id}/start", data={"mode": "exam"})
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert (attempt.assignment_id, attempt.mode) == (assignment_id, "exam")
    assert response.headers["Location"] == f"/attempts/{attempt.id}"
    client.post(f"/attempts/{attempt.id}/submit")
    page = client.get(f"/attempts/{attempt.id}/results").get_data(as_text=True)
    assert "Assigned in MA 101, due" in page and "submitted on time" in page
    assert "(attempt 1 of 1)" in page and "Your instructor sees this result." in page
    page = client.get("/").get_data(as_text=True)
    assert "Done" in page and "1 of 1 attempt used" in page and "best score 0%" in page
    response = client.post(f"/assignments/{assignment_id}/start", data={"mode": "exam"})
    assert "You have used all 1 of your attempts" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(teacher)
    page = client.get(f"/classes/{first}/assignments/{assignment_id}").get_data(as_text=True)
    assert "<strong>1</strong> of 2 students done" in page and "(1 on time, 0 late)" in page
    sam = page.split("Sam Student", 1)[1].split("</tr>", 1)[0]
    assert "Done" in sam and "1 of 1" in sam and "0%" in sam
    ida = page.split("Ida Idle", 1)[1].split("</tr>", 1)[0]
    assert "Not started" in ida and "0 of 1" in ida


def test_an_instructors_assigned_test_starts_only_through_its_assignment(app, client, auth, school):
    teacher, student, _, first, _ = school
    with app.app_context():  # the teacher's own test (the fixture's is a shipped one)
        db.session.execute(sa.update(Blueprint).values(owner_id=teacher.id))
        db.session.commit()
        _, secret = create_token(
            db.session.get(User, student.id), "phone", ["read", "take-tests"], now=datetime.now(UTC)
        )
        db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    auth.login(student)
    assert "Demo test" in client.get("/practice").get_data(as_text=True)
    auth.logout()
    auth.login(teacher)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    client.post(
        "/assignments/new",
        data=_form(
            [first],
            mode="exam",
            opens_at=_local(tomorrow),
            due_at=_local(tomorrow + timedelta(days=2)),
        ),
    )
    assignment_id = _assignment_id(app)
    # Its author can still try it.
    assert client.post("/practice/demo-test/start", data={"mode": "tutor"}).status_code == 302
    auth.logout()
    auth.login(student)
    # Not in tutor mode to read the keys first, nor in any other way around the assignment.
    assert "Demo test" not in client.get("/practice").get_data(as_text=True)
    assert client.post("/practice/demo-test/start", data={"mode": "tutor"}).status_code == 404
    assert client.post("/practice/demo-test/adaptive").status_code == 404
    assert client.get("/blueprints/demo-test").status_code == 404
    auth.logout()
    tests = client.get("/api/v1/tests", headers=bearer).get_json()
    assert "demo-test" not in str(tests)
    response = client.post(
        "/api/v1/attempts", json={"test": "demo-test", "mode": "tutor"}, headers=bearer
    )
    assert response.status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Attempt.id)).where(Attempt.user_id == student.id)
            )
            == 0
        )
    auth.login(student)  # only through the assignment, once it opens
    client.post(f"/assignments/{assignment_id}/start", data={"mode": "exam"})
    assert "opens" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1  # the teacher's


def test_others_cannot_start_or_see_an_assignment(app, client, auth, make_user, school):
    teacher, _, _, first, second = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first]))
    assignment_id = _assignment_id(app)
    auth.logout()
    auth.login(make_user())
    assert client.post(f"/assignments/{assignment_id}/start").status_code == 404
    auth.logout()
    auth.login(make_user("instructor"))
    assert client.get(f"/classes/{first}/assignments/{assignment_id}").status_code == 404
    auth.logout()
    auth.login(teacher)  # the right teacher, but the assignment is not of that class
    assert client.get(f"/classes/{second}/assignments/{assignment_id}").status_code == 404


def test_withdrawing_keeps_the_attempts(app, client, auth, school):
    teacher, student, _, first, _ = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first]))
    assignment_id = _assignment_id(app)
    auth.logout()
    auth.login(student)
    client.post(f"/assignments/{assignment_id}/start", data={"mode": "tutor"})
    auth.logout()
    auth.login(teacher)
    url = f"/classes/{first}/assignments/{assignment_id}/withdraw"
    assert "Withdraw the assignment" in client.get(url).get_data(as_text=True)
    response = client.post(url)
    assert response.headers["Location"] == f"/classes/{first}#assignments"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0
        assert db.session.scalar(sa.select(Attempt.assignment_id)) is None


def test_the_dates_can_be_changed_and_a_closed_assignment_reopened(app, client, auth, school):
    teacher, student, _, first, _ = school
    auth.login(teacher)
    client.post("/assignments/new", data=_form([first], accept_late=""))
    assignment_id = _assignment_id(app)
    now = datetime.now(UTC)
    with app.app_context():  # it was due an hour ago, without late work
        assignment = db.session.get(Assignment, assignment_id)
        assignment.opens_at, assignment.due_at = now - timedelta(days=2), now - timedelta(hours=1)
        db.session.commit()
    url = f"/classes/{first}/assignments/{assignment_id}/schedule"
    page = client.get(url).get_data(as_text=True)
    assert _local(now - timedelta(hours=1)) in page and "Change the dates of Demo test" in page
    response = client.post(
        url,
        data={
            "opens_at": _local(now - timedelta(days=2)),
            "due_at": _local(now - timedelta(days=3)),
            "max_attempts": "2",
        },
    )
    assert response.status_code == 400
    assert "The due time must come after the opening time." in response.get_data(as_text=True)
    auth.logout()
    auth.login(student)
    client.post(f"/assignments/{assignment_id}/start", data={"mode": "tutor"})
    assert "does not accept late work" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(teacher)
    new_due = now + timedelta(days=1)
    response = client.post(
        url,
        data={
            "opens_at": _local(now - timedelta(days=2)),
            "due_at": _local(new_due),
            "max_attempts": "3",
        },
    )
    assert response.headers["Location"] == f"/classes/{first}/assignments/{assignment_id}"
    assert "Saved: Demo test is now due" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert (assignment.max_attempts, assignment.accept_late) == (3, False)
        assert assignment.due_at == new_due.replace(second=0, microsecond=0)
    auth.logout()
    auth.login(student)
    response = client.post(f"/assignments/{assignment_id}/start", data={"mode": "tutor"})
    assert response.headers["Location"].startswith("/attempts/")


def test_the_report_downloads_as_csv(app, client, auth, school):
    teacher, _, _, first, _ = school
    assignment_id, _ = _assigned_and_submitted(app, client, auth, school, mode="tutor")
    auth.logout()
    auth.login(teacher)
    response = client.get(f"/classes/{first}/assignments/{assignment_id}.csv")
    assert response.mimetype == "text/csv"
    header, *lines = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
    assert header == [
        "student",
        "email",
        "status",
        "attempts used",
        "best %",
        "best finished",
        "late",
    ]
    rows = {line[0]: line for line in lines}
    assert rows["Sam Student"][2:5] == ["done", "1", "0.0"] and rows["Sam Student"][6] == "no"
    assert rows["Ida Idle"][2:] == ["not started", "0", "", "", ""]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_an_unknown_time_zone_stops_the_app_at_start(zone):
    class BadZone(TestingConfig):
        TIMEZONE = zone

    with pytest.raises(ConfigError, match="is not a time zone name"):
        BadZone.validate()
    TestingConfig.validate()  # UTC, the default, is fine


def test_an_instructors_only_class_is_ticked_already(client, auth, make_user, make_class):
    teacher = make_user("instructor")
    only = make_class(teacher, name="The only class")
    auth.login(teacher)
    page = client.get("/assignments/new").get_data(as_text=True)
    assert re.search(rf'checked[^>]*value="{only}"', page)
