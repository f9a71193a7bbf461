"""The progress page: history, chart, mastery, weakest-topics practice, CSV, speed."""

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.history import services
from quizapp.history.aggregates import RECENT_ANSWERS_PER_TOPIC, SCORE_SERIES_POINTS
from quizapp.history.views import ATTEMPTS_PER_PAGE, short_duration
from tests.history.conftest import seed


def test_empty_progress_page(client, student):
    page = client.get("/progress").get_data(as_text=True)
    assert "0 questions answered" in page
    assert "Finish a test to see your scores here." in page


def test_progress_shows_chart_table_mastery_and_history(app, client, student):
    seed(app, [student.id], attempts_each=4)
    page = client.get("/progress").get_data(as_text=True)
    assert "20 questions answered" in page
    assert '<svg viewBox="0 0 640 240" role="img"' in page and "<polyline" in page
    assert page.count("<td>2026-09-0") >= 4  # table rows behind the chart and the history
    # The chart's rule for tutor sessions, which differs from the list's, is written out.
    assert "A tutor session counts here only the questions answered in it" in page
    assert "Topic A1" in page and "Topic B" in page
    assert "Practice my weakest topics" in page
    assert page.count("Seeded test") == 4


def test_chart_has_a_pass_line_at_the_passing_mark(app, client, student):
    seed(app, [student.id], attempts_each=2)
    page = client.get("/progress").get_data(as_text=True)
    assert "Pass 70%</text>" in page and 'stroke-dasharray="6 4"' in page
    assert "Pass 70% (passing mark)" in page  # the legend says it in words too


def test_mastery_ranks_a_topic_only_after_enough_answers(app, client, student):
    seed(app, [student.id], attempts_each=1, accuracy=lambda u, n: 0.0)
    page = client.get("/progress").get_data(as_text=True)
    assert "5 questions answered" in page
    assert f"once you have answered {services.MIN_ANSWERS_FOR_MASTERY} questions on it" in page
    assert "No topic has 5 answers yet" in page and "Topic A1" not in page
    assert "Practice my weakest topics" not in page
    seed(app, [student.id], attempts_each=3, accuracy=lambda u, n: 0.0)
    page = client.get("/progress").get_data(as_text=True)
    assert "Practice my weakest topics" in page and "No topic has 5 answers yet" not in page


def test_durations_under_a_minute_are_in_seconds():
    assert [short_duration(s) for s in (None, 0, 45, 60, 754, 3600, 3900)] == [
        "–",
        "0 s",
        "45 s",
        "1 min",
        "12 min",
        "1 h 00 min",
        "1 h 05 min",
    ]


def test_mastery_is_weakest_first(app, client, student):
    seed(app, [student.id], attempts_each=10, accuracy=lambda u, n: 0.5)
    with app.app_context():
        mastery = services.topic_mastery(student.id)
        percents = [t.percent for t in mastery]
        assert percents == sorted(percents)
        assert all(t.answered <= RECENT_ANSWERS_PER_TOPIC for t in mastery)


def test_practice_weakest_topics_starts_a_tutor_test(app, client, student):
    seed(app, [student.id], attempts_each=6, accuracy=lambda u, n: 0.3)
    response = client.post("/progress/practice-weakest")
    attempt_id = int(response.headers["Location"].split("/")[2])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.mode == "tutor" and attempt.title.startswith("Weakest topics: ")
        assert attempt.question_count >= 5


def test_practice_weakest_without_history_explains(client, student):
    response = client.post("/progress/practice-weakest")
    assert response.headers["Location"] == "/progress"
    assert "no weak topic to practice yet" in client.get("/progress").get_data(as_text=True)


def test_history_is_paged_and_filtered_by_bank(app, client, student, make_bank):
    seed(app, [student.id], attempts_each=30)
    first = client.get("/progress").get_data(as_text=True)
    assert first.count("Seeded test") == 25 and 'aria-label="Pages of finished tests"' in first
    assert client.get("/progress?page=2").get_data(as_text=True).count("Seeded test") == 5
    make_bank("other", n_questions=3)
    page = client.get("/progress?bank=other").get_data(as_text=True)
    assert "No finished tests with questions from Demo bank other" in page


def test_csv_export_of_own_history(app, client, student):
    seed(app, [student.id], attempts_each=2)
    with app.app_context():
        db.session.execute(sa.update(Attempt).values(title='=HYPERLINK("http://x")'))
        db.session.commit()
    response = client.get("/progress/history.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["finished (UTC)", "test", "mode"]
    assert rows[0][-2:] == ["seconds per question", "percent is"]
    assert len(rows) == 3
    assert rows[1][1].startswith("'=HYPERLINK")


def test_finished_times_are_on_the_sites_clock_on_the_page_and_in_the_csv(app, client, student):
    app.config["TIMEZONE"] = "America/Chicago"
    seed(app, [student.id], attempts_each=1)
    with app.app_context():
        finished = datetime(2026, 10, 27, 4, 29, tzinfo=UTC)  # 23:29 on the 26th in Chicago
        db.session.execute(
            sa.update(Attempt).values(
                started_at=finished - timedelta(minutes=30), finished_at=finished
            )
        )
        db.session.commit()
    page = client.get("/progress").get_data(as_text=True)
    assert "<td>2026-10-26</td>" in page and "2026-10-27" not in page
    rows = list(
        csv.reader(io.StringIO(client.get("/progress/history.csv").data.decode("utf-8-sig")))
    )
    assert rows[0][0] == "finished (America/Chicago)"
    assert rows[1][0] == "2026-10-26 23:29"


def test_students_see_only_their_own_history(app, client, student, make_user):
    other = make_user(display_name="Other Person")
    seed(app, [other.id], attempts_each=3)
    page = client.get("/progress").get_data(as_text=True)
    assert "Seeded test" not in page and "0 questions answered" in page


def test_progress_page_queries_are_bounded(app, client, student, count_queries):
    counts = []
    for total in (10, 1000):
        with app.app_context():
            db.session.execute(sa.delete(AttemptQuestion))
            db.session.execute(sa.delete(Attempt))
            db.session.commit()
        seed(app, [student.id], attempts_each=total)
        with count_queries() as statements:
            assert client.get("/progress").status_code == 200
            assert client.get("/progress?page=3&bank=demo").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 40


def test_progress_page_size_stops_growing_with_the_history(app, client, student):
    """The history comes a page at a time and the chart holds the latest attempts per bank."""
    pages = {}
    seeded = 0
    for total in (10, 40, 200):
        seed(app, [student.id], attempts_each=total - seeded)
        seeded = total
        pages[total] = client.get("/progress").get_data(as_text=True)
    history_rows = {total: page.count("Seeded test") for total, page in pages.items()}
    score_row = '<th scope="row" class="fw-normal">Demo bank demo'
    score_rows = {total: page.count(score_row) for total, page in pages.items()}
    assert history_rows == {10: 10, 40: ATTEMPTS_PER_PAGE, 200: ATTEMPTS_PER_PAGE}
    assert score_rows == {10: 10, 40: SCORE_SERIES_POINTS, 200: SCORE_SERIES_POINTS}
    # Only numbers and the links to the pages of the history (2 pages, then 8) differ.
    assert len(pages[200]) - len(pages[40]) <= 6 * 120
