"""The adaptive readiness check in headless Chromium: without JavaScript, and by keyboard alone."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from quizapp.banks.loader import parse_blueprint
from quizapp.banks.services import sync_blueprint
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from tests.browser.conftest import tab_to
from tests.conftest import blueprint_yaml
from tests.readiness.conftest import ADAPTIVE

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"
MAX_QUESTIONS = 14  # ADAPTIVE's max_items


@pytest.fixture
def student(app, make_user, make_bank):
    make_bank("demo", 60)
    text = blueprint_yaml("ready-test", "demo", 20).replace(
        "sections:", f"adaptive: {ADAPTIVE}, sections:"
    )
    with app.app_context():
        sync_blueprint(parse_blueprint(text))
        db.session.commit()
    return make_user(password=PASSWORD)


def _sign_in(page, live_server, student):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/practice")


def _right_option(page):
    n = re.search(r"number (\d+)", page.locator("#question-stem").inner_text()).group(1)
    return page.get_by_label(re.compile(rf"right {n}$"))


def test_an_adaptive_check_without_javascript(browser, live_server, student):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, student)
    page.get_by_role("button", name=re.compile("^Am I ready?")).click()
    for _ in range(MAX_QUESTIONS):
        if page.get_by_role("heading", name=re.compile("results$")).count():
            break
        expect(page.get_by_text("no going back")).to_be_visible()
        _right_option(page).check()
        page.get_by_role("button", name="Answer and go on").click()
    expect(page.locator("#verdict")).to_have_text("Pass")
    context.close()


def test_an_adaptive_check_by_keyboard_alone(browser, live_server, student):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _sign_in(page, live_server, student)
    tab_to(page, "el.innerText.startsWith('Am I ready?')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(MAX_QUESTIONS):
        if page.get_by_role("heading", name=re.compile("results$")).count():
            break
        right = _right_option(page).get_attribute("id")
        tab_to(page, "el.name === 'answer'")
        for _ in range(6):  # arrow keys move through the radio group and check
            if page.evaluate("() => document.activeElement.id") == right:
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        expect(page.locator(f"#{right}")).to_be_checked()
        with page.expect_navigation():
            page.keyboard.press("Enter")  # submits the form: "Answer and go on"
    expect(page.locator("#verdict")).to_have_text("Pass")
    assert errors == []
    context.close()


def test_the_countdown_runs_and_at_zero_the_server_ends_the_check(
    app, browser, live_server, student
):
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()  # the page's clock, moved on below instead of waiting
    _sign_in(page, live_server, student)
    page.get_by_role("button", name=re.compile("^Am I ready?")).click()
    expect(page.locator("#timer-text")).to_have_text(re.compile(r"^(10:00|9:5\d)$"))
    expect(page.locator("#timer-toggle")).to_be_visible()
    expect(page.locator("#deadline")).to_have_text(re.compile(r"^Ends at \d\d:\d\d UTC$"))
    page.clock.run_for("00:30")
    expect(page.locator("#timer-text")).to_have_text(re.compile(r"^9:[23]\d$"))
    with app.app_context():  # the server's deadline passes (it is the authority) ...
        db.session.execute(
            sa.update(Attempt).values(deadline=datetime.now(UTC) - timedelta(minutes=5))
        )
        db.session.commit()
    page.clock.run_for("10:00")  # ... and the page's countdown reaches zero
    expect(page.locator("#verdict")).to_have_text("Undecided")
    expect(page.get_by_text("ran out of time")).to_be_visible()
    context.close()
