"""The benchmark's yardstick (bench/peer.py) renders the app's own question page: a peer that
rendered less would flatter it (issue 13: "the same question page")."""

import importlib
import re
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db
from tests.conftest import shared_database_config

BANK = """\
format: 1
bank: {id: peer, title: Peer bank, description: For the peer test}
topics: [{id: t, title: Topic}]
questions:
  - id: sb
    type: single_best
    topic: t
    difficulty: easy
    stem: "Which is *right* & proper? <b>Bold</b> x < y"
    options: [right <i>one</i>, wrong & two, "other \\"three\\""]
    key: right <i>one</i>
    rationale: The right one is right.
  - id: tf
    type: true_false
    topic: t
    difficulty: easy
    stem: The sky is blue.
    key: true
    rationale: It is.
  - id: mr
    type: multiple_response
    topic: t
    difficulty: easy
    stem: Which are fruits? Select all that apply.
    options: [Apple, Pear, Stone, Brick]
    key: [Apple, Pear]
    rationale: Apples and pears are fruits.
"""
BLUEPRINT = """\
format: 1
blueprint: {id: peer-test, title: "Peer & test", time_limit_minutes: 30, passing_percent: 70,
            sections: [{bank: peer, questions: 3}]}
"""


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def normalized(page: str) -> str:
    """The page without what differs between two requests a second apart (the CSRF token's
    timestamp, the seconds left) and without indentation."""
    page = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1TOKEN", page)
    page = re.sub(r'data-seconds-left="\d+"', 'data-seconds-left="S"', page)
    page = re.sub(r">\d+ (min|minutes)<", r">M \1<", page)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", page)).strip()


def test_the_peer_renders_the_apps_question_page(
    app, client, auth, make_user, start_attempt, monkeypatch
):
    with app.app_context():
        sync_bank(parse_bank(BANK), now=datetime.now(UTC))
        sync_blueprint(parse_blueprint(BLUEPRINT))
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    student = make_user()
    attempt_id = start_attempt(student, "peer-test")
    auth.login(student)
    client.get("/")  # shows the welcome message, which the peer does not flash

    # Answer, strike and flag on the first page, so these states are compared too.
    first = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', first)[1]
    value = re.search(r'name="answer" value="([^"]+)"', first)[1]
    saved = client.post(
        f"/attempts/{attempt_id}/1/autosave",
        data={"answer": value, "revision": "0", "csrf_token": token},
    )
    assert saved.status_code == 200
    with app.app_context():
        slot = db.session.scalar(
            sa.select(AttemptQuestion).filter_by(attempt_id=attempt_id, position=1)
        )
        slot.flagged, slot.struck = True, [1]
        db.session.commit()
    first = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
    assert "checked" in first and "Flagged" in first and "(struck out)" in first

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    sys.modules.pop("bench.peer", None)
    peer = importlib.import_module("bench.peer")
    try:
        peer_client = peer.app.test_client()
        peer_client.set_cookie("session", client.get_cookie("session").value)
        for position in (1, 2, 3):
            app_page = client.get(f"/attempts/{attempt_id}/{position}")
            peer_page = peer_client.get(f"/attempts/{attempt_id}/{position}")
            assert (app_page.status_code, peer_page.status_code) == (200, 200)
            assert normalized(peer_page.get_data(as_text=True)) == normalized(
                app_page.get_data(as_text=True)
            )
    finally:
        peer.engine.dispose()
        sys.modules.pop("bench.peer", None)
