"""Readiness and percentile ranks on the progress and results pages."""

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from quizapp.banks.models import Blueprint
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.readiness.calibration import calibrate_items
from tests.readiness.conftest import seed


def _progress(client) -> str:
    response = client.get("/progress")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_below_the_evidence_minimum_it_asks_for_more_answers(app, client, student, blueprint_id):
    seed(app, [student.id], blueprint_id, attempts_each=1, questions_each=10)
    page = _progress(client)
    assert "Not enough answers yet" in page
    assert "answer 20 more questions" in page
    assert "chance of passing</strong>" not in page
    assert "Not enough questions to estimate" not in page  # 60 questions to draw from


def test_a_pool_too_small_for_an_estimate_says_so_instead_of_asking_for_more(
    app, client, make_user, auth, make_bank, make_blueprint
):
    make_bank("small", 15)
    make_blueprint("small-test", "small", 10)
    with app.app_context():
        small = db.session.scalar(sa.select(Blueprint.id).where(Blueprint.slug == "small-test"))
    student = make_user()
    auth.login(student)
    seed(app, [student.id], small, attempts_each=1, questions_each=10)
    page = _progress(client)
    assert "Not enough questions to estimate" in page
    assert "draws from only 15 questions, fewer than the 30 first answers" in page
    assert "more questions from this test" not in page


def test_the_card_follows_new_answers_though_its_figures_are_cached(
    app, client, student, blueprint_id
):
    seed(app, [student.id], blueprint_id, attempts_each=1, questions_each=10)
    assert "answer 20 more questions" in _progress(client)
    assert "answer 20 more questions" in _progress(client)  # from the cache: the same
    # The same draw plus 10 more questions (the demo seeding repeats its random draws).
    seed(app, [student.id], blueprint_id, attempts_each=2, questions_each=10)
    assert "answer 20 more questions" not in _progress(client)
    assert re.search(r"answer 1?\d more questions", _progress(client))


def _seed_half_right(app, student, blueprint_id) -> None:
    """Ten 10-question tests, half right: enough answers for a gauge, well below the mark."""
    seed(
        app,
        [student.id],
        blueprint_id,
        attempts_each=10,
        questions_each=10,
        accuracy=lambda user_id, n: 0.5,
    )


def test_with_enough_answers_a_gauge_with_interval_trend_and_topics(
    app, client, student, blueprint_id
):
    _seed_half_right(app, student, blueprint_id)
    page = _progress(client)
    found = re.search(
        r"(\d+) % chance of passing</strong>\s*\(90 % interval (\d+)–(\d+) %\), based on (\d+)",
        page,
    )
    assert found, page
    chance, low, high, answers = map(int, found.groups())
    assert low <= chance <= high and 30 <= answers <= 60
    assert chance < 50  # half right against a 70 % pass mark
    assert '<meter class="readiness-meter' in page and f'value="{chance}"' in page
    assert "Trend over the last 8 weeks" in page


def test_a_new_students_card_shows_no_empty_weeks_and_says_where_to_study(
    app, client, student, blueprint_id
):
    _seed_half_right(app, student, blueprint_id)
    with app.app_context():  # every answer given this week: no earlier week has a figure
        db.session.execute(sa.update(AttemptQuestion).values(graded_at=datetime.now(UTC)))
        db.session.commit()
    page = _progress(client)
    assert "chance of passing</strong>" in page
    assert "Trend over the last" not in page and "not enough answers" not in page
    assert "Where to study first" in page
    assert re.search(r"<li>[^<:]+: \+\d+(\.\d)?</li>", page)


def test_results_page_shows_readiness_and_percentile_only_with_30_others(
    app, client, student, blueprint_id, make_user
):
    seed(app, [student.id], blueprint_id, attempts_each=8, questions_each=10)
    others = [make_user().id for _ in range(30)]
    seed(app, others[:29], blueprint_id, attempts_each=2, questions_each=10)
    with app.app_context():
        attempt_id = db.session.scalar(
            sa.select(sa.func.max(Attempt.id)).where(Attempt.user_id == student.id)
        )
    page = client.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    assert "chance of passing" in page
    assert "Percentile ranks appear once at least 30 other students" in page
    assert "(29 so far)" in page

    seed(app, others[29:], blueprint_id, attempts_each=1, questions_each=10)
    page = client.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    assert re.search(r"is higher than \d+ % of the 30 other students’ first attempts", page)
    assert "classmates’" not in page  # the student is in no class


def test_calibration_changes_the_estimate_on_every_page(app, client, student, blueprint_id):
    seed(app, [student.id], blueprint_id, attempts_each=10, questions_each=10)
    before = re.search(r"(\d+) % chance of passing", _progress(client)).group(1)
    with app.app_context():
        calibrate_items(now=datetime.now(UTC))
        db.session.commit()
    after = re.search(r"(\d+) % chance of passing", _progress(client)).group(1)
    assert before != after  # a new run id: the cached pass curve was rebuilt


def test_progress_page_queries_stay_bounded(
    app, client, student, blueprint_id, make_user, make_bank, make_blueprint, count_queries
):
    others = [make_user().id for _ in range(3)]
    seed(app, [student.id], blueprint_id, attempts_each=5, questions_each=10)
    seed(app, others, blueprint_id, attempts_each=1, questions_each=10)
    client.get("/progress")  # fills the pool cache
    with count_queries() as statements:
        assert client.get("/progress").status_code == 200
    small = len(statements)
    many = [make_user().id for _ in range(40)]
    seed(app, [student.id], blueprint_id, attempts_each=150, questions_each=10)
    seed(app, many, blueprint_id, attempts_each=3, questions_each=10)
    with count_queries() as statements:
        assert client.get("/progress").status_code == 200
    assert len(statements) == small
