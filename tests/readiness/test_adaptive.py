"""The adaptive readiness check end to end over HTTP, with the clock passed in."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
import sqlalchemy as sa

from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Blueprint, QuestionVersion
from quizapp.banks.services import sync_bank
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history.aggregates import rebuild_student_aggregates
from quizapp.history.models import (
    StudentBankScores,
    StudentBlueprintResult,
    StudentTopicMastery,
    StudentTotal,
)
from quizapp.readiness import adaptive
from quizapp.readiness.services import Calibrated, recent_answers
from quizapp.review.cards import rebuild_cards
from quizapp.review.models import ReviewCard
from quizapp.scoring.question_types import get_question_type
from tests.exams.conftest import MIXED_BANK, START
from tests.readiness.conftest import CHOICE, answer_form, start_check


@pytest.fixture
def student(make_user, auth):
    user = make_user()
    auth.login(user)
    return user


def _take(client, attempt_id, *, right, clock, limit=50) -> list[str]:
    """Answer until the check ends; return the question pages seen."""
    pages = []
    for _ in range(limit):
        response = client.get(f"/adaptive/{attempt_id}")
        if response.status_code == 302:
            assert response.headers["Location"].endswith(f"/adaptive/{attempt_id}/results")
            return pages
        page = response.get_data(as_text=True)
        pages.append(page)
        clock.now += timedelta(seconds=20)
        answered = client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=right))
        assert answered.status_code == 302
    raise AssertionError("the check never ended")


def test_all_right_passes_by_the_confidence_rule_and_reveals_nothing_before(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    pages = _take(client, attempt_id, right=True, clock=clock)
    assert 6 <= len(pages) <= 14  # never before the minimum, never past the maximum
    for page in pages:
        assert not re.search(r"\bability\b|difficulty|theta|logit|Pass\b|confident", page)
        assert "right" not in re.sub(CHOICE, "", page).split("</legend>")[1].split("<button")[0]
    results = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
    assert '<p class="h4" id="verdict">Pass</p>' in results
    assert re.search(r"We are (more than 99|9\d) % confident that your ability is above", results)
    assert "100 % confident" not in results  # a probability, never certainty
    assert re.search(r"answer like someone who scores about <strong>\d+ %</strong>", results)
    assert "Topic A1" in results or "Topic B" in results  # the topic breakdown
    assert "Am I ready?" in results  # the blueprint's readiness card, this check included
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.settings["result"]["verdict"] == "pass"
        assert attempt.question_count == len(pages) and attempt.passed
    # The generic pages send an adaptive check to its own.
    assert (
        client.get(f"/attempts/{attempt_id}/results")
        .headers["Location"]
        .endswith(f"/adaptive/{attempt_id}/results")
    )
    assert client.get(f"/attempts/{attempt_id}/1").status_code == 404  # no going back


def test_all_wrong_fails(client, student, adaptive_test, clock):
    attempt_id = start_check(client)
    pages = _take(client, attempt_id, right=False, clock=clock)
    assert len(pages) >= 6
    results = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
    assert "Not yet passing" in results


def test_time_up_ends_it_undecided_or_decided_by_what_was_answered(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=True))
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    clock.now += timedelta(minutes=11)  # past the limit and the grace
    late = client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=True))
    assert late.headers["Location"].endswith(f"/adaptive/{attempt_id}/results")
    results = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
    assert "Undecided" in results and "ran out of time" in results
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finish_reason == "expired"
        assert attempt.settings["result"]["items"] == 1  # the late answer was not taken


def test_a_double_submit_adds_one_question_and_the_same_one(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    form = answer_form(page, right=True)
    first = client.post(f"/adaptive/{attempt_id}", data=form)
    second = client.post(f"/adaptive/{attempt_id}", data=form)  # the same form again
    assert first.status_code == 302
    # Said so (409, as a stale revision always is), with the next question on the page.
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "already answered" in page and "first answer stands" in page
    assert 'name="position" value="2"' in page
    with app.app_context():
        slots = db.session.execute(
            sa.select(
                AttemptQuestion.position, AttemptQuestion.question_id, AttemptQuestion.revision
            )
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.position)
        ).all()
        assert [(s.position, s.revision) for s in slots] == [(1, 1), (2, 0)]
        second_question = slots[1].question_id
    # Choosing again from the same answers and seed gives the same question (pure function).
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        blueprint = db.session.get(Blueprint, attempt.blueprint_id)
        db.session.execute(
            sa.delete(AttemptQuestion).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 2
            )
        )
        adaptive._advance(attempt, now=datetime.now(UTC))
        again = db.session.scalar(
            sa.select(AttemptQuestion.question_id).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 2
            )
        )
        assert again == second_question and blueprint.adaptive["max_items"] == 14
        db.session.rollback()


def test_another_students_check_is_404(client, auth, make_user, student, adaptive_test, clock):
    attempt_id = start_check(client)
    auth.logout()
    auth.login(make_user())
    assert client.get(f"/adaptive/{attempt_id}").status_code == 404
    assert client.get(f"/adaptive/{attempt_id}/results").status_code == 404
    assert (
        client.post(f"/adaptive/{attempt_id}", data={"position": 1, "revision": 0}).status_code
        == 404
    )
    assert client.get(f"/attempts/{attempt_id}").status_code == 404


def test_a_blueprint_without_the_setting_offers_no_check(
    client, student, make_bank, make_blueprint
):
    make_bank("demo", 10)
    make_blueprint("plain", "demo", 5)
    response = client.post("/practice/plain/adaptive")
    assert response.status_code == 302 and response.headers["Location"].endswith("/practice")
    assert "offers no adaptive readiness check" in client.get("/practice").get_data(as_text=True)
    assert "Adaptive check" not in client.get("/practice").get_data(as_text=True)


def test_the_practice_page_offers_it_where_enabled(client, student, adaptive_test):
    page = client.get("/practice").get_data(as_text=True)
    assert 'action="/practice/ready-test/adaptive"' in page
    assert "6–14 questions, 10 minutes, no going back" in page


def test_an_answer_is_required_to_go_on(client, student, adaptive_test, clock):
    attempt_id = start_check(client)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    form = answer_form(page, right=True)
    del form["answer"]
    response = client.post(f"/adaptive/{attempt_id}", data=form)
    assert response.status_code == 400
    assert "Answer this question to go on" in response.get_data(as_text=True)


def test_an_incomplete_order_is_refused_there_with_the_positions_kept(
    app, client, student, adaptive_test, clock
):
    """An answer in the check is final: an order with an item left out is not taken (it would
    be graded at once), and the page that says so keeps the positions the student chose."""
    attempt_id = start_check(client)
    with app.app_context():  # the check's current question made an ordering one
        sync_bank(parse_bank(MIXED_BANK), now=START)
        version = db.session.scalar(
            sa.select(QuestionVersion).where(QuestionVersion.type == "ordering")
        )
        slot = db.session.scalar(
            sa.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
        )
        slot.version_id = version.id
        slot.layout = get_question_type("ordering").make_layout(version.content, Random(3))
        db.session.commit()
        tokens = slot.layout["tokens"]
    form = {"position": "1", "revision": "0", f"rank-{tokens[0]}": "2", f"rank-{tokens[1]}": "1"}
    response = client.post(f"/adaptive/{attempt_id}", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give every item a different position from 1 to 3. The check has no going back." in page
    for token, rank in ((tokens[0], 2), (tokens[1], 1)):
        select = re.search(rf'name="rank-{token}".*?</select>', page, re.S).group(0)
        assert f'<option value="{rank}" selected>' in select
    assert "selected" not in re.search(rf'name="rank-{tokens[2]}".*?</select>', page, re.S).group(0)
    form[f"rank-{tokens[2]}"] = "3"
    assert client.post(f"/adaptive/{attempt_id}", data=form).status_code == 302


def test_question_and_answer_queries_do_not_grow_with_the_check(
    client, student, adaptive_test, clock, count_queries
):
    attempt_id = start_check(client)
    counts = []
    for position in range(1, 9):
        with count_queries() as statements:
            page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
            client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=position % 2 == 0))
        counts.append(len(statements))
    assert len(set(counts[1:])) == 1, counts  # the first fills the pool cache
    assert counts[-1] <= 30


def test_a_check_whose_blueprint_was_deleted_ends_undecided(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.delete(Blueprint).where(Blueprint.slug == "ready-test"))
        db.session.commit()
    client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=True))
    results = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
    assert "Undecided" in results
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).settings["result"]["items"] == 1


def test_a_finished_check_is_no_point_on_the_score_chart(
    app, client, student, adaptive_test, clock
):
    """Its share right is about half by design: charted beside fixed tests it would read as a
    drop. Its percent is an estimate, not a score on the fixed form, so it is no point in the
    class roster's latest, best and change either; its readable score goes to the check's own
    results, and it counts among the student's finished attempts."""
    attempt_id = start_check(client)
    _take(client, attempt_id, right=True, clock=clock)
    with app.app_context():
        assert (
            db.session.scalars(
                sa.select(StudentBankScores).where(StudentBankScores.user_id == student.id)
            ).all()
            == []
        )
        blueprint_id = db.session.get(Attempt, attempt_id).blueprint_id
        assert db.session.get(StudentBlueprintResult, (student.id, blueprint_id)) is None
        assert db.session.get(StudentTotal, student.id).finished_attempts == 1
        rebuild_student_aggregates([student.id])  # the rebuild agrees
        assert db.session.get(StudentBlueprintResult, (student.id, blueprint_id)) is None


