"""Fixtures: a fresh app and in-memory database per test, factories and a sign-in helper."""

from dataclasses import dataclass
from itertools import count

import pytest

from config import TestingConfig
from quizapp import create_app
from quizapp.auth import services
from quizapp.auth.models import Role
from quizapp.extensions import db

DEFAULT_PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class UserInfo:
    """What a test needs of an account, usable outside any app context."""

    id: int
    email: str
    password: str
    role: str
    display_name: str


@pytest.fixture
def config_class():
    """The configuration a test's app is built from; override it in a module to change it."""
    return TestingConfig


@pytest.fixture
def app(config_class):
    app = create_app(config_class)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account and return its UserInfo: make_user(role="instructor")."""
    numbers = count(1)

    def make(
        role: str = "student",
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        display_name: str | None = None,
    ) -> UserInfo:
        n = next(numbers)
        email = email or f"{role}{n}@example.org"
        with app.app_context():
            user = services.create_user(
                email, display_name or f"{role.title()} {n}", password, role=Role(role)
            )
            db.session.commit()
            return UserInfo(user.id, user.email, password, user.role, user.display_name)

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user: UserInfo, *, remember: bool = False, next_url: str | None = None):
        data = {"email": user.email, "password": user.password}
        if remember:
            data["remember_me"] = "y"
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self._client.post(url, data=data)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
