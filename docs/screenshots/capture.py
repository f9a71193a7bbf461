"""Photograph the main screens into docs/screenshots/ (run by `make screenshots`).

Seeds a throwaway database with the demo site the accessibility tests walk
(tests/browser/site.py), serves it on a free local port and drives Debian's Chromium with the
flags the browser tests use. Screens are the visible window only, so the files stay small.
"""

import logging
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from quizapp import create_app
from tests.browser.site import seed_site, sign_in

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

# (file name, who, page of tests/browser/site.py, viewport, colour scheme)
SHOTS = [
    ("home", "student", "student-home", DESKTOP, "light"),
    ("question-exam", "student", "question-exam", DESKTOP, "light"),
    ("question-exam-mobile", "student", "question-exam", MOBILE, "light"),
    ("question-exam-dark", "student", "question-exam", DESKTOP, "dark"),
    ("tutor-feedback", "student", "question-tutor-feedback", DESKTOP, "light"),
    ("tutor-feedback-mobile", "student", "question-tutor-feedback", MOBILE, "light"),
    ("results", "student", "results", DESKTOP, "light"),
    ("progress", "student", "progress", DESKTOP, "light"),
    ("class-report", "instructor", "class-report", DESKTOP, "light"),
    ("item-analysis", "instructor", "item-analysis", DESKTOP, "light"),
    ("upload-preview", "instructor", "upload-preview", DESKTOP, "light"),
]


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian's chromium is needed: `make chromium` installs it.", file=sys.stderr)
        return 1
    logging.disable(logging.INFO)  # not a line per seeded account and request
    with tempfile.TemporaryDirectory() as folder:

        class ScreenshotConfig(TestingConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(folder) / 'screens.sqlite'}"

        app = create_app(ScreenshotConfig)
        site = seed_site(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{server.server_port}"
        accounts = {"student": site.student, "instructor": site.instructor}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for name, role, page_name, viewport, scheme in SHOTS:
                    context = browser.new_context(viewport=viewport, color_scheme=scheme)
                    sign_in(context, base_url, accounts[role])
                    page = context.new_page()
                    page.goto(base_url + site.path(page_name))
                    page.wait_for_load_state("networkidle")
                    path = HERE / f"{name}.png"
                    page.screenshot(path=path, animations="disabled", caret="hide")
                    print(f"{path.relative_to(HERE.parents[1])}: {path.stat().st_size // 1024} KiB")
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
