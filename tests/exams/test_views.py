"""Taking a test through the test client: flow, integrity, leakage, ownership, speed."""

import re
import sqlite3
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import itsdangerous.timed
import pytest
import sqlalchemy as sa
from flask import url_for

from config import TestingConfig
from quizapp.exams.models import Attempt, QuestionReport
from quizapp.extensions import db
from tests.exams.conftest import correct_form, slots, wrong_form
from tests.test_access_control import api_token

pytestmark = pytest.mark.usefixtures("mixed")

RATIONALES = ["RATIONALE-SB", "RATIONALE-MR", "RATIONALE-TF", "RATIONALE-FB", "RATIONALE-MA"]


@pytest.fixture
def attempt_id(student, start_attempt):
    return start_attempt(student, "mixed-test")


def _slot(app, attempt_id, position):
    with app.app_context():
        slot = slots(attempt_id)[position - 1]
        assert slot.version is not None  # loaded before the session closes
        db.session.expunge(slot.version)
        db.session.expunge(slot)
        return slot


def _post_answer(client, app, attempt_id, position, *, action="next", form=None, **extra):
    slot = _slot(app, attempt_id, position)
    data = form if form is not None else correct_form(slot)
    data = data.copy()
    data["revision"] = str(slot.revision)
    data["action"] = action
    for key, value in extra.items():
        data[key] = value
    return client.post(f"/attempts/{attempt_id}/{position}", data=data)


def _attempt(app, attempt_id) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def test_start_from_the_practice_page(client, student):
    page = client.get("/practice").get_data(as_text=True)
    assert "Mixed test" in page
    response = client.post("/practice/mixed-test/start", data={"mode": "exam"})
    assert re.fullmatch(r"/attempts/\d+/1", response.headers["Location"])


def test_take_submit_and_review(client, app, attempt_id):
    for position in range(1, 7):
        response = _post_answer(client, app, attempt_id, position)
        assert response.status_code == 302
    assert response.headers["Location"] == f"/attempts/{attempt_id}/review"
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "You answered every question." in review
    response = client.post(f"/attempts/{attempt_id}/submit")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    results = client.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    assert "100%" in results and "Passed" in results
    assert all(marker in results for marker in RATIONALES)
    assert "Correct answer:" in results


def test_no_key_or_rationale_before_grading(client, app, attempt_id, start_attempt, student):
    pages = [client.get(f"/attempts/{attempt_id}/{n}").get_data(as_text=True) for n in range(1, 7)]
    pages.append(client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True))
    autosave = client.post(
        f"/attempts/{attempt_id}/1/autosave",
        data={**correct_form(_slot(app, attempt_id, 1)), "revision": "0"},
    )
    pages.append(autosave.get_data(as_text=True))
    for page in pages:
        assert "RATIONALE" not in page
        assert "Correct answer" not in page and "(key)" not in page
        assert '"key"' not in page and "correct" not in page.lower().replace("incorrect", "")
    # Choice ids are opaque and differ between two attempts at the same questions.
    other = start_attempt(student, "mixed-test", seed=1)

    def tokens(a):
        return set(
            re.findall(
                r'value="([\w-]{8})"',
                "".join(
                    client.get(f"/attempts/{a}/{n}").get_data(as_text=True) for n in range(1, 7)
                ),
            )
        )

    assert tokens(attempt_id) and not tokens(attempt_id) & tokens(other)
    # Results are not available before submitting.
    assert client.get(f"/attempts/{attempt_id}/results").status_code == 302


def test_answers_survive_a_reload_and_show_again(client, app, attempt_id):
    slot = _slot(app, attempt_id, 1)
    _post_answer(client, app, attempt_id, 1, action="save")
    page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    for _name, value in correct_form(slot).items(multi=True):
        assert f'value="{value}"' in page
    assert re.search(r'name="revision" value="1"', page)


