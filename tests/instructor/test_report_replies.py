"""The report queue answers back: who reported (owner only), the version they saw, the
owner's note reaching the student's home page."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks import manage
from quizapp.banks.loader import BlueprintSection, parse_bank
from quizapp.banks.models import Bank, Question
from quizapp.banks.services import create_blueprint, sync_bank
from quizapp.exams.models import Attempt, Mode, QuestionReport
from quizapp.exams.services import start_blueprint_attempt
from quizapp.extensions import db
from tests.exams.conftest import MIXED_BANK

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def reported(app, client, auth, make_user):
    """A bank of the teacher's, and a student's report on the first question of their test."""
    teacher = make_user("instructor", display_name="Ms Teacher")
    student = make_user(display_name="Rita Reporter")
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=NOW, owner_id=teacher.id)
        blueprint = create_blueprint(
            db.session.get(User, teacher.id),
            title="Mixed quiz",
            description="",
            time_limit_minutes=10,
            passing_percent=70,
            sections=[BlueprintSection("mixed", None, 6)],
        )
        attempt = start_blueprint_attempt(
            db.session.get(User, student.id),
            blueprint,
            mode=Mode.TUTOR,
            accommodation=STANDARD,
            now=NOW,
            seed=3,
        )
        db.session.commit()
        attempt_id = attempt.id
    auth.login(student)
    response = client.post(
        f"/attempts/{attempt_id}/1/report", data={"message": "Two options look right to me."}
    )
    assert response.status_code == 302
    auth.logout()
    with app.app_context():
        report = db.session.scalar(sa.select(QuestionReport))
        question = db.session.scalar(
            sa.select(Question).where(Question.current_version_id == report.version_id)
        )
        return teacher, student, report.id, question.external_id, question.current_version.stem


def test_the_owner_sees_who_reported_and_what_they_saw(app, client, auth, reported):
    teacher, _, report_id, external_id, stem = reported
    with app.app_context():
        bank = db.session.scalar(sa.select(Bank))
        question = db.session.scalar(sa.select(Question).where(Question.external_id == external_id))
        source = manage.editable_source(question)
        manage.edit_question(bank, question, source.replace(stem, "Edited stem?"))
        db.session.commit()
    auth.login(teacher)
    page = client.get("/").get_data(as_text=True)
    assert "1 report waiting" in page and 'href="/reports"' in page
    page = client.get("/reports").get_data(as_text=True)
    assert "Rita Reporter" in page and "Two options look right to me." in page
    assert stem in page and "Edited stem?" not in page  # the version the student saw
    assert "version 1; it has been edited since" in page
    assert "no exam-mode answers yet" in page and f'id="report-{report_id}"' in page


def test_an_admin_sees_the_report_but_not_who_made_it(app, client, auth, make_user, reported):
    auth.login(make_user("admin"))
    page = client.get("/reports").get_data(as_text=True)
    assert "Two options look right to me." in page
    assert "Rita Reporter" not in page and "only the bank's owner sees who" in page


def test_the_reply_reaches_the_student_until_marked_read(app, client, auth, reported):
    teacher, student, report_id, _, stem = reported
    auth.login(teacher)
    response = client.post(
        f"/reports/{report_id}/resolve",
        data={"outcome": "fixed", "reply": "Thanks, Rita: option C is now worded clearly."},
    )
    assert response.headers["Location"] == f"/reports#report-{report_id}"
    page = client.get("/reports").get_data(as_text=True)
    assert "Report closed as fixed. The student sees your note" in page
    assert "No open reports" in page
    assert "(read by the student)" not in client.get("/reports?all=1").get_data(as_text=True)
    auth.logout()
    auth.login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Replies to your reports" in page and "Fixed:" in page
    assert "Thanks, Rita: option C is now worded clearly." in page and stem[:30] in page
    response = client.post(f"/reports/{report_id}/read")
    assert response.headers["Location"] == "/"
    assert "Replies to your reports" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(teacher)
    assert "(read by the student)" in client.get("/reports?all=1").get_data(as_text=True)


def test_a_dismissal_without_a_note_still_tells_the_student(app, client, auth, reported):
    teacher, student, report_id, _, _ = reported
    auth.login(teacher)
    client.post(f"/reports/{report_id}/resolve", data={"outcome": "dismissed", "reply": ""})
    auth.logout()
    auth.login(student)
    page = client.get("/").get_data(as_text=True)
    assert "Dismissed:" in page


def test_bad_replies_are_refused_with_a_message(app, client, auth, make_user, reported):
    teacher, _, report_id, _, _ = reported
    auth.login(teacher)
    response = client.post(
        f"/reports/{report_id}/resolve", data={"outcome": "deleted", "reply": "x" * 2001}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The report was not closed" in page
    with app.app_context():
        assert db.session.get(QuestionReport, report_id).resolved_at is None
    auth.logout()
    auth.login(make_user("instructor"))  # not the bank's owner
    assert (
        client.post(f"/reports/{report_id}/resolve", data={"outcome": "fixed"}).status_code == 404
    )


def test_only_the_reporter_can_mark_a_reply_read(app, client, auth, make_user, reported):
    _, _, report_id, _, _ = reported
    with app.app_context():
        manage.resolve_report(db.session.get(QuestionReport, report_id), now=NOW, reply="Done")
        db.session.commit()
    auth.login(make_user())
    assert client.post(f"/reports/{report_id}/read").status_code == 404
    with app.app_context():
        assert db.session.get(QuestionReport, report_id).reply_read_at is None
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1
