"""No browser or proxy may keep a page; static files stay cacheable."""

import pytest
from flask import url_for

from config import TestingConfig
from quizapp import create_app
from tests.test_access_control import EXPECTED, URL_VALUES, staff_placeholders

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
    placeholders = {
        "target": student.id,
        "own_attempt": start_attempt(instructor),
        "class": make_class(instructor, students=(student,)),
        "enrolled": student.id,
        **staff_placeholders(app, instructor, instructor, student),
    }
    values = {
        key: placeholders.get(value, value) if isinstance(value, str) else value
        for key, value in URL_VALUES.get(endpoint, {}).items()
    }
    with app.test_request_context():
        url = url_for(endpoint, **values)
    response = client.get(url)
    response.close()
    assert response.status_code == EXPECTED[("GET", endpoint)]["instructor"], url
    if endpoint in STATIC_ENDPOINTS:
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
    else:
        assert response.headers["Cache-Control"] == "no-store", url


def test_anonymous_pages_and_error_pages_are_never_stored(client):
    for url in ("/", "/login", "/register", "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
