"""A live server and Debian's Chromium driven by Playwright, for tests as a person would do them."""

import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Chromium may drop a connection while the development server streams a static file (a new page
# cancels the favicon); the server then leaves the file to the garbage collector, which warns.
DROPPED_STATIC_FILE_WARNINGS = [
    "ignore:unclosed file <_io.BufferedReader name='.*/static/:ResourceWarning",
    "ignore:Exception ignored in. <_io.FileIO name='.*/static/"
    ":pytest.PytestUnraisableExceptionWarning",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            for rule in DROPPED_STATIC_FILE_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(rule))


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed; `make test` installs it.")
    return path


@pytest.fixture
def config_class(tmp_path):
    class BrowserConfig(TestingConfig):
        # A real browser submits real forms: CSRF on, as in production.
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'browser.sqlite'}"

    return BrowserConfig


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies `predicate` (a JS expression on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate}; }}"):
            return
    raise AssertionError(f"could not reach {predicate} with the keyboard")
