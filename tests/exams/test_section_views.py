"""Sectioned tests, the time-up results page and the submit confirmation, through the views
as a browser without JavaScript uses them (plain links and form posts)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.exams.services import finish_attempt
from quizapp.extensions import db
from tests.exams.conftest import START, correct_form, slots

pytestmark = pytest.mark.usefixtures("sectioned")

#: The deadline of the mixed test (10 minutes) started at START.
DEADLINE = START + timedelta(minutes=10)
TIME_IS_UP = "Time is up — your test was graded with the answers you saved"


def _answer(client, app, attempt_id, position, action="next"):
    with app.app_context():
        slot = slots(attempt_id)[position - 1]
        data = correct_form(slot)  # a MultiDict: a question may take several values
        data["revision"], data["action"] = str(slot.revision), action
    return client.post(f"/attempts/{attempt_id}/{position}", data=data)


def _attempt(app, attempt_id) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_student_takes_all_four_sections_without_javascript(client, app, student):
    response = client.post("/practice/sectioned-test/start", data={"mode": "exam"})
    attempt_id = int(response.headers["Location"].split("/")[2])
    base = f"/attempts/{attempt_id}"
    assert response.headers["Location"] == f"{base}/1"
    sections = [("Part 1", [1, 2]), ("Part 2", [3, 4]), ("Part 3", [5]), ("Part 4", [6])]
    for number, (title, positions) in enumerate(sections, start=1):
        page = _text(client.get(f"{base}/{positions[0]}"))
        assert f"{title} (section {number} of 4)" in page
        # The navigator holds this section's questions only.
        cells = re.findall(r'value="goto-(\d+)"', page)
        assert [int(n) for n in cells] == positions
        for position in positions:
            response = _answer(client, app, attempt_id, position)
        assert response.headers["Location"] == f"{base}/review"  # the section's end
        review = _text(client.get(f"{base}/review"))
        assert f"Review {title}" in review and "You answered every question." in review
        response = client.post(f"{base}/submit", data={"section": str(number)})
        if number == 4:
            assert response.headers["Location"] == f"{base}/results"
            break
        assert response.headers["Location"] == f"{base}/break"
        # A second click on the same submit ends nothing more.
        assert (
            client.post(f"{base}/submit", data={"section": str(number)}).headers["Location"]
            == f"{base}/break"
        )
        # On the break every question waits, the finished ones for good.
        assert client.get(f"{base}/{positions[0]}").headers["Location"] == f"{base}/break"
        assert client.get(f"{base}/review").headers["Location"] == f"{base}/break"
        break_page = _text(client.get(f"{base}/break"))
        assert f"Section {number + 1} of 4 starts when you are ready" in break_page
        assert "you have 2 minutes" in break_page
        response = client.post(f"{base}/break")
        assert response.headers["Location"] == f"{base}/{positions[-1] + 1}"
        # Going back to a finished section is refused with a message.
        response = client.get(f"{base}/{positions[0]}")
        assert response.headers["Location"] == f"{base}/{positions[-1] + 1}"
        assert "in a finished section, which is locked" in _text(client.get(response.location))
    attempt = _attempt(app, attempt_id)
    assert attempt.status == "finished" and attempt.percent == 100
    assert "Sectioned test: results" in _text(client.get(f"{base}/results"))


def test_saves_to_a_locked_section_are_refused(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "sectioned-test")
    base = f"/attempts/{attempt_id}"
    client.post(f"{base}/submit", data={"section": "1"})
    client.post(f"{base}/break")
    response = _answer(client, app, attempt_id, 1, action="save")
    assert response.headers["Location"] == f"{base}/3"
    assert "section is closed" in _text(client.get(response.location))
    with app.app_context():
        slot = slots(attempt_id)[0]
        data = {**correct_form(slot), "revision": "0"}
    response = client.post(f"{base}/1/autosave", data=data)
    assert response.status_code == 409
    assert response.json["saved"] is False and "section is closed" in response.json["message"]
    # A later section is closed too, and so are flags.
    assert _answer(client, app, attempt_id, 5, action="flag").headers["Location"] == f"{base}/3"
    with app.app_context():
        assert [(s.revision, s.flagged) for s in slots(attempt_id)] == [(0, False)] * 6


def test_a_sections_time_up_leads_to_the_break(client, app, student, start_attempt):
    attempt_id = start_attempt(
        student, "sectioned-test", now=datetime.now(UTC) - timedelta(minutes=2, seconds=1)
    )
    base = f"/attempts/{attempt_id}"
    assert "Part 1 · 0 min left" in " ".join(_text(client.get("/practice")).split())
    response = client.get(f"{base}/1")
    assert response.headers["Location"] == f"{base}/break"
    page = _text(client.get(response.location))
    assert "Time is up for Part 1. Its answers are saved and locked." in page
    assert "Section 2 of 4 starts when you are ready" in page
    assert "break before Part 2" in " ".join(_text(client.get("/practice")).split())
    assert client.get(f"{base}").headers["Location"] == f"{base}/break"  # resume
    assert _attempt(app, attempt_id).is_open


def test_another_students_break_is_404(app, client, make_user, start_attempt, student):
    victim_attempt = start_attempt(make_user(), "sectioned-test")
    base = f"/attempts/{victim_attempt}"
    assert client.post(f"{base}/submit", data={"section": "1"}).status_code == 404
    assert client.get(f"{base}/break").status_code == 404
    assert client.post(f"{base}/break").status_code == 404
    assert client.get(f"{base}/submit").status_code == 404
    assert _attempt(app, victim_attempt).section_number == 1


# --- time is up ----------------------------------------------------------------------------


@pytest.mark.parametrize("late", [timedelta(seconds=1), timedelta(minutes=20)])
def test_time_up_lands_on_results_never_on_the_review(client, app, student, start_attempt, late):
    """Even within the grace for answers in flight, the page the timer leads to (the review)
    grades the attempt: there is nothing left to go back to."""
    attempt_id = start_attempt(
        student, "mixed-test", now=datetime.now(UTC) - timedelta(minutes=10) - late
    )
    response = client.get(f"/attempts/{attempt_id}/review")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    page = _text(client.get(response.location))
    assert "Time is up — your test was graded with the answers you saved" in page
    assert "Go back to the questions" not in page
    assert _attempt(app, attempt_id).finish_reason == "expired"


def test_the_timers_last_form_post_is_saved_then_graded(client, app, student, start_attempt):
    attempt_id = start_attempt(
        student, "mixed-test", now=datetime.now(UTC) - timedelta(minutes=10, seconds=2)
    )
    response = _answer(client, app, attempt_id, 1, action="review")  # within the grace
    assert response.headers["Location"] == f"/attempts/{attempt_id}/review"
    response = client.get(response.location)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    assert _attempt(app, attempt_id).score_points == 1


@pytest.mark.parametrize("offset", [timedelta(seconds=-1), timedelta(seconds=2)])
def test_the_countdowns_post_at_zero_saves_the_answer_and_lands_on_results(
    client, app, student, start_attempt, clock, offset
):
    """The countdown counts from the whole seconds its page was given, so its zero comes up to
    a second or so before the server's deadline; its post may also arrive within the grace
    after it. Either way the answer on screen is saved and graded, and the student is on the
    results: no review page with nothing left to do."""
    attempt_id = start_attempt(student, "mixed-test", now=START)
    clock.now = DEADLINE + offset
    response = _answer(client, app, attempt_id, 1, action="time-up")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    page = _text(client.get(response.location))
    assert TIME_IS_UP in page and "Go back to the questions" not in page
    attempt = _attempt(app, attempt_id)
    assert attempt.finish_reason == "expired" and attempt.score_points == 1
    assert attempt.finished_at.replace(tzinfo=UTC) == min(clock.now, DEADLINE)


@pytest.mark.parametrize("problem", ["tampered", "stale"])
def test_time_up_reaches_results_when_the_last_answer_cannot_be_saved(
    client, app, student, start_attempt, clock, problem
):
    """A form the page could not have sent (refused as invalid) or one another tab saved over
    (a stale revision) is not saved; the time is up all the same and the saved answers are
    graded. (An unfinished order is saved as it stands: see test_unfinished_answers.)"""
    attempt_id = start_attempt(student, "mixed-test", now=START)
    with app.app_context():
        choice = next(s for s in slots(attempt_id) if s.version.type == "single_best")
        position, form = choice.position, correct_form(choice)
        other = next(s.position for s in slots(attempt_id) if s.position != position)
    clock.now = DEADLINE - timedelta(minutes=5)
    _answer(client, app, attempt_id, other)
    if problem == "stale":
        _answer(client, app, attempt_id, position, action="save")  # in another tab
        saved_points = 2
    else:
        form = MultiDict({"answer": "not-a-token-of-this-question"})
        saved_points = 1
    form["revision"], form["action"] = "0", "time-up"
    clock.now = DEADLINE - timedelta(seconds=1)
    response = client.post(f"/attempts/{attempt_id}/{position}", data=form)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    page = _text(client.get(response.location))
    assert TIME_IS_UP in page
    assert f"Your last answer, to question {position}, could not be saved" in page
    attempt = _attempt(app, attempt_id)
    assert attempt.finish_reason == "expired" and attempt.score_points == saved_points


def test_the_countdowns_post_at_zero_in_a_section_leads_to_the_break(
    client, app, student, start_attempt, clock
):
    attempt_id = start_attempt(student, "sectioned-test", now=START)
    clock.now = START + timedelta(minutes=2, seconds=-1)
    response = _answer(client, app, attempt_id, 1, action="time-up")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/break"
    page = _text(client.get(response.location))
    assert "Time is up for Part 1. Its answers are saved and locked." in page
    with app.app_context():
        assert slots(attempt_id)[0].revision == 1


def test_a_countdown_far_ahead_of_the_servers_clock_ends_nothing(
    client, app, student, start_attempt, clock
):
    """The server owns the deadline: a time-up post with a minute left saves the answer and
    goes back to the question, whose page counts down again from the server's time."""
    attempt_id = start_attempt(student, "mixed-test", now=START)
    clock.now = DEADLINE - timedelta(minutes=1)
    response = _answer(client, app, attempt_id, 1, action="time-up")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/1"
    assert _attempt(app, attempt_id).is_open
    page = _text(client.get(response.location))
    assert 'data-seconds-left="60"' in page


