"""axe-core on every page a student, an instructor and an administrator reach, on a desktop and
a phone: no serious or critical violation anywhere.

One seeded site, one server and one browser for the whole module; one signed-in context per
role and width. axe-core comes with axe-playwright-python, so nothing is fetched at test time.
"""

import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from quizapp import create_app
from quizapp.extensions import db
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path
from tests.browser.site import PAGES, seed_site, sign_in

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}
BLOCKING = {"serious", "critical"}
# Every rule axe runs by default (WCAG 2.x A and AA, best practices); serious and critical
# findings fail a test.
AXE_OPTIONS = {"resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def site_app(tmp_path_factory):
    class AxeConfig(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('axe') / 'site.sqlite'}"

    app = create_app(AxeConfig)
    site = seed_site(app)
    yield app, site
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def site_server(site_app):
    app, site = site_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", site
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def site_browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def contexts(site_server, site_browser):
    """`contexts(role, width)`: a browser context of that size, signed in as that role (kept
    for the module; options such as color_scheme make a context of their own)."""
    base_url, site = site_server
    accounts = {"student": site.student, "instructor": site.instructor, "admin": site.admin}
    opened = {}

    def get(role: str, width: str, **options):
        key = (role, width, *sorted(options.items()))
        if key not in opened:
            context = site_browser.new_context(viewport=WIDTHS[width], **options)
            if role != "anonymous":
                sign_in(context, base_url, accounts[role])
            opened[key] = context
        return opened[key]

    return get


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


# Ids that aria-describedby, aria-labelledby and aria-controls point to but nobody has.
MISSING_REFERENCES = """() => [...document.querySelectorAll(
    '[aria-describedby], [aria-labelledby], [aria-controls]')].flatMap(el =>
  ['aria-describedby', 'aria-labelledby', 'aria-controls'].flatMap(attr =>
    (el.getAttribute(attr) || '').split(/\\s+/).filter(id => id && !document.getElementById(id))
      .map(id => `${el.tagName.toLowerCase()}[${attr}=${id}]`)))"""


ERROR_PAGES = {"not-found": 404, "forbidden": 403, "lti-refused": 400}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe(site_server, contexts, name, width):
    base_url, site = site_server
    role = PAGES[name][0]
    path = site.path(name)
    page = contexts(role, width).new_page()
    try:
        response = page.goto(base_url + path)
        # The page itself, not a redirect to the sign-in page or an error in its place.
        assert response.url == base_url + path
        assert response.status == ERROR_PAGES.get(name, 200)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        missing = page.evaluate(MISSING_REFERENCES)
        results = Axe().run(page, options=AXE_OPTIONS)
    finally:
        page.close()
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name} at {width} ({path}):\n{describe(blocking)}"
    assert not missing, f"{name} at {width}: references to missing ids: {missing}"
    # Wide content scrolls inside its own region; the page itself never scrolls sideways.
    assert overflow <= 0, f"{name} at {width} is {overflow}px wider than the screen"


def test_menu_is_reachable_on_a_phone_without_javascript(site_server, contexts):
    base_url, _ = site_server
    page = contexts("student", "mobile", java_script_enabled=False).new_page()
    page.goto(base_url + "/")
    menu = page.get_by_role("navigation", name="Main")
    for link in ("Practice", "My progress", "Classes", "Question banks"):
        expect(menu.get_by_role("link", name=link)).to_be_visible()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    # The toggle needs Bootstrap's script: without it, it would be a button that does nothing.
    expect(page.get_by_role("button", name="Show or hide the menu")).to_be_hidden()
    page.close()


DARK_PAGES = [
    "login",
    "question-exam",
    "question-tutor-feedback",
    "results",
    "class-report",
    "assignment-report",
]


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
@pytest.mark.parametrize("name", DARK_PAGES)
def test_dark_mode_passes_axe_with_and_without_our_scripts(site_server, contexts, name, scripts):
    """The dark palette follows the system in CSS alone; theme.js only mirrors it for Bootstrap.
    (Without scripts the page's own .js files are blocked: axe itself needs JavaScript.)"""
    base_url, site = site_server
    page = contexts(PAGES[name][0], "desktop", color_scheme="dark").new_page()
    if not scripts:
        page.route("**/*.js", lambda route: route.abort())
    try:
        page.goto(base_url + site.path(name))
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        results = Axe().run(page, options=AXE_OPTIONS)
    finally:
        page.close()
    assert background == "rgb(18, 26, 34)", "the page is not dark"
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name} in dark mode:\n{describe(blocking)}"
