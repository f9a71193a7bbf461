"""The practice-test builder: counts per bank and topic, any number of parts, totals checked."""

import re

import pytest
import sqlalchemy as sa

from quizapp.banks.models import Blueprint
from quizapp.extensions import db
from quizapp.instructor.builder import MAX_PARTS, MAX_TEST_QUESTIONS, Source, read_parts

OFFERED = [
    Source("demo", "Demo: all topics (6 questions)", 6),
    Source("demo/a", "Demo: — Topic A (4 questions)", 4),
    Source("demo/b", "Demo: — Topic B (2 questions)", 2),
]


def test_parts_become_sections_and_blank_parts_are_skipped():
    sections, errors = read_parts([("demo/a", 3), ("", None), ("demo", 2)], OFFERED)
    assert errors == []
    assert [(s.bank_slug, s.topic_slug, s.questions) for s in sections] == [
        ("demo", "a", 3),
        ("demo", None, 2),
    ]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([("demo/b", 5)], "Part 1 (Demo: Topic B) needs 5 questions but only 2 are available."),
        ([("demo", 2), ("", 4)], "Part 2: choose both a bank or topic and a number of questions."),
        ([("demo/a", None)], "Part 1: choose both"),
        ([("other/x", 1)], "Part 1: choose a bank or topic from the list."),
        ([("", None)], "Add at least one part"),
        ([], "Add at least one part"),
    ],
)
def test_bad_parts_say_which_and_why(parts, message):
    _, errors = read_parts(parts, OFFERED)
    assert any(e.startswith(message) for e in errors), errors


def test_the_total_is_bounded():
    big = [Source("big", "Big: all topics", 1000)]
    _, errors = read_parts([("big", 200), ("big", 100)], big)
    assert errors == [
        f"The parts add up to 300 questions; a practice test has at most {MAX_TEST_QUESTIONS}."
    ]


@pytest.fixture
def builder_page(client, auth, make_user, make_bank):
    make_bank("demo", n_questions=6, topic_split=4)
    auth.login(make_user("instructor"))
    return client


def _fields(page: str) -> dict[str, str]:
    """The form's text, number and selected values, as a browser would post them back."""
    values = dict(
        re.findall(
            r'<input[^>]*name="([^"]+)"[^>]*type="(?:text|number)"[^>]*value="([^"]*)"', page
        )
    )
    values |= dict(
        re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page)
    )
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', body)
        values[name] = selected.group(1) if selected else ""
    return values


def test_counts_are_shown_per_bank_and_topic_without_ids(builder_page):
    page = builder_page.get("/blueprints/new").get_data(as_text=True)
    assert "Demo bank demo: all topics (6 questions)" in page
    assert "— Topic A (4 questions)" in page and "— — Topic A1 (4 questions)" in page
    assert "— Topic B (2 questions)" in page
    assert 'data-available="2" value="demo/b"' in page
    assert page.count('name="sections-') == 3  # one part to start: source, count, remove


def test_parts_are_added_and_removed_without_javascript(app, builder_page):
    client = builder_page
    base = {"title": "Week 3", "time_limit_minutes": "15", "passing_percent": "80"}
    page = client.post(
        "/blueprints/new",
        data=base | {"sections-0-source": "demo/a", "sections-0-questions": "3", "add_part": "y"},
    ).get_data(as_text=True)
    assert "Part 2: bank or topic" in page and "Total: " in page and ">3 questions<" in page
    assert 'value="Week 3"' in page  # nothing typed is lost
    fields = _fields(page) | {"sections-1-source": "demo/b", "sections-1-questions": "2"}
    page = client.post("/blueprints/new", data=fields | {"add_part": "y"}).get_data(as_text=True)
    fields = _fields(page)
    assert fields["sections-1-source"] == "demo/b" and "Part 3: bank or topic" in page
    page = client.post("/blueprints/new", data=fields | {"sections-0-remove": "Remove"}).get_data(
        as_text=True
    )
    assert "Part 3" not in page and ">2 questions<" in page
    fields = _fields(page)
    assert [fields[k] for k in sorted(fields) if k.endswith("-source")] == ["demo/b", ""]
    response = client.post("/blueprints/new", data=fields)
    assert response.status_code == 302
    with app.app_context():
        blueprint = db.session.scalar(sa.select(Blueprint).where(Blueprint.title == "Week 3"))
        assert blueprint.sections == [{"bank": "demo", "topic": "b", "questions": 2, "title": None}]


def test_parts_stop_at_the_maximum(builder_page):
    data = {f"sections-{n}-source": "" for n in range(MAX_PARTS)} | {"add_part": "y"}
    page = builder_page.post("/blueprints/new", data=data).get_data(as_text=True)
    assert f"Part {MAX_PARTS}:" in page and f"Part {MAX_PARTS + 1}:" not in page
    assert f"A test has at most {MAX_PARTS} parts." in page


def test_too_many_in_a_part_is_refused_and_the_form_kept(builder_page):
    response = builder_page.post(
        "/blueprints/new",
        data={
            "title": "Too big",
            "time_limit_minutes": "15",
            "passing_percent": "70",
            "sections-0-source": "demo/b",
            "sections-0-questions": "5",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "needs 5 questions but only 2 are available" in page and 'id="error-summary"' in page
    assert 'value="Too big"' in page
