"""Stored XSS in Chromium: hostile stems, options and rationales, stored as they are (as rows
older than the door's cleaning would be), render as formatting at most: no hostile element or
attribute reaches the page, and a window.__xss tripwire never fires."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from quizapp.banks.loader import ParsedBank, ParsedQuestion, ParsedTopic, parse_blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.extensions import db
from tests.conftest import blueprint_yaml
from tests.unit.test_formatting_and_images import XSS_VECTORS

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"
#: The vectors, but the one naming a picture the store does not hold (it cannot be saved).
VECTORS = [vector for vector in XSS_VECTORS if "media:" not in vector]


def hostile_bank() -> ParsedBank:
    questions = tuple(
        ParsedQuestion(
            external_id=f"x{n}",
            type="single_best",
            topic_slug="t",
            difficulty="easy",
            stem=f"Question {n}: K<sup>+</sup> {vector}",
            content={"options": [f"Safe {n}", f"Bad {n} {vector}"], "key": 0, "shuffle": True},
            rationale=f"Why {n} {vector}",
        )
        for n, vector in enumerate(VECTORS, start=1)
    )
    return ParsedBank("hostile", "Hostile", "", (ParsedTopic("t", "T", None, 0),), questions)


def test_hostile_texts_never_run_script(app, browser, live_server, make_user, start_attempt):
    with app.app_context():
        sync_bank(hostile_bank(), now=datetime.now(UTC))
        db.session.commit()
    with app.app_context():
        sync_blueprint(parse_blueprint(blueprint_yaml("hostile-test", "hostile", len(VECTORS))))
        db.session.commit()
    student = make_user(password=PASSWORD)
    attempt_id = start_attempt(student, "hostile-test", mode="tutor")
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("window.__xss = undefined; window.alert = () => { window.__xss = 2; };")
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()
    for position in range(1, len(VECTORS) + 1):
        page.goto(f"{live_server}/attempts/{attempt_id}/{position}")
        expect(page.locator("#question-stem sup", has_text="+")).to_be_visible()
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="Check answer").click()
        expect(page.locator(".feedback")).to_be_visible()
        page.mouse.move(5, 5)
        page.mouse.move(300, 300)
        assert page.evaluate("window.__xss") is None, VECTORS[position - 1]
        # The content security policy would stop inline script anyway: check the markup too.
        hostile = page.locator(
            "main :is(script, iframe, svg[onload], [onerror], [onclick], [onmouseover], [style],"
            " a[href^='javascript'])"
        )
        expect(hostile).to_have_count(0)
    context.close()
