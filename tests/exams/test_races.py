"""A submit racing autosaves and answer forms, through the real views, on a database that threads
share (a SQLite file, or PostgreSQL under `make test-pg`): a finished attempt never changes.

Every trial starts an attempt, then releases one submit and 19 saves at the same moment. After
it, each question's score must be the grade of its stored answer, the attempt's total the sum of
its questions, and every save the server confirmed must be in the graded answers.
"""

import threading

import pytest

from quizapp.banks.loader import parse_blueprint
from quizapp.banks.services import sync_blueprint
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from quizapp.scoring.question_types import get_question_type
from tests.conftest import shared_database_config
from tests.exams.conftest import correct_form, slots

TRIALS = 50  # per mode: 100 in all on each engine
SAVES = 19


def _clients(app, cookie_jar_from):
    """SAVES + 1 test clients signed in as the same student (one sign-in, its cookie shared)."""
    session_cookie = cookie_jar_from.get_cookie("session")
    clients = []
    for _ in range(SAVES + 1):
        client = app.test_client()
        client.set_cookie("session", session_cookie.value, domain=session_cookie.domain)
        clients.append(client)
    return clients


def _trial(app, clients, attempt_id: int, submit_data=None) -> list[tuple[int, object, bool]]:
    """Race one submit against SAVES saves; return (position, form, confirmed) per save."""
    with app.app_context():
        forms = {slot.position: correct_form(slot) for slot in slots(attempt_id)}
    positions = sorted(forms)
    barrier = threading.Barrier(SAVES + 1)
    outcomes: list[tuple[int, object, bool]] = []
    failures: list[str] = []

    def submit(client):
        barrier.wait(timeout=30)
        response = client.post(f"/attempts/{attempt_id}/submit", data=submit_data)
        if response.status_code != 302:
            failures.append(f"submit: {response.status_code}")

    def save(client, n: int):
        position = positions[n % len(positions)]
        form = forms[position].copy()
        form["revision"] = "0"
        barrier.wait(timeout=30)
        if n % 2:  # JavaScript's autosave
            response = client.post(f"/attempts/{attempt_id}/{position}/autosave", data=form)
            confirmed = response.status_code == 200 and response.get_json()["saved"] is True
            if response.status_code not in (200, 409):
                failures.append(f"autosave: {response.status_code}")
        else:  # the form's Save button, without JavaScript
            form["action"] = "save"
            response = client.post(f"/attempts/{attempt_id}/{position}", data=form)
            confirmed = response.status_code == 302 and response.location.endswith(
                f"/{attempt_id}/{position}"
            )
            if response.status_code not in (302, 409):
                failures.append(f"save: {response.status_code}")
        outcomes.append((position, form, confirmed))

    threads = [threading.Thread(target=submit, args=(clients[0],))] + [
        threading.Thread(target=save, args=(clients[n + 1], n)) for n in range(SAVES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return outcomes


def _answers_changed_after_grading(app, attempt_id: int, outcomes) -> list[str]:
    """Every way the finished attempt disagrees with its own grading or with a confirmed save."""
    problems = []
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "finished"
        by_position = {slot.position: slot for slot in slots(attempt_id)}
        total = 0.0
        for slot in by_position.values():
            qtype = get_question_type(slot.version.type)
            graded = qtype.grade(slot.version.content, slot.response).score
            total += slot.score
            if slot.score != graded:
                problems.append(f"#{slot.position}: score {slot.score}, answer grades {graded}")
        if abs(total - attempt.score_points) > 1e-9:
            problems.append(f"total {attempt.score_points}, questions sum to {total}")
        for position, _form, confirmed in outcomes:
            if confirmed and by_position[position].response is None:
                problems.append(f"#{position}: save confirmed but not graded")
    return problems


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


@pytest.fixture
def student(make_user):
    return make_user()


@pytest.fixture
def student_clients(app, student, auth, client):
    auth.login(student)
    return _clients(app, client)


@pytest.mark.parametrize("mode", ["exam", "tutor"])
@pytest.mark.usefixtures("mixed")
def test_a_submit_racing_saves_leaves_a_graded_attempt_unchanged(
    app, student, student_clients, start_attempt, mode
):
    problems, confirmed_saves, refused_saves = [], 0, 0
    for trial in range(TRIALS):
        attempt_id = start_attempt(student, "mixed-test", mode=mode, seed=trial)
        outcomes = _trial(app, student_clients, attempt_id)
        confirmed_saves += sum(confirmed for _, _, confirmed in outcomes)
        refused_saves += sum(not confirmed for _, _, confirmed in outcomes)
        problems += [
            f"trial {trial}: {problem}"
            for problem in _answers_changed_after_grading(app, attempt_id, outcomes)
        ]
    assert problems == []
    # The race was real: some saves landed before the submit and some were refused.
    assert confirmed_saves > 0
    assert refused_saves > 0


SECTIONED_RACE_BLUEPRINT = """\
format: 1
blueprint:
  id: race-sections
  title: Race sections
  time_limit_minutes: 20
  passing_percent: 70
  sections: [{bank: mixed, questions: 6}]
  segments:
    - {title: Part 1, minutes: 10, questions: 5}
    - {title: Part 2, minutes: 10, questions: 1}
"""


@pytest.mark.usefixtures("mixed")
def test_the_end_of_a_section_racing_saves_locks_it(app, student, student_clients, start_attempt):
    """A section's end racing saves to it: a save lands only if it is confirmed (never after
    the end, unseen), and none reaches the next section before its break is over."""
    with app.app_context():
        sync_blueprint(parse_blueprint(SECTIONED_RACE_BLUEPRINT))
        db.session.commit()
    problems, confirmed_saves, refused_saves = [], 0, 0
    for trial in range(TRIALS // 2):
        attempt_id = start_attempt(student, "race-sections", seed=trial)
        outcomes = _trial(app, student_clients, attempt_id, submit_data={"section": "1"})
        confirmed = {position for position, _, done in outcomes if done}
        confirmed_saves += len(confirmed)
        refused_saves += sum(not done for _, _, done in outcomes)
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            if not (attempt.on_break and attempt.section_number == 2):
                problems.append(f"trial {trial}: section {attempt.section_number} not ended")
            stored = {s.position for s in slots(attempt_id) if s.response is not None}
        if stored != confirmed:
            problems.append(
                f"trial {trial}: stored {sorted(stored)}, confirmed {sorted(confirmed)}"
            )
    assert problems == []
    assert confirmed_saves > 0
    assert refused_saves > 0