def test_other_pages_learn_nothing_of_an_open_check_and_everything_once_it_ends(
    app, client, student, adaptive_test, clock
):
    """Topic mastery, review cards and the readiness estimate move only when the check ends:
    moving with each answer, they would tell on other pages whether it was right."""
    attempt_id = start_check(client)

    def counted() -> tuple[int, int, int]:
        with app.app_context():
            mastery = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(StudentTopicMastery.answered), 0)).where(
                    StudentTopicMastery.user_id == student.id
                )
            )
            cards = db.session.scalar(
                sa.select(sa.func.count()).where(ReviewCard.user_id == student.id)
            )
            calibrated = Calibrated(0, 1.0, dict.fromkeys(("easy", "medium", "hard"), (0, 1)))
            return mastery, cards, len(recent_answers(student.id, calibrated))

    for _ in range(3):
        page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
        clock.now += timedelta(seconds=20)
        client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=False))
    assert counted() == (0, 0, 0)
    with app.app_context():  # rebuilds keep the rule
        rebuild_student_aggregates([student.id])
        rebuild_cards([student.id])
        db.session.commit()
    assert counted() == (0, 0, 0)
    asked = 3 + len(_take(client, attempt_id, right=False, clock=clock))
    assert counted() == (asked, asked, asked)
    with app.app_context():  # and a rebuild from the answers agrees
        rebuild_student_aggregates([student.id])
        rebuild_cards([student.id])
        db.session.commit()
    assert counted() == (asked, asked, asked)


