"""The review pages and starting a review session run the same number of queries for a
student with 10 cards as for one with 5,000 (and 4 flashcards against 400)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.banks.models import Question
from quizapp.extensions import db
from quizapp.review.models import DIRECTIONS, ReviewCard, WordPart, WordPartCard

PAGES = ("/", "/review/", "/review/leeches", "/review/word-parts", "/review/settings")


def _cards(app, user_id: int, count: int, *, due_today: int) -> None:
    """`count` cards on the bank's first questions: `due_today` of them due since yesterday, the
    rest in three days; every one missed 5 times (a leech)."""
    now = datetime.now(UTC)
    with app.app_context():
        ids = db.session.scalars(sa.select(Question.id).order_by(Question.id).limit(count)).all()
        db.session.execute(
            sa.insert(ReviewCard),
            [
                {
                    "user_id": user_id,
                    "question_id": question_id,
                    "key_digest": "0" * 16,
                    "state": 2,
                    "stability": 3.0,
                    "difficulty": 5.0,
                    "due": now - timedelta(days=1) if n < due_today else now + timedelta(days=3),
                    "last_review": now - timedelta(days=4),
                    "reviews": 6,
                    "misses": 5,
                }
                for n, question_id in enumerate(ids)
            ],
        )
        db.session.commit()


def _word_part_cards(app, user_id: int, count: int) -> None:
    """Flashcards on the first `count` shipped word parts, both ways, all due."""
    now = datetime.now(UTC)
    with app.app_context():
        ids = db.session.scalars(sa.select(WordPart.id).order_by(WordPart.id).limit(count)).all()
        db.session.execute(
            sa.insert(WordPartCard),
            [
                {
                    "user_id": user_id,
                    "word_part_id": part_id,
                    "direction": direction,
                    "state": 2,
                    "stability": 3.0,
                    "difficulty": 5.0,
                    "due": now - timedelta(hours=1),
                    "last_review": now - timedelta(days=4),
                    "reviews": 2,
                    "misses": 0,
                }
                for part_id in ids
                for direction in DIRECTIONS
            ],
        )
        db.session.commit()


def _measure(client, auth, student, count_queries) -> dict[str, int]:
    auth.login(student)
    counts = {}
    for url in PAGES:
        with count_queries() as statements:
            assert client.get(url).status_code == 200, url
        counts[url] = len(statements)
    with count_queries() as statements:
        response = client.post("/review/start")
    assert response.status_code == 302 and "/attempts/" in response.headers["Location"]
    counts["start"] = len(statements)
    auth.logout()
    return counts


def test_review_queries_do_not_grow_with_the_cards(
    app, client, auth, runner, make_user, make_bank, count_queries
):
    make_bank("demo", 5_100)
    assert runner.invoke(args=["review", "load-word-parts"]).exit_code == 0
    few, many = make_user(), make_user()
    _cards(app, few.id, 10, due_today=10)
    _cards(app, many.id, 5_000, due_today=20)
    _word_part_cards(app, few.id, 2)
    _word_part_cards(app, many.id, 200)
    small = _measure(client, auth, few, count_queries)
    assert small == _measure(client, auth, many, count_queries)
    assert small["start"] <= 20, small
