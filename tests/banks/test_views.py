"""The bank browser through the test client."""

from datetime import UTC, datetime

import pytest

from quizapp.banks.loader import parse_bank
from quizapp.banks.services import sync_bank
from quizapp.extensions import db
from tests.conftest import bank_yaml
from tests.exams.conftest import MIXED_BANK


@pytest.fixture
def loaded(make_bank, make_blueprint):
    make_bank("demo", n_questions=6, topic_split=4)
    make_blueprint("demo-test", bank="demo", questions=3)


def test_banks_page_lists_banks_topics_and_blueprints(client, auth, make_user, loaded):
    auth.login(make_user())
    page = client.get("/banks").get_data(as_text=True)
    assert "Demo bank demo" in page
    assert "<strong>6</strong> questions" in page
    assert "Topic A: 4" in page and "Topic B: 2" in page
    assert "Demo test" in page


def test_bank_detail_counts_by_topic_type_and_difficulty(client, auth, make_user, loaded):
    auth.login(make_user())
    page = client.get("/banks/demo").get_data(as_text=True)
    assert "Topic A1" in page
    assert "Single best answer" in page
    assert "Read the questions" not in page  # students get no link to keys


def test_students_never_see_keys_or_rationales(client, auth, make_user, loaded):
    auth.login(make_user())
    for url in ("/banks", "/banks/demo", "/blueprints/demo-test"):
        page = client.get(url).get_data(as_text=True)
        assert "Right 1 is right" not in page and "(key)" not in page and "right 1" not in page
    assert client.get("/banks/demo/questions").status_code == 403


def test_instructors_read_questions_with_keys(client, auth, make_user, loaded):
    auth.login(make_user("instructor"))
    page = client.get("/banks/demo/questions").get_data(as_text=True)
    assert "6 questions" in page
    assert 'right 1 <strong class="text-success">(key)</strong>' in page
    assert "Right 1 is right; the others are wrong." in page


def test_owner_reads_every_question_type_with_edit_and_retire_controls(
    app, client, auth, make_user
):
    owner = make_user("instructor")
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=datetime.now(UTC), owner_id=owner.id)
        db.session.commit()
    auth.login(owner)
    response = client.get("/banks/mixed/questions")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "6 questions" in page
    assert "tachy-</th><td>→ <strong>fast</strong>" in page and "Extra matches: around" in page
    for external_id in ("sb", "mr", "tf", "fb", "ma", "or"):
        assert f'href="/banks/mixed/questions/{external_id}/edit">Edit' in page
        assert f'action="/banks/mixed/questions/{external_id}/retire"' in page
    assert page.count(">Retire<") == 6


def test_question_filters(client, auth, make_user, loaded):
    auth.login(make_user("instructor"))
    assert "4 questions" in client.get("/banks/demo/questions?topic=a").get_data(as_text=True)
    assert "2 questions" in client.get("/banks/demo/questions?topic=b").get_data(as_text=True)
    page = client.get("/banks/demo/questions?q=number+5").get_data(as_text=True)
    assert "1 question." in page and "Demo question number 5?" in page
    assert client.get("/banks/demo/questions?topic=nowhere").status_code == 400


def test_retired_questions_are_hidden_unless_asked_for(
    app, client, auth, make_user, make_bank, loaded
):
    make_bank("demo", n_questions=5, topic_split=4)  # q6 retired
    auth.login(make_user("instructor"))
    assert "5 questions" in client.get("/banks/demo/questions").get_data(as_text=True)
    page = client.get("/banks/demo/questions?retired=y").get_data(as_text=True)
    assert "6 questions" in page and "Retired" in page


def test_blueprint_page_shows_sections_and_availability(client, auth, make_user, loaded):
    auth.login(make_user())
    page = client.get("/blueprints/demo-test").get_data(as_text=True)
    assert "3 questions" in page and "10 minutes" in page and "70%" in page
    assert "too few" not in page


def test_unknown_bank_and_blueprint_are_404(client, auth, make_user, loaded):
    auth.login(make_user("admin"))
    assert client.get("/banks/nope").status_code == 404
    assert client.get("/banks/nope/questions").status_code == 404
    assert client.get("/blueprints/nope").status_code == 404


def test_browser_pages_run_a_bounded_number_of_queries(
    client, auth, make_user, make_bank, count_queries
):
    auth.login(make_user("instructor"))
    counts = []
    for n in (5, 60):
        make_bank("demo", n_questions=n)
        with count_queries() as statements:
            client.get("/banks/demo/questions")
            client.get("/banks/demo")
            client.get("/banks")
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 25


def test_private_bank_is_hidden_from_other_instructors(app, client, auth, make_user):
    owner = make_user("instructor")
    with app.app_context():
        sync_bank(parse_bank(bank_yaml("private", 2)), now=datetime.now(UTC), owner_id=owner.id)
        db.session.commit()
    auth.login(make_user("instructor"))
    assert client.get("/banks/private").status_code == 404
    assert "private" not in client.get("/banks").get_data(as_text=True)
