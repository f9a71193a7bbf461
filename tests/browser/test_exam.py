"""A 5-question exam in headless Chromium, with the keyboard only, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"


@pytest.fixture
def five_question_test(make_user, make_bank, make_blueprint):
    make_bank("demo", n_questions=5)
    make_blueprint("demo-test", bank="demo", questions=5)
    return make_user(password=PASSWORD)


def _sign_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()


def _tab_to(page, predicate, limit=80):
    """Press Tab until the focused element satisfies `predicate` (a JS function body)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate}; }}"):
            return
    raise AssertionError(f"could not reach {predicate} with the keyboard")


def _choose_with_arrows(page, prefix):
    """With a radio focused, press arrow keys until the option starting with prefix is checked."""
    for _ in range(6):
        label = page.evaluate(
            "() => document.querySelector(`label[for='${document.activeElement.id}']`).innerText"
        )
        if label.strip().split(" ", 1)[-1].startswith(prefix):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option starting with {prefix}; last label {label!r}")


def _question_number(page):
    return int(re.search(r"Question (\d+) of 5", page.content()).group(1))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_keyboard_only_exam_with_reload(browser, live_server, five_question_test, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _sign_in(page, live_server, five_question_test)

    page.goto(live_server + "/practice")
    _tab_to(page, "el.tagName === 'BUTTON' && el.innerText.startsWith('Start')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Question 1 of 5")).to_be_visible()

    answers = {}
    for step in range(5):
        number = _question_number(page)
        stem = page.locator("legend.question-stem").inner_text()
        n = int(re.search(r"number (\d+)", stem).group(1))
        choice = "right" if step < 3 else "wrong"
        answers[number] = f"{choice} {n}"
        _tab_to(page, "el.type === 'radio'")
        _choose_with_arrows(page, f"{choice} {n}")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # the form's default button: Next (or Review)
        if step == 2:
            # Mid-way: reload, go back to the question just answered, and find the answer kept.
            page.reload()
            _tab_to(page, "el.tagName === 'BUTTON' && el.innerText === 'Previous'")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            checked = page.locator("input[type=radio]:checked")
            expect(checked).to_have_count(1)
            label = page.locator(f"label[for='{checked.get_attribute('id')}']")
            expect(label).to_contain_text(answers[number])
            _tab_to(page, "el.tagName === 'BUTTON' && el.innerText === 'Next'")
            with page.expect_navigation():
                page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Review before you submit")).to_be_visible()
    expect(page.get_by_text("You answered every question.")).to_be_visible()
    _tab_to(page, "el.innerText === 'Submit the test'")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#score-percent")).to_have_text("60%")
    expect(page.get_by_text("Not passed")).to_be_visible()
    expect(page.get_by_text("Correct answer:")).to_have_count(5)
    for your_answer in answers.values():
        expect(page.locator(".feedback", has_text=f"Your answer: {your_answer}")).to_have_count(1)
    assert errors == []
    context.close()
