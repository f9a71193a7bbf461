"""A bank of 60 questions, a 20-question blueprint at 70 % (with or without the adaptive
check), a signed-in student, a clock for the adaptive pages, and form helpers."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.banks.loader import parse_blueprint
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_blueprint
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from quizapp.readiness import views as readiness_views
from tests.conftest import blueprint_yaml


@pytest.fixture
def blueprint_id(app, make_bank, make_blueprint):
    make_bank("demo", 60)
    make_blueprint("demo-test", "demo", 20)
    with app.app_context():
        return db.session.scalar(sa.select(Blueprint.id).where(Blueprint.slug == "demo-test"))


@pytest.fixture
def student(make_user, auth, blueprint_id):
    user = make_user(display_name="Stu Dent")
    auth.login(user)
    return user


def seed(app, user_ids, blueprint_id, **kwargs):
    with app.app_context():
        seed_attempts(user_ids, blueprint_id=blueprint_id, **kwargs)


ADAPTIVE = "{min_items: 6, max_items: 14, confidence: 0.95, time_limit_minutes: 10}"
CHOICE = re.compile(
    r'name="answer" value="([^"]+)" id="choice-\d+"[^>]*>\s*<label[^>]*>'
    r'<span class="choice-letter"[^>]*>[A-J]\.</span> <span class="choice-text">([^<]+)</span>'
)


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(readiness_views, "_now", clock)
    return clock


@pytest.fixture
def adaptive_test(app, make_bank):
    make_bank("demo", 60)
    text = blueprint_yaml("ready-test", "demo", 20).replace(
        "sections:", f"adaptive: {ADAPTIVE}, sections:"
    )
    with app.app_context():
        sync_blueprint(parse_blueprint(text))
        db.session.commit()
    return "ready-test"


def start_check(client, slug="ready-test") -> int:
    response = client.post(f"/practice/{slug}/adaptive")
    assert response.status_code == 302
    found = re.search(r"/adaptive/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def answer_form(page: str, *, right: bool) -> dict:
    position = re.search(r'name="position" value="(\d+)"', page).group(1)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    choices = dict((text.strip(), token) for token, text in CHOICE.findall(page))
    wanted = next(t for t in choices if t.startswith("right" if right else "wrong"))
    return {"position": position, "revision": revision, "answer": choices[wanted]}
