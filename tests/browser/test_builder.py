"""The custom-test builder in Chromium: "All of X" ticks its topics; errors take the focus."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"


def test_whole_bank_ticks_its_topics_and_errors_take_the_focus(
    browser, live_server, make_user, make_bank
):
    make_bank("demo", n_questions=12, topic_split=6)
    student = make_user(password=PASSWORD)
    page = browser.new_context().new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Hello"))).to_be_visible()

    page.goto(live_server + "/practice/custom")
    page.get_by_role("spinbutton", name="Number of questions").fill("500")
    page.get_by_role("button", name="Start the test").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose at least one bank or topic.")
    summary.get_by_role("link", name="Choose at least one bank or topic.").click()
    expect(page).to_have_url(re.compile("#topics-choice$"))

    whole = page.get_by_role("checkbox", name=re.compile("^All of Demo bank demo"))
    topics = [
        page.get_by_role("checkbox", name=re.compile(f"^Topic {t} ")) for t in ("A", "A1", "B")
    ]
    whole.check()
    for topic in topics:
        expect(topic).to_be_checked()
    topics[2].uncheck()
    expect(whole).not_to_be_checked()
    expect(topics[0]).to_be_checked()
    assert errors == []
