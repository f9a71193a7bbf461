"""The review pages through the test client (no JavaScript): today's review on the home page,
a review session, settings, the exam-date plan, leeches and word-part flashcards."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from quizapp.banks.models import QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history.models import StudentTotal
from quizapp.review.models import ReviewCard, WordPartCard
from quizapp.review.services import end_of_day
from tests.review.conftest import answer, question_id

pytestmark = pytest.mark.usefixtures("bank")

WORD_PARTS = """format: 1
word_parts:
  - {part: brady-, meanings: [slow], example: bradycardia}
  - {part: cardi, meanings: [heart], example: cardiology}
"""


def _yesterday() -> datetime:
    return datetime.now(UTC) - timedelta(days=1)


def _answer_yesterday(app, student, *, wrong: list[str], right: list[str]) -> None:
    with app.app_context():
        when = _yesterday()
        answer(student.id, [question_id(q) for q in wrong], right=False, now=when)
        answer(student.id, [question_id(q) for q in right], right=True, now=when)


def test_yesterdays_answers_wait_on_the_home_page_and_in_a_review_session(
    app, client, auth, student
):
    _answer_yesterday(app, student, wrong=["q1", "q2", "q3"], right=["q4", "q5"])
    auth.login(student)
    home = client.get("/").get_data(as_text=True)
    assert "<strong>3</strong> questions due today" in home and "5 this week" in home
    page = client.get("/review/").get_data(as_text=True)
    assert "Demo question number 1?" in page and "Demo question number 4?" not in page

    client.post("/review/settings", data={"daily_goal": "5", "desired_retention": "0.9"})
    response = client.post("/review/start")
    attempt_id = int(response.headers["Location"].split("/")[2])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.mode == "tutor" and attempt.settings["kind"] == "review"
        drawn = set(
            db.session.scalars(
                sa.select(AttemptQuestion.question_id).where(
                    AttemptQuestion.attempt_id == attempt_id
                )
            )
        )
        # The 3 due, then new questions (never q4, q5: met, not due) up to the goal of 5.
        assert len(drawn) == 5 and {question_id(q) for q in ("q1", "q2", "q3")} <= drawn
        assert not drawn & {question_id("q4"), question_id("q5")}

    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():  # graded and recorded like any tutor attempt
        assert db.session.get(Attempt, attempt_id).status == "finished"
        assert db.session.get(StudentTotal, student.id).finished_attempts == 1


@pytest.mark.parametrize("zone", ["America/Chicago", "Asia/Tokyo"])
def test_due_today_on_the_pages_ends_at_the_sites_midnight(app, client, auth, student, zone):
    """A card due between UTC's next midnight and the site's is due today in one and not in
    the other; the pages follow the site's TIMEZONE."""
    app.config["TIMEZONE"] = zone
    now = datetime.now(UTC)
    utc_midnight = end_of_day(now, UTC)
    site_midnight = end_of_day(now, ZoneInfo(zone))
    with app.app_context():
        answer(student.id, [question_id("q1")], right=False, now=now - timedelta(days=1))
        db.session.get(ReviewCard, (student.id, question_id("q1"))).due = (
            utc_midnight + (site_midnight - utc_midnight) / 2
        )
        db.session.commit()
    auth.login(student)
    due_here = site_midnight > utc_midnight
    home = client.get("/").get_data(as_text=True)
    page = client.get("/review/").get_data(as_text=True)
    if due_here:
        assert "<strong>1</strong> question due today" in home
        assert "<strong>1</strong> question due today" in page
    else:
        assert "Nothing due today" in home and "Nothing is due today" in page


def test_the_daily_goal_caps_new_questions(app, client, auth, student):
    auth.login(student)
    client.post("/review/settings", data={"daily_goal": "4", "desired_retention": "0.9"})
    response = client.post("/review/start")
    attempt_id = int(response.headers["Location"].split("/")[2])
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).question_count == 4


def test_starting_again_continues_the_open_session_instead_of_copying_it(
    app, client, auth, student
):
    auth.login(student)
    client.post("/review/settings", data={"daily_goal": "4", "desired_retention": "0.9"})
    first = client.post("/review/start").headers["Location"]
    attempt_id = int(first.split("/")[2])
    again = client.post("/review/start")  # another visit to the review page, another tab
    assert again.headers["Location"] == f"/attempts/{attempt_id}"
    client.post(f"/attempts/{attempt_id}/submit")
    after = int(client.post("/review/start").headers["Location"].split("/")[2])
    assert after != attempt_id
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 2


