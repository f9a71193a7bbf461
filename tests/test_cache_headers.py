"""No browser or proxy may keep a page; static files stay cacheable."""

import pytest

from config import TestingConfig
from quizapp import create_app
from tests.test_access_control import EXPECTED, api_token, url_with_real_ids

STATIC_ENDPOINTS = {"static", "bootstrap.static"}


def _get_endpoints():
    app = create_app(TestingConfig)
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods})


@pytest.mark.parametrize("endpoint", _get_endpoints())
def test_signed_in_pages_are_never_stored(
    app, client, auth, make_user, make_bank, make_blueprint, start_attempt, make_class, endpoint
):
    student = make_user("student")
    instructor = make_user("instructor")
    make_bank("demo")
    make_blueprint("demo-test", bank="demo")
    auth.login(instructor)
    url = url_with_real_ids(
        app,
        endpoint,
        instructor,
        instructor,
        student,
        start_attempt=start_attempt,
        make_class=make_class,
    )
    # The API answers a bearer token, not the session (test_access_control does the same).
    headers = {"Authorization": f"Bearer {api_token(app, instructor)[1]}"}
    response = client.get(url, headers=headers if endpoint.startswith("api.") else {})
    response.close()
    assert response.status_code == EXPECTED[("GET", endpoint)]["instructor"], url
    if endpoint in STATIC_ENDPOINTS:
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
    else:
        assert response.headers["Cache-Control"] == "no-store", url


def test_anonymous_pages_and_error_pages_are_never_stored(client):
    for url in ("/", "/login", "/register", "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
