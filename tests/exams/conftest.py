"""A bank with every question type, and helpers to answer its questions by content."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.exams import views as exam_views
from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db
from quizapp.scoring.question_types import get_question_type

START = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class Clock:
    """The time the exam pages read, set by the test (`clock.now = ...`)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Stop the exam views' clock at START; move it by setting `clock.now`."""
    clock = Clock(START)
    monkeypatch.setattr(exam_views, "_now", clock)
    return clock


MIXED_BANK = """\
format: 1
bank: {id: mixed, title: Mixed bank}
topics:
  - {id: words, title: Word parts}
  - {id: lab, title: Laboratory}
questions:
  - id: sb
    type: single_best
    topic: words
    difficulty: easy
    stem: "What does brady- mean?"
    options: [slow, fast, painful, difficult]
    key: slow
    rationale: "RATIONALE-SB: brady- means slow."
  - id: mr
    type: multiple_response
    topic: words
    difficulty: medium
    stem: "Which suffixes name surgery? Select all that apply."
    options: ["-ectomy", "-itis", "-plasty", "-algia"]
    key: ["-ectomy", "-plasty"]
    rationale: "RATIONALE-MR: excision and repair are procedures."
  - id: tf
    type: true_false
    topic: lab
    difficulty: easy
    stem: "The lavender tube holds EDTA."
    key: true
    rationale: "RATIONALE-TF: lavender tops contain EDTA."
  - id: fb
    type: fill_in_blank
    topic: words
    difficulty: medium
    stem: "A slow heart rate is called ____."
    key: [bradycardia]
    rationale: "RATIONALE-FB: brady + card + ia."
  - id: ma
    type: matching
    topic: words
    difficulty: medium
    stem: "Match each prefix with its meaning."
    pairs: [[tachy-, fast], [hyper-, above]]
    extra_matches: [around]
    rationale: "RATIONALE-MA: as in tachycardia and hypertension."
  - id: or
    type: ordering
    topic: lab
    difficulty: hard
    stem: "Order these tubes as drawn."
    items: [light blue, lavender, gray]
    rationale: "RATIONALE-OR: citrate, then EDTA, then fluoride."
"""

MIXED_BLUEPRINT = """\
format: 1
blueprint: {id: mixed-test, title: Mixed test, time_limit_minutes: 10, passing_percent: 70,
            sections: [{bank: mixed, questions: 6}]}
"""


@pytest.fixture
def mixed(app):
    """Load the mixed bank and its 6-question, 10-minute blueprint."""
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=START)
        sync_blueprint(parse_blueprint(MIXED_BLUEPRINT))
        db.session.commit()
    return "mixed-test"


def correct_form(slot: AttemptQuestion) -> MultiDict:
    """The form values that answer this attempt question correctly, as the page would post."""
    qtype = get_question_type(slot.version.type)
    content = slot.version.content
    state = qtype.form_state(content, slot.layout, qtype.correct_response(content))
    return MultiDict([(name, value) for name, values in state.items() for value in values])


def wrong_form(slot: AttemptQuestion) -> MultiDict:
    """Values that answer the question wrongly (but validly)."""
    qtype = get_question_type(slot.version.type)
    content = slot.version.content
    wrong = {
        "single_best": lambda: next(
            i for i in range(len(content["options"])) if i != content["key"]
        ),
        "multiple_response": lambda: [
            next(i for i in range(len(content["options"])) if i not in content["key"])
        ],
        "true_false": lambda: not content["key"],
        "fill_in_blank": lambda: "definitely wrong",
        "matching": lambda: list(reversed(content["key"])),
        "ordering": lambda: list(reversed(range(len(content["items"])))),
    }[slot.version.type]()
    state = qtype.form_state(content, slot.layout, wrong)
    return MultiDict([(name, value) for name, values in state.items() for value in values])


def slots(attempt_id: int) -> list[AttemptQuestion]:
    return list(
        db.session.scalars(
            sa.select(AttemptQuestion)
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.position)
        )
    )


@pytest.fixture
def student(make_user, auth):
    """A signed-in student (files that need another kind define their own)."""
    user = make_user()
    auth.login(user)
    return user


def slot_of_type(app, attempt_id: int, question_type: str) -> AttemptQuestion:
    """The attempt's question of that type, detached (position, layout, content, state)."""
    with app.app_context():
        slot = next(s for s in slots(attempt_id) if s.version.type == question_type)
        db.session.expunge(slot.version)
        db.session.expunge(slot)
        return slot


SECTIONED_BLUEPRINT = """\
format: 1
blueprint:
  id: sectioned-test
  title: Sectioned test
  time_limit_minutes: 8
  passing_percent: 70
  sections: [{bank: mixed, questions: 6}]
  segments:
    - {title: Part 1, minutes: 2, questions: 2}
    - {title: Part 2, minutes: 2, questions: 2}
    - {title: Part 3, minutes: 2, questions: 1}
    - {title: Part 4, minutes: 2, questions: 1}
"""


@pytest.fixture
def sectioned(app, mixed):
    """A blueprint of the mixed bank in four timed parts of 2, 2, 1 and 1 questions, like the
    CMA-style mock's four 40-minute parts, shortened."""
    with app.app_context():
        sync_blueprint(parse_blueprint(SECTIONED_BLUEPRINT))
        db.session.commit()
    return "sectioned-test"