def test_the_stem_keeps_its_formatting(app, client, student, adaptive_test, clock):
    with app.app_context():
        db.session.execute(
            sa.update(QuestionVersion).values(stem=QuestionVersion.stem + " <b>now</b>")
        )
        db.session.commit()
    attempt_id = start_check(client)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    assert "<b>now</b>" in page and "&lt;b&gt;" not in page


def test_the_question_page_counts_down_from_the_servers_deadline(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    clock.now += timedelta(minutes=3, seconds=30)
    page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    assert 'data-seconds-left="390"' in page  # 10 minutes less 3½, as the server counts
    # At zero the script goes to the question page, which ends the check (an unsent answer
    # does not count); without JavaScript the minutes and the deadline are text.
    assert f'data-time-up-url="/adaptive/{attempt_id}"' in page
    assert 'id="timer-text" aria-hidden="true">6 min</span>' in page
    assert 'class="timer-box" id="timer-box"' in page
    with app.app_context():
        deadline = db.session.get(Attempt, attempt_id).deadline
    assert f"Ends at {deadline:%H:%M} UTC" in page
    assert "js/countdown.js" in page
    assert "js/exam.js" not in page  # its autosave is for pages one can come back to
    clock.now += timedelta(minutes=6)
    warned = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    assert 'class="timer-box timer-warning" id="timer-box"' in warned


def test_results_review_every_question_in_order_and_no_key_shows_before_the_end(
    app, client, student, adaptive_test, clock
):
    attempt_id = start_check(client)
    pages, answers = [], []
    for n in range(6):  # the minimum: 3 right, then 3 wrong, so it cannot stop early
        page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
        assert "/results" not in client.get(f"/adaptive/{attempt_id}").headers.get("Location", "")
        pages.append(page)
        answers.append(n < 3)
        form = answer_form(page, right=n < 3)
        # Before the end the results page is no way to the key: it sends back to the question.
        early = client.get(f"/adaptive/{attempt_id}/results")
        assert early.status_code == 302 and early.headers["Location"].endswith(
            f"/adaptive/{attempt_id}"
        )
        client.post(f"/adaptive/{attempt_id}", data=form)
    for page in pages:
        assert "Correct answer" not in page and "Why:" not in page
        assert not re.search(r"Right \d+ is right", page)  # no rationale
    clock.now += timedelta(minutes=11)  # end it: time up
    results = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
    review = results.split('id="answers"')[1]
    stems = re.findall(r'<p class="question-stem">(Demo question number \d+\?)</p>', review)
    asked = [re.search(r"Demo question number \d+\?", page).group(0) for page in pages]
    assert stems[: len(asked)] == asked  # in the order asked
    marks = re.findall(r"✓ Correct|✗ Incorrect|○ Not answered", review)
    assert marks[:6] == ["✓ Correct"] * 3 + ["✗ Incorrect"] * 3  # icon and words
    assert review.count("Your answer: correct") == 3
    assert review.count("Your answer: incorrect") == 3
    assert review.count("Correct answer</span>") >= 3  # the key beside each wrong answer
    for stem in asked:
        number = re.search(r"\d+", stem).group(0)
        assert f"Right {number} is right; the others are wrong." in review
    if len(stems) > len(asked):  # the question on screen when time ran out
        assert marks[len(asked)] == "○ Not answered" and "not counted" in review


def test_the_results_page_queries_do_not_grow_with_the_questions_asked(
    app, client, student, adaptive_test, clock, count_queries
):
    counts = []
    for answered in (6, 12):
        attempt_id = start_check(client)
        for n in range(answered):
            page = client.get(f"/adaptive/{attempt_id}").get_data(as_text=True)
            if "Demo question" not in page:
                break
            client.post(f"/adaptive/{attempt_id}", data=answer_form(page, right=n % 2 == 0))
        clock.now += timedelta(minutes=11)
        client.get(f"/adaptive/{attempt_id}/results")  # ends it
        with count_queries() as statements:
            page = client.get(f"/adaptive/{attempt_id}/results").get_data(as_text=True)
        assert page.count('class="result-item') >= min(answered, 6)
        counts.append(len(statements))
        clock.now += timedelta(minutes=1)
    assert counts[0] == counts[1], counts


def test_the_finished_tests_list_and_csv_call_its_percent_an_estimate(
    app, client, student, adaptive_test, clock
):
    passed = start_check(client)
    _take(client, passed, right=True, clock=clock)
    undecided = start_check(client)
    page = client.get(f"/adaptive/{undecided}").get_data(as_text=True)
    clock.now += timedelta(seconds=20)
    client.post(f"/adaptive/{undecided}", data=answer_form(page, right=True))
    clock.now += timedelta(minutes=11)  # time up: undecided on one answer
    client.get(f"/adaptive/{undecided}")
    with app.app_context():
        assert db.session.get(Attempt, passed).seconds_per_question == 20.0
    progress = client.get("/progress").get_data(as_text=True)
    assert progress.count('<abbr title="estimated score on a full test">est.</abbr>') == 2
    assert "<td>Passing</td>" in progress and "<td>Undecided</td>" in progress
    header, *rows = csv.reader(
        io.StringIO(client.get("/progress/history.csv").data.decode("utf-8-sig"))
    )
    assert sorted(row[header.index("passed")] for row in rows) == ["undecided", "yes"]
    assert {row[header.index("percent is")] for row in rows} == {"estimated score on a full test"}
