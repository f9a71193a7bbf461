"""Destructive actions ask first: a dialog with JavaScript, a confirmation page without it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"
QUESTION = "Leave the class 'MA 101 evening' of Ms Teacher?"


@pytest.fixture
def enrolled_student(make_user, make_class):
    student = make_user(password=PASSWORD)
    make_class(
        make_user("instructor", display_name="Ms Teacher"),
        students=(student,),
        name="MA 101 evening",
    )
    return student


def _sign_in(page, live_server, user):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()


def test_leaving_a_class_asks_in_a_dialog(browser, live_server, enrolled_student):
    page = browser.new_context().new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    _sign_in(page, live_server, enrolled_student)
    page.goto(live_server + "/classes")
    leave = page.get_by_role("link", name="Leave MA 101 evening")
    leave.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=QUESTION)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ms Teacher will no longer see your results")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(leave).to_be_focused()
    assert page.url == live_server + "/classes"  # nothing happened

    leave.click()
    page.get_by_role("button", name="Leave the class").click()
    expect(page.get_by_text("You left MA 101 evening.")).to_be_visible()
    expect(page.get_by_role("link", name="Leave MA 101 evening")).to_have_count(0)
    assert errors == []


def test_leaving_a_class_without_javascript_shows_a_page(browser, live_server, enrolled_student):
    page = browser.new_context(java_script_enabled=False).new_page()
    _sign_in(page, live_server, enrolled_student)
    page.goto(live_server + "/classes")
    page.get_by_role("link", name="Leave MA 101 evening").click()
    expect(page.get_by_role("heading", level=1, name=QUESTION)).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("link", name="Leave MA 101 evening")).to_be_visible()
    page.get_by_role("link", name="Leave MA 101 evening").click()
    page.get_by_role("button", name="Leave the class").click()
    expect(page.get_by_text("You left MA 101 evening.")).to_be_visible()
