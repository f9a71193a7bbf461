"""Register, sign in and out, passwords and reset links through the test client."""

import logging
import re

import pytest
import sqlalchemy as sa

from config import TestingConfig
from quizapp.auth.models import User
from quizapp.extensions import db

NEW_PASSWORD = "a brand new passphrase"


def _register(client, email="new@example.org", password="measure twice, cut once", **extra):
    data = {
        "email": email,
        "display_name": "New Student",
        "new_password": password,
        "confirm_password": password,
        **extra,
    }
    return client.post("/register", data=data)


def _session_cookie(client):
    return client.get_cookie("session")


def test_register_signs_the_new_student_in(client, app):
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hello, New Student" in page
    assert "Your account is ready" in page
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.email, user.role) == ("new@example.org", "student")


def test_register_with_taken_email_in_other_case(client, make_user):
    make_user(email="taken@example.org")
    response = _register(client, email="TAKEN@Example.org")
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "message"),
    [("too short", "at least 12"), ("new@example.org", "email address")],
)
def test_register_with_weak_password(client, app, password, message):
    response = _register(client, password=password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_register_with_mismatched_confirmation(client):
    response = _register(client, confirm_password="something else entirely")
    assert "do not match" in response.get_data(as_text=True)


def test_register_ignores_a_role_sent_by_the_form(client, app):
    _register(client, role="admin")
    with app.app_context():
        assert db.session.scalar(sa.select(User.role)) == "student"


def test_login_and_logout(client, auth, make_user):
    user = make_user()
    response = auth.login(user)
    assert response.status_code == 302
    assert "Welcome back" in client.get("/").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "You are signed out" in page
    assert client.get("/account/password").status_code == 302


def test_wrong_password(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 200
    assert "Incorrect email or password" in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302


def test_throttled_after_five_failures(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong password!"})
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in text
    assert "15 minutes" in text
    assert client.get("/account/password").status_code == 302


def test_next_redirect_stays_on_this_site(auth, make_user):
    user = make_user()
    assert auth.login(user, next_url="/account/password").headers["Location"] == "/account/password"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_open_redirect_attempt_goes_home(auth, make_user, target):
    response = auth.login(make_user(), next_url=target)
    assert response.headers["Location"] == "/"


def test_protected_page_sends_anonymous_users_to_login_with_next(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount%2Fpassword"


def test_session_is_rotated_at_login(client, auth, make_user):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(make_user())
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session
    cookie = _session_cookie(client)
    assert cookie.http_only and cookie.same_site == "Lax"


def test_cookie_replayed_after_logout_is_refused(client, auth, make_user):
    auth.login(make_user())
    stolen = _session_cookie(client).value
    auth.logout()
    client.set_cookie("session", stolen)
    assert client.get("/account/password").status_code == 302


def test_remember_cookie_is_http_only_and_revoked_by_password_change(app, client, auth, make_user):
    user = make_user()
    auth.login(user, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only and remember.same_site == "Lax"
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/account/password").status_code == 200
    client.post(
        "/account/password",
        data={
            "current_password": user.password,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/account/password").status_code == 302


def test_change_password_keeps_this_session(client, auth, make_user):
    user = make_user()
    auth.login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": user.password,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Other devices have been signed out" in client.get("/").get_data(as_text=True)
    assert client.get("/account/password").status_code == 200
    auth.logout()
    response = client.post("/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_change_password_with_wrong_current_password(client, auth, make_user):
    user = make_user()
    auth.login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "current password is not correct" in response.get_data(as_text=True)


def test_forgot_password_without_mail_explains_whom_to_ask(client):
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "Ask your instructor or the site administrator" in page
    assert 'name="email"' not in page


class MailToLogConfig(TestingConfig):
    MAIL_TO_LOG = True


@pytest.mark.parametrize("config_class", [MailToLogConfig])
def test_forgot_password_mails_a_link_that_works_once(client, make_user, caplog):
    user = make_user()
    caplog.set_level(logging.INFO, logger="quizapp")
    response = client.post("/forgot-password", data={"email": user.email.upper()})
    assert response.status_code == 302
    assert "If an account uses that email" in client.get("/login").get_data(as_text=True)
    link = re.search(r"https://exam\.school\.example(/reset-password/\S+)", caplog.text).group(1)

    assert client.get(link).status_code == 200
    data = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    response = client.post(link, data=data)
    assert response.headers["Location"] == "/"
    assert client.get("/account/password").status_code == 200

    response = client.get(link)
    assert response.status_code == 302
    assert "already been used" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("config_class", [MailToLogConfig])
def test_forgot_password_link_ignores_a_forged_host_header(client, make_user, caplog):
    user = make_user()
    caplog.set_level(logging.INFO, logger="quizapp")
    client.post("/forgot-password", data={"email": user.email}, base_url="http://evil.example")
    assert "https://exam.school.example/reset-password/" in caplog.text
    assert "evil.example" not in caplog.text


@pytest.mark.parametrize("config_class", [MailToLogConfig])
def test_forgot_password_for_unknown_email_says_the_same_and_sends_nothing(client, caplog):
    caplog.set_level(logging.INFO, logger="quizapp")
    response = client.post("/forgot-password", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert "If an account uses that email" in client.get("/login").get_data(as_text=True)
    assert "reset-password" not in caplog.text


def test_forged_reset_link_is_refused(client):
    response = client.get("/reset-password/forged.token")
    assert response.status_code == 302
    assert "not valid" in client.get(response.headers["Location"]).get_data(as_text=True)