@pytest.mark.parametrize("page", ["review", "submit"])
def test_the_review_as_time_runs_out_goes_to_results(
    client, app, student, start_attempt, clock, page
):
    """The form posted as time runs out (or "Review and submit" in the last second) leads to
    the review; asked for within a moment of the deadline, it is the results."""
    attempt_id = start_attempt(student, "mixed-test", now=START)
    clock.now = DEADLINE - timedelta(seconds=2)
    response = _answer(client, app, attempt_id, 1, action="review")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/review"
    clock.now = DEADLINE - timedelta(seconds=1)
    response = client.get(f"/attempts/{attempt_id}/{page}")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    assert TIME_IS_UP in _text(client.get(response.location))
    attempt = _attempt(app, attempt_id)
    assert attempt.finish_reason == "expired" and attempt.score_points == 1


def test_the_review_counts_down_to_the_results(client, student, start_attempt, clock):
    """With time left the review is shown, with a countdown that asks for it again at zero."""
    attempt_id = start_attempt(student, "mixed-test", now=START)
    clock.now = DEADLINE - timedelta(seconds=30)
    page = _text(client.get(f"/attempts/{attempt_id}/review"))
    assert "Review before you submit" in page
    assert 'data-seconds-left="30"' in page
    assert f'data-time-up-url="/attempts/{attempt_id}/review"' in page