def test_tutor_mode_shows_feedback_after_each_answer(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    assert "Check answer" in page and "RATIONALE" not in page
    _post_answer(client, app, attempt_id, 1, action="check")
    page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    assert "Correct." in page and "RATIONALE" in page
    assert "Score so far: 1 of 1 answered" in page
    assert "disabled" in page
    assert "RATIONALE" not in client.get(f"/attempts/{attempt_id}/2").get_data(as_text=True)


@pytest.mark.parametrize("action", ["next", "flag", "prev", "goto-1", "review"])
def test_in_tutor_mode_only_check_answer_grades(client, app, student, start_attempt, action):
    """Skip ("next"), Flag, Previous, the navigator and Review save the answer as it is, open
    to change and with no feedback; "Check answer" grades it and locks it."""
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    slot = _slot(app, attempt_id, 2)
    response = _post_answer(client, app, attempt_id, 2, action=action, form=wrong_form(slot))
    assert response.status_code == 302
    saved = _slot(app, attempt_id, 2)
    assert saved.response is not None and saved.revision == 1
    assert (saved.score, saved.graded_at) == (None, None)
    page = client.get(f"/attempts/{attempt_id}/2").get_data(as_text=True)
    assert "RATIONALE" not in page and "Incorrect" not in page and "disabled" not in page
    assert "Check answer" in page and "Score so far: 0 of 0 answered" in page
    # Still the student's to change, and checked only when asked.
    _post_answer(client, app, attempt_id, 2, action="check")
    checked = _slot(app, attempt_id, 2)
    assert checked.revision == 2 and checked.score == 1 and checked.graded_at is not None
    page = client.get(f"/attempts/{attempt_id}/2").get_data(as_text=True)
    assert "Correct." in page and "RATIONALE" in page and "disabled" in page


@pytest.mark.parametrize("mode", ["exam", "tutor"])
def test_save_and_exit_keeps_the_answer_and_goes_home(client, app, student, start_attempt, mode):
    attempt_id = start_attempt(student, "mixed-test", mode=mode)
    page = client.get(f"/attempts/{attempt_id}/2").get_data(as_text=True)
    assert 'name="action" value="exit">Save and exit</button>' in page
    slot = _slot(app, attempt_id, 2)
    response = _post_answer(client, app, attempt_id, 2, action="exit", form=wrong_form(slot))
    assert response.headers["Location"] == "/"
    saved = _slot(app, attempt_id, 2)
    assert saved.response is not None and saved.graded_at is None  # saved, not checked
    home = client.get("/").get_data(as_text=True)
    assert "are saved; continue it from your home page" in home
    assert ("time keeps running" in home) is (mode == "exam")


def test_a_stale_tab_gets_409_and_keeps_the_newer_answer(client, app, attempt_id):
    slot = _slot(app, attempt_id, 1)
    _post_answer(client, app, attempt_id, 1, action="save")
    stale = {**correct_form(slot), "revision": "0", "action": "next"}
    response = client.post(f"/attempts/{attempt_id}/1", data=stale)
    assert response.status_code == 409
    assert "changed in another tab" in response.get_data(as_text=True)


def test_a_stale_autosave_is_409_and_the_reloaded_page_says_why(client, app, attempt_id):
    """Two tabs on one question: the second tab's autosave from the old revision is refused,
    and the page it then reloads tells why it shows the other tab's answer (once)."""
    with app.app_context():
        position = next(s.position for s in slots(attempt_id) if s.version.type == "single_best")
    slot = _slot(app, attempt_id, position)
    key = correct_form(slot)["answer"]
    other = next(token for token in slot.layout["tokens"] if token != key)
    url = f"/attempts/{attempt_id}/{position}"
    assert client.post(f"{url}/autosave", data={"answer": key, "revision": "0"}).status_code == 200
    stale = client.post(f"{url}/autosave", data={"answer": other, "revision": "0"})
    assert stale.status_code == 409 and stale.json["saved"] is False
    assert "changed in another tab" in stale.json["message"]
    page = client.get(url).get_data(as_text=True)
    notice = re.search(r'<div class="alert alert-warning" role="alert">\s*([^<]+?)\s*</div>', page)
    assert notice and notice.group(1) == stale.json["message"]
    assert re.search(rf'value="{key}" id="choice-\d+"\s+checked', page)  # what is saved now
    assert "changed in another tab" not in client.get(url).get_data(as_text=True)


def test_tampered_answer_gets_400_and_changes_nothing(client, app, attempt_id):
    with app.app_context():
        position = next(s.position for s in slots(attempt_id) if s.version.type == "single_best")
    response = client.post(
        f"/attempts/{attempt_id}/{position}",
        data={"answer": "forged-token", "revision": "0", "action": "next"},
    )
    assert response.status_code == 400
    assert "is not one of this question" in response.get_data(as_text=True)
    assert _slot(app, attempt_id, position).revision == 0


@pytest.mark.parametrize("rank", ["²", "①", "٣", str(2**63), "0"])
def test_a_position_not_in_ascii_digits_is_a_400_that_keeps_the_saved_answer(
    client, app, attempt_id, rank
):
    with app.app_context():
        position = next(s.position for s in slots(attempt_id) if s.version.type == "ordering")
    _post_answer(client, app, attempt_id, position, action="save")
    form = correct_form(_slot(app, attempt_id, position))
    form[next(name for name in form if name.startswith("rank-"))] = rank
    response = _post_answer(client, app, attempt_id, position, action="save", form=form)
    assert response.status_code == 400
    assert "Positions go from 1 to 3." in response.get_data(as_text=True)
    saved = _slot(app, attempt_id, position)
    assert saved.revision == 1 and saved.response == [0, 1, 2]


@pytest.mark.parametrize("action", ["goto-²", "goto-", "goto-" + "9" * 30])
def test_a_malformed_goto_saves_the_answer_and_stays_on_the_question(
    client, app, attempt_id, action
):
    response = _post_answer(client, app, attempt_id, 2, action=action)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/2"
    assert _slot(app, attempt_id, 2).revision == 1


@pytest.mark.parametrize("revision", ["²", "٣", str(2**64)])
def test_a_revision_not_in_ascii_digits_is_a_400(client, attempt_id, revision):
    response = client.post(f"/attempts/{attempt_id}/1", data={"revision": revision})
    assert response.status_code == 400


def test_missing_revision_is_a_clear_400(client, attempt_id):
    response = client.post(f"/attempts/{attempt_id}/1", data={"action": "next"})
    assert response.status_code == 400
    assert "revision" in response.get_data(as_text=True)


def test_question_outside_the_attempt_is_404(client, attempt_id):
    assert client.get(f"/attempts/{attempt_id}/7").status_code == 404
    assert client.post(f"/attempts/{attempt_id}/99", data={"revision": "0"}).status_code == 404


def test_extra_fields_cannot_set_score_or_status(client, app, attempt_id, student):
    _post_answer(
        client, app, attempt_id, 1, score="1", status="finished", user_id="999", percent="100"
    )
    client.post(f"/attempts/{attempt_id}/submit", data={"score_points": "6", "passed": "y"})
    attempt = _attempt(app, attempt_id)
    assert attempt.user_id == student.id
    assert attempt.score_points == 1 and attempt.passed is False


def test_after_the_deadline_answers_are_refused_and_the_attempt_graded(
    client, app, student, start_attempt
):
    started = datetime.now(UTC) - timedelta(minutes=11)
    attempt_id = start_attempt(student, "mixed-test", now=started)
    response = _post_answer(client, app, attempt_id, 1)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    assert "arrived after the deadline" in client.get("/practice").get_data(as_text=True)
    attempt = _attempt(app, attempt_id)
    assert attempt.status == "finished" and attempt.finish_reason == "expired"
    assert attempt.score_points == 0
    # A finished attempt is read-only.
    response = _post_answer(client, app, attempt_id, 2)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    assert _slot(app, attempt_id, 2).response is None


def test_an_abandoned_attempt_is_graded_when_next_opened(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test", now=datetime.now(UTC) - timedelta(hours=2))
    response = client.get(f"/attempts/{attempt_id}")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/results"
    assert _attempt(app, attempt_id).finish_reason == "expired"


def test_double_submit_grades_once(client, app, attempt_id):
    _post_answer(client, app, attempt_id, 1)
    client.post(f"/attempts/{attempt_id}/submit")
    first = _attempt(app, attempt_id)
    client.post(f"/attempts/{attempt_id}/submit")
    second = _attempt(app, attempt_id)
    assert (first.finished_at, first.score_points) == (second.finished_at, second.score_points)


def test_autosave_json(client, app, attempt_id):
    slot = _slot(app, attempt_id, 2)
    data = {**correct_form(slot), "revision": "0"}
    response = client.post(f"/attempts/{attempt_id}/2/autosave", data=data)
    assert response.status_code == 200
    assert response.json["saved"] is True and response.json["revision"] == 1
    assert 0 < response.json["seconds_left"] <= 600
    again = client.post(f"/attempts/{attempt_id}/2/autosave", data=data)
    assert again.status_code == 409 and again.json["saved"] is False


def test_attempt_pages_are_never_cached(client, attempt_id):
    for url in (f"/attempts/{attempt_id}/1", f"/attempts/{attempt_id}/review"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_flag_and_review_screen(client, app, attempt_id):
    _post_answer(
        client, app, attempt_id, 2, action="flag", form=correct_form(_slot(app, attempt_id, 2))
    )
    page = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Flagged for review (1)" in page and "Not answered (5)" in page
    client.post(f"/attempts/{attempt_id}/submit")
    flagged = client.get(f"/attempts/{attempt_id}/results?show=flagged").get_data(as_text=True)
    assert "Showing 1 of 6 questions" in flagged
    wrong = client.get(f"/attempts/{attempt_id}/results?show=wrong").get_data(as_text=True)
    assert "Showing 5 of 6 questions" in wrong


def test_practice_what_i_missed(client, app, attempt_id):
    _post_answer(client, app, attempt_id, 1)
    client.post(f"/attempts/{attempt_id}/submit")
    response = client.post(f"/attempts/{attempt_id}/practice-missed", data={"mode": "tutor"})
    new_id = int(response.headers["Location"].split("/")[2])
    new = _attempt(app, new_id)
    assert new.question_count == 5 and new.mode == "tutor"


def test_report_a_problem(client, app, attempt_id):
    response = client.post(f"/attempts/{attempt_id}/3/report", data={"message": "Two answers fit."})
    assert response.headers["Location"] == f"/attempts/{attempt_id}/3"
    with app.app_context():
        report = db.session.scalar(sa.select(QuestionReport))
        assert report.message == "Two answers fit." and report.attempt_id == attempt_id


# --- someone else's attempt ----------------------------------------------------------------


def _attempt_rules(app):
    for rule in app.url_map.iter_rules():
        if "attempt_id" in rule.arguments:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield rule.endpoint, method


def test_another_students_attempt_is_404_on_every_route(
    app, client, auth, make_user, start_attempt, student
):
    victim = make_user()
    victim_attempt = start_attempt(victim, "mixed-test")
    # The JSON API's attempt routes too, with a token of the signed-in student.
    headers = {"Authorization": f"Bearer {api_token(app, student)[1]}"}
    checked = 0
    for endpoint, method in _attempt_rules(app):
        with app.test_request_context():
            values = {"attempt_id": victim_attempt}
            if "position" in app.url_map._rules_by_endpoint[endpoint][0].arguments:
                values["position"] = 1
            url = url_for(endpoint, **values)
        data = {"revision": "0", "mode": "tutor"}
        response = client.open(url, method=method, data=data, headers=headers)
        assert response.status_code == 404, f"{method} {url}"
        checked += 1
    assert checked >= 10
    with app.app_context():
        assert db.session.get(Attempt, victim_attempt).is_open
        assert all(s.revision == 0 for s in slots(victim_attempt))


# --- CSRF over a long exam -------------------------------------------------------------------


class CsrfConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.mark.parametrize("config_class", [CsrfConfig])
def test_a_submit_hours_later_with_the_original_token_is_accepted(
    client, app, attempt_id, monkeypatch
):
    page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 4 * 3600)
    data = {**correct_form(_slot(app, attempt_id, 1)), "revision": "0", "csrf_token": token}
    response = client.post(f"/attempts/{attempt_id}/1", data={**data, "action": "save"})
    assert response.status_code == 302
    assert client.post(f"/attempts/{attempt_id}/1", data={"revision": "1"}).status_code == 400


# --- speed ---------------------------------------------------------------------------------


def test_pages_run_a_constant_number_of_queries(
    app, client, student, make_bank, make_blueprint, start_attempt, count_queries
):
    counts = {}
    for size in (5, 265):
        make_bank(f"big{size}", n_questions=size)
        make_blueprint(f"big{size}-test", bank=f"big{size}", questions=size)
        attempt_id = start_attempt(student, f"big{size}-test")
        last = size
        with count_queries() as statements:
            client.get(f"/attempts/{attempt_id}/{last}")
            _post_answer(client, app, attempt_id, last, action="save")
            client.post(
                f"/attempts/{attempt_id}/{last}/autosave",
                data={**correct_form(_slot(app, attempt_id, last)), "revision": "1"},
            )
            client.get(f"/attempts/{attempt_id}/review")
            client.post(f"/attempts/{attempt_id}/submit")
        # _slot() itself runs queries inside the block; they are the same for both sizes.
        counts[size] = len(statements)
        with count_queries() as statements:
            client.get(f"/attempts/{attempt_id}/results")
        counts[f"results{size}"] = len(statements)
    assert counts[5] == counts[265]
    assert counts["results5"] == counts["results265"]
    # The first view of the question records when it was shown (1); the aggregates and item
    # statistics are updated at grading, and the review cards (the answers with their cards
    # and how quick each was, one upsert: 2); the review lists unfinished orders (1).
    assert counts[265] <= 22 + 1 + 11 + 5 + 2 + 1


@contextmanager
def _round_trips(app):
    """Count the block's statements and the BEGIN, COMMIT and ROLLBACK the driver sends: none
    on a connection in autocommit; on SQLite only around a write (its driver sends BEGIN before
    the first INSERT, UPDATE or DELETE, and COMMIT or ROLLBACK only for an open transaction)."""
    counts = Counter()

    def statement(*args):
        counts["statements"] += 1

    def transaction(name):
        def listener(conn):
            dbapi_connection = conn.connection.dbapi_connection
            if isinstance(dbapi_connection, sqlite3.Connection):
                if name != "begin" and dbapi_connection.in_transaction:
                    counts["begin"] += 1
                    counts[name] += 1
            elif not dbapi_connection.autocommit:  # psycopg
                counts[name] += 1

        return listener

    with app.app_context():
        engine = db.engine
    listeners = [("before_cursor_execute", statement)] + [
        (name, transaction(name)) for name in ("begin", "commit", "rollback")
    ]
    for name, listener in listeners:
        sa.event.listen(engine, name, listener)
    try:
        yield counts
    finally:
        for name, listener in listeners:
            sa.event.remove(engine, name, listener)


def test_hot_path_statements_and_round_trips(app, client, attempt_id):
    """A question page is three reads outside any transaction (and a write the first time:
    in autocommit on PostgreSQL, one short transaction on SQLite); a save and a submit commit
    once and never select the attempt again after writing."""
    client.get(f"/attempts/{attempt_id}/1")  # the first page after signing in is no different
    save = {**correct_form(_slot(app, attempt_id, 1)), "revision": "0", "action": "next"}
    autosave = {**correct_form(_slot(app, attempt_id, 2)), "revision": "0"}
    requests = {
        "first view": lambda: client.get(f"/attempts/{attempt_id}/3"),
        "page": lambda: client.get(f"/attempts/{attempt_id}/1"),
        "save": lambda: client.post(f"/attempts/{attempt_id}/1", data=save),
        "autosave": lambda: client.post(f"/attempts/{attempt_id}/2/autosave", data=autosave),
        "review": lambda: client.get(f"/attempts/{attempt_id}/review"),
        "submit": lambda: client.post(f"/attempts/{attempt_id}/submit"),
    }
    seen = {}
    for name, request in requests.items():
        with _round_trips(app) as counts:
            assert request().status_code in (200, 302), name
        seen[name] = dict(counts)
    # User, attempt with its question, navigator; the first view of a question also records
    # when it was shown.
    on_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    first_write = {"begin": 1, "commit": 1} if on_sqlite else {}
    assert seen["first view"] == {"statements": 4, **first_write}
    assert seen["page"] == {"statements": 3}
    # User, attempt with its question, the compare-and-set update.
    assert seen["save"] == {"statements": 3, "begin": 1, "commit": 1}
    assert seen["autosave"] == {"statements": 3, "begin": 1, "commit": 1}
    assert seen["review"] == {"statements": 4}  # 3 and the unfinished orders
    # User, attempt, claim, questions, their grades, the attempt's score; then, whatever the
    # test's length, the student's aggregates (quizapp.history.aggregates: 11), the item
    # statistics (quizapp.item_stats: 5) and the review cards (quizapp.review.cards: 2).
    assert seen["submit"] == {"statements": 6 + 11 + 5 + 2, "begin": 1, "commit": 1}


def test_custom_test_across_banks_and_topics(client, app, student, make_bank):
    make_bank("demo", n_questions=6, topic_split=4)
    page = client.get("/practice/custom").get_data(as_text=True)
    assert "All of Mixed bank" in page and "All of Demo bank demo" in page
    response = client.post(
        "/practice/custom",
        data={"topics": ["mixed/lab", "demo/a"], "count": "6", "pool": "all", "mode": "tutor"},
    )
    attempt_id = int(response.headers["Location"].split("/")[2])
    attempt = _attempt(app, attempt_id)
    assert attempt.title == "Custom test: Demo bank demo, Mixed bank"
    assert attempt.question_count == 6 and attempt.deadline is None
    with app.app_context():
        topics = {s.version.topic.slug for s in slots(attempt_id)}
    assert topics == {"lab", "a1"}  # topic a includes its child a1
    response = client.post(
        "/practice/custom",
        data={"topics": ["mixed/lab"], "count": "5", "pool": "all", "mode": "exam"},
    )
    assert "Only 2 questions match your choices" in response.get_data(as_text=True)
    response = client.post("/practice/custom", data={"count": "5", "pool": "all", "mode": "exam"})
    assert "Choose at least one bank or topic." in response.get_data(as_text=True)


def test_tutor_check_without_an_answer_explains(client, app, student, start_attempt):
    attempt_id = start_attempt(student, "mixed-test", mode="tutor")
    response = client.post(f"/attempts/{attempt_id}/1", data={"revision": "0", "action": "check"})
    assert response.headers["Location"] == f"/attempts/{attempt_id}/1"
    assert "Answer the question to check it" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
