"""Two exam attempts of one student on the same questions, finishing at the same moment in
transactions of their own (a SQLite file the threads share, or PostgreSQL under
`make test-pg`): neither fails, and every card holds one whole review or both, never a mix."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fsrs import Rating

from quizapp.extensions import db
from quizapp.review.models import ReviewCard
from quizapp.scoring import spaced
from tests.conftest import shared_database_config
from tests.history.test_aggregate_races import _at_once, _finisher
from tests.history.test_aggregates import answer_all

TRIALS = 4
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def test_cards_survive_two_finishes_at_once(
    app, make_user, make_bank, make_blueprint, start_attempt
):
    make_bank("demo", n_questions=5)
    make_blueprint("demo-test", "demo", 5)  # every attempt holds the same five questions
    student = make_user()
    moment = START
    for trial in range(TRIALS):
        pair = [start_attempt(student, now=moment, seed=2 * trial + n) for n in range(2)]
        answer_all(app, pair[0], now=moment, right=lambda position: True)
        answer_all(app, pair[1], now=moment, right=lambda position: False)
        moment += timedelta(days=3)
        assert _at_once(*(_finisher(app, attempt_id, moment) for attempt_id in pair)) == []
        with app.app_context():
            cards = db.session.scalars(sa.select(ReviewCard)).all()
            assert len(cards) == 5
            for card in cards:
                assert 1 <= card.reviews <= 2 * (trial + 1)
                assert card.last_review == moment and card.misses <= card.reviews
        if trial == 0:
            # After the first pair, each card is one of the two single reviews, or both.
            singles = {
                spaced.review(None, rating, now=moment).due
                for rating in (Rating.Good, Rating.Again)
            }
            with app.app_context():
                for card in db.session.scalars(sa.select(ReviewCard)):
                    assert card.reviews == 2 or card.due in singles
