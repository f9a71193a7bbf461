"""Word-part flashcards in real headless Chromium, by keyboard only."""

import pytest
from playwright.sync_api import expect

from quizapp.extensions import db
from quizapp.review.flashcards import parse_word_parts, sync_word_parts
from tests.browser.conftest import tab_to

pytestmark = pytest.mark.browser

WORD_PARTS = """format: 1
word_parts:
  - {part: brady-, meanings: [slow], example: bradycardia}
  - {part: -itis, meanings: [inflammation], example: arthritis}
"""


def test_flashcards_by_keyboard_only(app, live_server, page, make_user):
    with app.app_context():
        sync_word_parts(parse_word_parts(WORD_PARTS))
        db.session.commit()
    student = make_user()
    page.goto(live_server + "/login")
    tab_to(page, "el.id === 'email'")
    page.keyboard.type(student.email)
    page.keyboard.press("Tab")
    page.keyboard.type(student.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Student 1")).to_be_visible()

    tab_to(page, "el.textContent.trim() === 'Review'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Today's review")).to_be_visible()
    tab_to(page, "el.textContent.trim() === 'Word-part flashcards'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Word-part flashcards", level=1)).to_be_visible()
    expect(page.get_by_text("What does the prefix brady- mean?")).to_be_visible()
    answer = page.get_by_label("Your answer")
    expect(answer).to_be_focused()  # the answer field is ready to type in
    page.keyboard.type("Slow")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Right: brady- means slow")

    expect(page.get_by_text("What does the suffix -itis mean?")).to_be_visible()
    expect(answer).to_be_focused()
    page.keyboard.type("infection")
    tab_to(page, "el.type === 'submit' && el.textContent.trim() === 'Check'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Not quite (you typed “infection”)")
    expect(page.get_by_role("alert")).to_contain_text("-itis means inflammation")

    # The other way round: the meaning is shown, the part typed.
    expect(page.get_by_text("Which prefix means slow?")).to_be_visible()
    page.keyboard.type("brady-")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Right")
    assert page.console_errors == [], "CSP violations or script errors in the console"
