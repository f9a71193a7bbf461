"""A sectioned test taken end to end in headless Chromium without JavaScript: four timed parts,
a break between them, a finished part locked, and a confirmation before the final submit."""

import re

import pytest
from playwright.sync_api import expect

from quizapp.banks.loader import parse_blueprint
from quizapp.banks.services import sync_blueprint
from quizapp.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"

SECTIONED = """\
format: 1
blueprint:
  id: sectioned-demo
  title: Sectioned demo
  time_limit_minutes: 20
  passing_percent: 70
  sections: [{bank: demo, questions: 6}]
  segments:
    - {title: Part 1, minutes: 5, questions: 2}
    - {title: Part 2, minutes: 5, questions: 2}
    - {title: Part 3, minutes: 5, questions: 1}
    - {title: Part 4, minutes: 5, questions: 1}
"""


@pytest.fixture
def student(app, make_user, make_bank):
    make_bank("demo", n_questions=6)
    with app.app_context():
        sync_blueprint(parse_blueprint(SECTIONED))
        db.session.commit()
    return make_user(password=PASSWORD)


def _answer_right(page):
    n = re.search(r"number (\d+)", page.locator("legend.question-stem").inner_text()).group(1)
    page.get_by_label(re.compile(rf"right {n}$")).check()


def test_a_sectioned_test_without_javascript(browser, live_server, student):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/practice")
    page.get_by_role("button", name=re.compile("^Start")).first.click()
    first_question_url = page.url

    sizes = [2, 2, 1, 1]
    for number, size in enumerate(sizes, start=1):
        expect(page.get_by_text(f"Part {number} (section {number} of 4)")).to_be_visible()
        expect(page.locator(".navigator-panel li")).to_have_count(size)
        for step in range(size):
            if number < 4:  # the last question is left unanswered
                _answer_right(page)
            name = "Next" if step < size - 1 else "Review and submit"
            page.get_by_role("button", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=f"Review Part {number}")).to_be_visible()
        if number < 4:
            page.get_by_role("button", name=f"Finish Part {number}").click()
            expect(
                page.get_by_role(
                    "heading", name=f"Section {number + 1} of 4 starts when you are ready"
                )
            ).to_be_visible()
            expect(page.get_by_text("you have 5 minutes")).to_be_visible()
            page.get_by_role("button", name=f"Start Part {number + 1}").click()
        if number == 2:
            page.goto(first_question_url)  # part 1 is locked: no going back
            expect(page.get_by_text("in a finished section, which is locked")).to_be_visible()
            expect(page.get_by_text("Part 3 (section 3 of 4)")).to_be_visible()

    # Part 4 has an unanswered question: the submit asks first, on a page of its own.
    page.get_by_role("link", name="Submit the test").click()
    expect(page.get_by_role("heading", name="Submit the test?")).to_be_visible()
    expect(page.get_by_text("1 question not answered")).to_be_visible()
    expect(page.get_by_text("You cannot change answers after submitting")).to_be_visible()
    page.get_by_role("button", name="Submit anyway").click()

    expect(page.get_by_role("heading", name="Sectioned demo: results")).to_be_visible()
    expect(page.locator("#score-percent")).to_have_text("83%")
    expect(page.locator(".question-time")).to_have_count(6)
    context.close()


def test_with_javascript_the_submit_confirmation_is_a_dialog(
    browser, live_server, student, make_blueprint
):
    make_blueprint("demo-test", bank="demo", questions=3)
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/practice")
    page.locator("form", has=page.get_by_text("Demo test")).get_by_role(
        "button", name=re.compile("^Start")
    ).click()
    page.get_by_role("button", name="Review and submit").first.click()
    # The dialog comes with the page's script: a click before it runs opens the no-JavaScript
    # confirmation page instead (by design), which a loaded machine can make the test do.
    page.wait_for_load_state("load")
    review_url = page.url
    page.get_by_role("link", name="Submit the test").click()
    dialog = page.get_by_role("dialog", name="Submit the test?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("3 questions not answered")).to_be_visible()
    dialog.get_by_role("button", name="Keep working").click()
    expect(dialog).to_be_hidden()
    assert page.url == review_url  # the link's page was not opened
    page.get_by_role("link", name="Submit the test").click()
    dialog.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_role("heading", name="Demo test: results")).to_be_visible()
    assert errors == []
    context.close()