# --- submit confirmation -----------------------------------------------------------------


def test_submit_with_unanswered_or_flagged_asks_first(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    base = f"/attempts/{attempt_id}"
    _answer(client, app, attempt_id, 2, action="flag")
    review = _text(client.get(f"{base}/review"))
    # Without JavaScript the submit is a link to the confirmation; the dialog repeats it.
    assert f'href="{base}/submit" data-confirm-dialog="submit-dialog"' in review
    assert '<dialog id="submit-dialog"' in review
    page = _text(client.get(f"{base}/submit"))
    assert "5 questions not answered" in page and "1 question flagged for review" in page
    assert "You cannot change answers after submitting" in page
    assert f'href="{base}/1"' in page  # links back to the questions
    assert _attempt(app, attempt_id).is_open  # asking changed nothing
    assert client.post(f"{base}/submit").headers["Location"] == f"{base}/results"


def test_submit_with_everything_answered_posts_at_once(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test")
    for position in range(1, 7):
        _answer(client, app, attempt_id, position)
    review = _text(client.get(f"/attempts/{attempt_id}/review"))
    assert "data-confirm-dialog" not in review
    assert f'<form method="post" action="/attempts/{attempt_id}/submit"' in review


# --- time per question -------------------------------------------------------------------


def test_results_show_the_time_per_question_and_progress_the_mean(
    client, app, student, start_attempt
):
    attempt_id = start_attempt(student, "mixed-test")
    client.get(f"/attempts/{attempt_id}/1")
    with app.app_context():  # the page stored when it was first shown
        assert [s.first_shown_at is not None for s in slots(attempt_id)] == [True] + [False] * 5
    with app.app_context():  # shown 42 seconds ago
        db.session.execute(
            sa.update(AttemptQuestion)
            .where(AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1)
            .values(first_shown_at=datetime.now(UTC) - timedelta(seconds=42))
        )
        db.session.commit()
    _answer(client, app, attempt_id, 1, action="save")
    client.post(f"/attempts/{attempt_id}/submit")
    page = _text(client.get(f"/attempts/{attempt_id}/results"))
    assert re.search(r"Your time 0:4[23]", page)
    assert "Your time –" in page  # the questions never answered
    assert "median" not in page.split('id="answers"')[1].split("Showing")[0]
    progress = _text(client.get("/progress"))
    assert "Per question" in progress and re.search(r">0:4[23]<", progress)


def test_results_show_the_median_time_of_other_students(
    client, app, student, start_attempt, make_user
):
    for n in range(5):
        other_attempt = start_attempt(make_user(), "mixed-test")
        with app.app_context():
            db.session.execute(
                sa.update(AttemptQuestion)
                .where(AttemptQuestion.attempt_id == other_attempt)
                .values(answer_seconds=30 + n)
            )
            finish_attempt(db.session.get(Attempt, other_attempt), now=datetime.now(UTC))
            db.session.commit()
    attempt_id = start_attempt(student, "mixed-test")
    client.post(f"/attempts/{attempt_id}/submit")
    page = " ".join(_text(client.get(f"/attempts/{attempt_id}/results")).split())
    assert page.count("Your time – · median 0:32") == 6
