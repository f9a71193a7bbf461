"""Register, sign out and sign in again in real headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "measure twice, cut once"


def test_register_log_out_and_log_in(live_server, page):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Create a free account").click()

    page.get_by_label("Email").fill("maria@example.org")
    page.get_by_label("Display name").fill("Maria")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")

    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("maria@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect email or password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Maria")).to_be_visible()
    assert page.console_errors == [], "CSP violations or script errors in the console"


def test_form_errors_show_next_to_fields(live_server, page):
    page.goto(live_server + "/register")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Display name").fill("X")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Create account").click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text("Enter a valid email address.")
    expect(page.locator("#new_password-error")).to_contain_text("at least 12")


def test_keyboard_user_can_skip_to_content_and_open_the_menu(live_server, page):
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    # Bootstrap's own script (served by the app, no inline script) opens the collapsed menu.
    menu_button = page.get_by_role("button", name="Show or hide the menu")
    menu_button.click()
    expect(page.get_by_role("link", name="Create account")).to_be_visible()
    assert re.search(r"true", menu_button.get_attribute("aria-expanded"))
    assert page.console_errors == []
