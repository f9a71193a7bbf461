"""The custom-test builder's counts per bank and topic: unused, incorrect, flagged."""

import pytest
import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Bank
from quizapp.banks.services import visible_banks_query
from quizapp.exams import builder
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.exams.services import custom_pool
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts

POOLS = {"unused": "unseen", "incorrect": "missed", "flagged": "flagged"}


@pytest.fixture
def practised(app, make_user, make_bank):
    """A student with 6 finished tests of 5 questions on two 12-question banks, some wrong and
    some flagged; and another student's flags, which must not count."""
    make_bank("demo", n_questions=12, topic_split=5)
    make_bank("more", n_questions=12)
    student, other = make_user(), make_user()
    with app.app_context():
        seed_attempts([student.id, other.id], attempts_each=6, accuracy=lambda u, n: 0.5)
        answers = db.session.scalars(
            sa.select(AttemptQuestion.id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .order_by(AttemptQuestion.id)
        ).all()
        db.session.execute(
            sa.update(AttemptQuestion)
            .where(AttemptQuestion.id.in_(answers[::4]))
            .values(flagged=True)
        )
        db.session.commit()
    return student


def test_counts_match_the_pools_the_builder_draws_from(app, practised):
    with app.app_context():
        user = db.session.get(User, practised.id)
        banks = db.session.scalars(visible_banks_query(user, with_topics=True)).all()
        counts = builder.builder_counts(user, banks)
        some_of_each = set()
        for bank in banks:
            selections = {bank.slug: None} | {f"{bank.slug}/{t.slug}": t.slug for t in bank.topics}
            for key, topic_slug in selections.items():
                _, everything = custom_pool(user, ((bank.id, topic_slug),), "all")
                assert counts[key].total == len(everything), key
                for name, pool in POOLS.items():
                    _, chosen = custom_pool(user, ((bank.id, topic_slug),), pool)
                    assert getattr(counts[key], name) == len(chosen), (key, name)
                    if chosen and len(chosen) < len(everything):
                        some_of_each.add(name)
        assert some_of_each == set(POOLS)  # the data tells the counts apart


def test_a_topic_counts_its_subtopics(app, practised):
    with app.app_context():
        user = db.session.get(User, practised.id)
        bank = db.session.scalar(
            visible_banks_query(user, with_topics=True).where(Bank.slug == "demo")
        )
        counts = builder.builder_counts(user, [bank])
    assert counts["demo/a"] == counts["demo/a1"] and counts["demo/a"].total == 5
    assert counts["demo"] == counts["demo/a"] + counts["demo/b"]


def test_builder_page_shows_counts_in_one_query(app, client, auth, practised, count_queries):
    auth.login(practised)
    with count_queries() as statements:
        page = client.get("/practice/custom").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, practised.id)
        banks = db.session.scalars(visible_banks_query(user, with_topics=True)).all()
        demo = builder.builder_counts(user, banks)["demo"]
    assert (
        f"12 questions: {demo.unused} unused · {demo.incorrect} incorrect · {demo.flagged} flagged"
        in page
    )
    assert sum("attempt_questions" in s for s in statements) == 1


def test_whole_bank_checkbox_is_expanded_by_the_server(client, auth, practised, count_queries):
    """Ticking "All of X" (and, with JavaScript, its topics) reads the bank once, not per topic."""
    auth.login(practised)
    counts = []
    for topics in (["demo"], ["demo", "demo/a", "demo/a1", "demo/b"]):
        with count_queries() as statements:
            response = client.post(
                "/practice/custom",
                data={"topics": topics, "count": "12", "pool": "all", "mode": "exam"},
            )
        assert response.status_code == 302  # all 12 questions of the bank
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_errors_are_summarised_first_with_links(client, auth, practised):
    auth.login(practised)
    page = client.post(
        "/practice/custom", data={"count": "0", "pool": "all", "mode": "exam"}
    ).get_data(as_text=True)
    summary = page.index('id="error-summary"')
    assert 'tabindex="-1" autofocus' in page[summary : summary + 80]
    assert summary < page.index('<form method="post" novalidate')
    assert '<a href="#topics-choice">Choose at least one bank or topic.</a>' in page
    assert '<a href="#count">' in page and 'id="topics-choice"' in page
