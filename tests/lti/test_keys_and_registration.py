"""The tool's key (encrypted at rest, rotatable, published), role mapping, and the admin's
registration page."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.auth.models import Role
from quizapp.extensions import db
from quizapp.lti import keys
from quizapp.lti.models import LtiPlatform, LtiToolKey
from quizapp.lti.roles import lms_role

SECRET = "a-secret-key-of-at-least-thirty-two-characters"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], Role.STUDENT),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], Role.INSTRUCTOR),
        (
            ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"],
            Role.INSTRUCTOR,
        ),
        (["Instructor"], Role.INSTRUCTOR),  # the deprecated short form
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"], Role.STUDENT),
        ([], Role.STUDENT),
        (None, Role.STUDENT),
        ([42, None], Role.STUDENT),
    ],
)
def test_lms_roles(roles, expected):
    assert lms_role(roles) == expected


@pytest.mark.usefixtures("app_ctx")
def test_the_private_key_is_stored_encrypted_and_only_readable_with_the_secret():
    key = keys.create_key(secret_key=SECRET, now=NOW)
    assert "ENCRYPTED PRIVATE KEY" in key.private_pem_encrypted
    assert "BEGIN PRIVATE KEY" in keys.private_pem(key, secret_key=SECRET)
    with pytest.raises(ValueError):
        keys.private_pem(key, secret_key="another-secret-key-of-thirty-two-chars")


@pytest.mark.usefixtures("app_ctx")
def test_rotation_signs_with_the_new_key_and_keeps_the_old_published():
    first = keys.signing_key(secret_key=SECRET, now=NOW)
    assert keys.signing_key(secret_key=SECRET, now=NOW).kid == first.kid  # made once
    second = keys.create_key(secret_key=SECRET, now=NOW)
    assert keys.signing_key(secret_key=SECRET, now=NOW).kid == second.kid
    published = [k["kid"] for k in keys.jwks()["keys"]]
    assert published == [second.kid, first.kid]
    assert all(set(k) >= {"kty", "n", "e", "kid", "alg", "use"} for k in keys.jwks()["keys"])
    for _ in range(3):
        keys.create_key(secret_key=SECRET, now=NOW)
    assert len(keys.jwks()["keys"]) == 1 + keys.PUBLISHED_RETIRED_KEYS
    assert first.kid not in [k["kid"] for k in keys.jwks()["keys"]]


def test_jwks_endpoint_makes_the_key_once(app, client):
    first = client.get("/lti/jwks").get_json()
    assert client.get("/lti/jwks").get_json() == first
    assert "d" not in first["keys"][0]  # public half only
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiToolKey)) == 1


def test_admin_registers_a_platform_and_sees_the_tools_urls(app, client, auth, make_user):
    auth.login(make_user("admin"))
    page = client.get("/lti/platforms").get_data(as_text=True)
    for url in ("/lti/login", "/lti/launch", "/lti/jwks"):
        assert f"https://exam.school.example{url}" in page
    form = {
        "name": "College Moodle",
        "issuer": "https://moodle.college.example",
        "client_id": "abc123",
        "deployment_ids": "1\n2",
        "auth_login_url": "https://moodle.college.example/mod/lti/auth.php",
        "auth_token_url": "https://moodle.college.example/mod/lti/token.php",
        "key_set_url": "https://moodle.college.example/mod/lti/certs.php",
    }
    assert client.post("/lti/platforms", data=form).status_code == 302
    again = client.post("/lti/platforms", data=form)
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)
    bad = client.post("/lti/platforms", data=form | {"client_id": "x", "key_set_url": "nope"})
    assert bad.status_code == 400
    with app.app_context():
        platform = db.session.scalar(sa.select(LtiPlatform))
        assert platform.deployment_ids == ["1", "2"]
        platform_id = platform.id
    assert client.post(f"/lti/platforms/{platform_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(LtiPlatform)) is None


def test_rotating_from_the_page(app, client, auth, make_user):
    auth.login(make_user("admin"))
    client.get("/lti/platforms")
    assert client.post("/lti/keys/rotate").status_code == 302
    assert len(client.get("/lti/jwks").get_json()["keys"]) == 2