def test_bad_settings_are_explained_and_kept(client, auth, student):
    auth.login(student)
    response = client.post(
        "/review/settings",
        data={"daily_goal": "0", "desired_retention": "1.5", "exam_date": "someday"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Number must be between 1 and 500" in page and 'value="1.5"' in page
    assert "Not a valid date value" in page


def test_the_exam_plan_shows_days_left_and_can_be_switched_off(app, client, auth, student):
    _answer_yesterday(app, student, wrong=["q1"], right=["q2"])
    auth.login(student)
    exam = date.today() + timedelta(days=2)
    settings = {"daily_goal": "4", "desired_retention": "0.9", "exam_date": exam.isoformat()}
    client.post("/review/settings", data={**settings, "show_plan": "y"})
    home = client.get("/").get_data(as_text=True)
    assert "2 days left" in home
    # 10 of the 12 questions unmet at 4 a day take 3 days: more than the 2 left.
    assert "Behind: at 4 questions a day, the 10 questions you have not met yet" in home
    assert "take about 3 days, more than the days left" in home
    assert "Topic A1: 2 of 6 questions met" in home
    client.post("/review/settings", data=settings)  # show_plan unticked
    assert "days left" not in client.get("/").get_data(as_text=True)


def test_a_leech_appears_after_the_fourth_miss(app, client, auth, student, make_user, make_class):
    teacher = make_user("instructor")
    class_id = make_class(teacher, students=(student,))
    with app.app_context():
        qid = question_id("q1")
        start = _yesterday() - timedelta(days=10)
        for miss in range(4):
            answer(student.id, [qid], right=False, now=start + timedelta(days=2 * miss))
            if miss == 2:
                three_misses = db.session.get(ReviewCard, (student.id, qid)).misses
    assert three_misses == 3
    with app.app_context():  # formatted texts keep their formatting
        db.session.execute(
            sa.update(QuestionVersion).values(rationale=QuestionVersion.rationale + " <em>x</em>")
        )
        db.session.commit()
    auth.login(student)
    page = client.get("/review/leeches").get_data(as_text=True)
    assert "Demo question number 1?" in page and "Right 1 is right" in page
    assert "<em>x</em>" in page and "&lt;em&gt;" not in page
    assert "missed 4 times" in page
    response = client.post("/review/leeches/drill")
    assert "/attempts/" in response.headers["Location"]
    auth.logout()
    auth.login(teacher)
    page = client.get(f"/review/classes/{class_id}/leeches").get_data(as_text=True)
    assert "Demo question number 1?" in page
    other = make_user("instructor")
    auth.logout()
    auth.login(other)
    assert client.get(f"/review/classes/{class_id}/leeches").status_code == 404


def test_word_part_flashcards_both_ways_without_javascript(
    app, client, auth, student, runner, tmp_path
):
    path = tmp_path / "parts.yaml"
    path.write_text(WORD_PARTS)
    loaded = runner.invoke(args=["review", "load-word-parts", str(path)])
    assert "2 added or changed" in loaded.output
    auth.login(student)
    page = client.get("/review/word-parts").get_data(as_text=True)
    assert 'What does the prefix <strong class="fs-4">brady-</strong> mean?' in page
    assert "slow" not in page  # no answer before it is graded

    def post(part_id, direction, typed):
        return client.post(
            "/review/word-parts",
            data={"word_part_id": part_id, "direction": direction, "answer": typed},
            follow_redirects=True,
        ).get_data(as_text=True)

    page = post(1, "meaning", "  SLOW ")
    assert "Right: brady- means slow (as in bradycardia)." in page
    assert 'What does the combining form <strong class="fs-4">cardi/o</strong> mean?' in page
    page = post(2, "meaning", "lung")
    assert "Not quite (you typed “lung”): cardi/o means heart" in page
    assert 'Which prefix means <strong class="fs-4">slow</strong>?' in page
    page = post(1, "part", "brady")
    assert "Right" in page
    response = client.post(
        "/review/word-parts", data={"word_part_id": 2, "direction": "part", "answer": ""}
    )
    assert response.status_code == 400 and "Type an answer." in response.get_data(as_text=True)
    with app.app_context():
        missed = db.session.get(WordPartCard, (student.id, 2, "meaning"))
        assert missed.misses == 1
        assert missed.due - missed.last_review <= timedelta(days=1)
