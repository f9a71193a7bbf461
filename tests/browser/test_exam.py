"""A 5-question exam in headless Chromium, with the keyboard only, with and without JavaScript."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.exams.models import Attempt
from quizapp.extensions import db
from tests.browser.conftest import tab_to
from tests.exams.conftest import MIXED_BANK, MIXED_BLUEPRINT, START

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


def _start_first_test(page, live_server, user):
    """Sign in and start the first practice test in exam mode; the page is on its question."""
    _sign_in(page, live_server, user)
    page.goto(live_server + "/practice")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Start")).first.click()


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
    tab_to(page, "el.tagName === 'BUTTON' && el.innerText.startsWith('Start')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Question 1 of 5")).to_be_visible()
    # The shortcuts' help is a script's: without JavaScript it is not offered.
    help_button = page.get_by_role("button", name=re.compile("^Shortcuts"))
    expect(help_button).to_be_visible() if javascript else expect(help_button).to_be_hidden()
    # A 10-minute test: without JavaScript its time is static, and says so.
    note = page.get_by_text("left when the page loaded")
    expect(note).to_have_count(0) if javascript else expect(note).to_be_visible()

    answers = {}
    for step in range(5):
        number = _question_number(page)
        stem = page.locator("legend.question-stem").inner_text()
        n = int(re.search(r"number (\d+)", stem).group(1))
        choice = "right" if step < 3 else "wrong"
        answers[number] = f"{choice} {n}"
        tab_to(page, "el.type === 'radio'")
        _choose_with_arrows(page, f"{choice} {n}")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # the form's default button: Next (or Review)
        if step == 2:
            # Mid-way: reload, go back to the question just answered, and find the answer kept.
            page.reload()
            tab_to(page, "el.tagName === 'BUTTON' && el.innerText === 'Previous'")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            checked = page.locator("input[type=radio]:checked")
            expect(checked).to_have_count(1)
            label = page.locator(f"label[for='{checked.get_attribute('id')}']")
            expect(label).to_contain_text(answers[number])
            tab_to(page, "el.tagName === 'BUTTON' && el.innerText === 'Next'")
            with page.expect_navigation():
                page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Review before you submit")).to_be_visible()
    expect(page.get_by_text("You answered every question.")).to_be_visible()
    tab_to(page, "el.innerText === 'Submit the test'")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#score-percent")).to_have_text("60%")
    expect(page.get_by_text("Not passed")).to_be_visible()
    # Every option listed, the key and the student's choice marked in words.
    expect(page.locator(".option-list .keyed")).to_have_count(5)
    for your_answer in answers.values():
        chosen = page.locator(".option-list li", has_text=your_answer)
        expect(chosen).to_contain_text("Your answer")
    assert errors == []
    context.close()


def _option_letter(page, prefix):
    """The letter of the option whose text starts with prefix."""
    labels = page.locator(".answer-choice .choice-text").all_inner_texts()
    index = next(i for i, text in enumerate(labels) if text.startswith(prefix))
    return "abcde"[index]


def test_shortcuts_strike_help_and_submit(browser, live_server, five_question_test):
    """Answers with the keyboard shortcuts only, strikes an option, reads the help dialog."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _sign_in(page, live_server, five_question_test)
    page.goto(live_server + "/practice")
    tab_to(page, "el.tagName === 'BUTTON' && el.innerText.startsWith('Start')")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The first Tab reaches the first option.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "choice-1"
    page.keyboard.press("Shift+Tab")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Next question")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # The calculator: typed letters and Enter stay in it (no shortcut, no form post).
    page.get_by_role("button", name="Calculator").press("Enter")
    calculator = page.get_by_role("dialog", name="Calculator")
    expect(calculator).to_be_visible()
    page.keyboard.type("250 * 2 / 5 n")
    page.keyboard.press("Enter")
    expect(calculator.locator("output")).to_have_text(re.compile("Cannot calculate"))
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    expect(calculator.locator("output")).to_have_text("Result: 100")
    assert _question_number(page) == 1
    page.keyboard.press("Escape")
    expect(calculator).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "calculator-open"

    # Highlighting in the question: a selection becomes a mark, kept over a reload (this tab).
    page.get_by_role("button", name="Highlight").click()
    page.evaluate(
        """() => {
            const text = document.getElementById("question-stem").firstChild;
            const range = document.createRange();
            range.setStart(text, 5);
            range.setEnd(text, 13);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            text.parentNode.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }"""
    )
    expect(page.locator("#question-stem mark")).to_have_text("question")
    page.reload()
    expect(page.locator("#question-stem mark")).to_have_text("question")

    for step in range(5):
        number = _question_number(page)
        n = int(re.search(r"number (\d+)", page.locator("#question-stem").inner_text()).group(1))
        if step == 0:
            # Strike a wrong option with the keyboard; it is saved and survives a reload.
            tab_to(
                page,
                "el.classList.contains('strike-toggle') && "
                f"el.closest('.answer-choice').innerText.includes('wrong {n}')",
            )
            page.keyboard.press("Space")
            expect(page.locator(".strike-toggle[aria-pressed=true]")).to_have_count(1)
            expect(page.locator("#autosave-status")).to_contain_text("Saved")
            page.reload()
            struck = page.locator(".answer-choice.struck")
            expect(struck).to_have_count(1)
            expect(struck).to_contain_text(f"wrong {n}")
        page.keyboard.press(_option_letter(page, f"right {n}"))
        expect(page.locator("input[name=answer]:checked")).to_have_count(1)
        expect(page.locator("#autosave-status")).to_contain_text("Saved")
        if step == 1:
            with page.expect_navigation():
                page.keyboard.press("f")
            expect(page.get_by_role("button", name="Remove flag")).to_be_visible()
            expect(page.locator(".exam-bar")).to_contain_text("Flagged")
        with page.expect_navigation():
            page.keyboard.press("n")
        if step < 4:
            assert _question_number(page) == number + 1

    expect(page.get_by_role("heading", name="Review before you submit")).to_be_visible()
    tab_to(page, "el.innerText === 'Submit the test'")
    page.keyboard.press("Enter")
    # A question is flagged: the submit asks first, with "Keep working" focused.
    dialog = page.get_by_role("dialog", name="Submit the test?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep working")).to_be_focused()
    tab_to(page, "el.innerText === 'Submit anyway'", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#score-percent")).to_have_text("100%")
    assert errors == []
    context.close()


def test_a_second_tab_says_why_it_shows_the_other_tabs_answer(
    browser, live_server, five_question_test
):
    """One question open in two tabs: A chosen in the first (autosaved), then B in the second,
    whose revision is stale. The second tab reloads with A and says why, on the page and to
    screen readers, instead of silently undoing B."""
    context = browser.new_context()
    first = context.new_page()
    errors = []
    first.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _start_first_test(first, live_server, five_question_test)
    second = context.new_page()
    second.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    second.goto(first.url)
    n = int(re.search(r"number (\d+)", first.locator("#question-stem").inner_text()).group(1))

    first.get_by_label(f"right {n}").check()
    expect(first.locator("#autosave-status")).to_contain_text("Saved")
    with second.expect_navigation():
        second.get_by_label(f"wrong {n}").click()

    notice = second.locator(".flash-messages").get_by_role("alert")
    expect(notice).to_contain_text("This answer was changed in another tab or window.")
    expect(notice).to_contain_text("The page now shows the saved answer")
    expect(second.get_by_label(f"right {n}")).to_be_checked()
    expect(second.get_by_label(f"wrong {n}")).not_to_be_checked()
    announcer = second.locator("#feedback-announcer")
    expect(announcer).to_have_attribute("aria-live", "assertive")
    expect(announcer).to_contain_text("changed in another tab or window")
    # Choosing again in the reloaded tab saves (it now holds the current revision).
    second.get_by_label(f"wrong {n}").check()
    expect(second.locator("#autosave-status")).to_contain_text("Saved")
    # Only the refused autosave's 409 was logged.
    assert [e for e in errors if "409" not in e] == [], errors
    context.close()


def test_an_incomplete_order_autosaves_and_comes_back(browser, live_server, make_user, app):
    """An ordering question: one position chosen (the rest left) and another item given the
    same position are saved as they are and shown again after a reload; no error."""
    with app.app_context():
        sync_bank(parse_bank(MIXED_BANK), now=START)
        sync_blueprint(parse_blueprint(MIXED_BLUEPRINT))
        db.session.commit()
    user = make_user(password=PASSWORD)
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _start_first_test(page, live_server, user)
    attempt_url = page.url.rsplit("/", 1)[0]
    for position in range(1, 7):
        page.goto(f"{attempt_url}/{position}")
        if page.locator("select[name^=rank-]").count():
            break
    selects = page.locator("select[name^=rank-]")
    for i in range(2):
        with page.expect_response(lambda r: r.url.endswith("/autosave")) as saved:
            selects.nth(i).select_option("2")
        assert saved.value.status == 200
        expect(page.locator("#autosave-status")).to_contain_text("Saved")
    page.reload()
    assert [selects.nth(i).input_value() for i in range(3)] == ["2", "2", ""]
    with page.expect_navigation():
        page.locator(".exam-buttons .btn-primary").click()  # Next, or Review if it is last
    expect(page.locator(".alert")).to_have_count(0)
    assert errors == []
    context.close()


def _right_option(page):
    n = re.search(r"number (\d+)", page.locator("#question-stem").inner_text()).group(1)
    return page.get_by_label(re.compile(rf"right {n}$"))


@pytest.mark.parametrize("where", ["question", "review"])
def test_at_zero_the_countdown_lands_on_the_results(
    app, browser, live_server, five_question_test, where
):
    """A custom test with a one-minute limit, as a student builds it: when the countdown
    reaches zero, on a question or on the review, the student is on the results headed "Time
    is up", with the answer on screen saved and graded."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.clock.install()  # the page's clock, moved on below instead of waiting
    _sign_in(page, live_server, five_question_test)
    page.goto(live_server + "/practice/custom")
    page.get_by_role("checkbox", name=re.compile("^All of Demo bank demo")).check()
    page.get_by_role("spinbutton", name="Number of questions").fill("5")
    page.get_by_label("Time limit in minutes (exam mode)").fill("1")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("#timer-text")).to_have_text(re.compile(r"^(1:00|0:5\d)$"))
    _right_option(page).check()
    if where == "review":
        expect(page.locator("#autosave-status")).to_contain_text("Saved")
        page.get_by_role("button", name="Review and submit").first.click()
        expect(page.get_by_role("heading", name="Review before you submit")).to_be_visible()
        expect(page.locator("#timer-text")).to_have_text(re.compile(r"^(1:00|0:5\d)$"))
    with app.app_context():
        # The server's deadline comes two seconds from now, as the page's countdown reaches
        # zero: it counts from whole seconds, so its zero may come that little early.
        db.session.execute(
            sa.update(Attempt).values(deadline=datetime.now(UTC) + timedelta(seconds=2))
        )
        db.session.commit()
    page.clock.run_for("01:00")
    expect(
        page.get_by_role(
            "heading", name="Time is up — your test was graded with the answers you saved"
        )
    ).to_be_visible()
    expect(page.locator("#score-percent")).to_have_text("20%")
    expect(page.get_by_text("Go back to the questions")).to_have_count(0)
    assert errors == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_tutor_mode_skip_and_flag_keep_the_answer_open(
    browser, live_server, five_question_test, javascript
):
    """Skip and Flag save the chosen answer without checking it; Check answer checks it."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_server, five_question_test)
    page.goto(live_server + "/practice")
    page.get_by_label("Tutor (untimed, feedback)").check()
    page.get_by_role("button", name=re.compile("^Start")).click()
    expect(page.get_by_text("Question 1 of 5")).to_be_visible()
    wrong = re.search(r"number (\d+)", page.locator("#question-stem").inner_text()).group(1)
    page.get_by_label(re.compile(rf"wrong {wrong}$")).check()
    page.get_by_role("button", name="Flag").click()
    expect(page.get_by_role("button", name="Remove flag")).to_be_visible()
    expect(page.locator(".feedback")).to_have_count(0)
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_text("Question 2 of 5")).to_be_visible()
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_text("Question 1 of 5")).to_be_visible()
    chosen = page.get_by_label(re.compile(rf"wrong {wrong}$"))
    expect(chosen).to_be_checked()
    expect(chosen).to_be_enabled()
    expect(page.locator(".feedback")).to_have_count(0)
    expect(page.get_by_text("Score so far: 0 of 0 answered")).to_be_visible()
    _right_option(page).check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator(".feedback .verdict")).to_contain_text("Correct.")
    expect(page.get_by_text("Score so far: 1 of 1 answered")).to_be_visible()
    context.close()
