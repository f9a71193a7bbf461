"""Helpers for the review tests: answer questions in tutor mode at a given time."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Question
from quizapp.exams import services
from quizapp.extensions import db
from quizapp.review.models import ReviewCard
from tests.exams.conftest import correct_form, wrong_form

GRACE = timedelta(seconds=30)
DAY1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def question_id(external_id: str) -> int:
    return db.session.scalar(sa.select(Question.id).where(Question.external_id == external_id))


def answer(user_id: int, question_ids: list[int], *, right: bool, now: datetime, seconds=20):
    """Answer these questions in one tutor attempt at `now`, all right or all wrong."""
    user = db.session.get(User, user_id)
    attempt = services.start_chosen_attempt(
        user, title="Test", question_ids=question_ids, settings={}, now=now, seed=1
    )
    db.session.commit()
    for position in range(1, len(question_ids) + 1):
        item = services.load_item(attempt, position)
        services.mark_shown(item, now=now - timedelta(seconds=seconds))
        item = services.load_item(attempt, position)
        form = correct_form(item.slot) if right else wrong_form(item.slot)
        services.save_answer(attempt, item, form, revision=item.slot.revision, now=now, grace=GRACE)
        db.session.commit()
    return attempt


def card(user_id: int, qid: int) -> ReviewCard | None:
    db.session.expire_all()
    return db.session.get(ReviewCard, (user_id, qid))


@pytest.fixture
def student(make_user):
    return make_user()


@pytest.fixture
def bank(make_bank):
    return make_bank("demo", 12)
