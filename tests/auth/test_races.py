"""Account rules that must hold when requests race, on a database threads share (a SQLite
file, or PostgreSQL under `make test-pg`)."""

import threading
import time

import pytest
import sqlalchemy as sa

from quizapp.auth import passwords, services
from quizapp.auth.models import Role, User
from quizapp.extensions import db
from tests.conftest import send_together, shared_database_config

PARALLEL = 100


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


@pytest.fixture
def verifications(monkeypatch):
    """Every password hash the server verifies (for unknown emails too), counted."""
    calls, lock = [], threading.Lock()
    verify = passwords.verify_password

    def counting_verify(password_hash, password):
        with lock:
            calls.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting_verify)
    return calls


def _race(requests) -> list[int]:
    return [response.status_code for response in send_together(requests)]


def test_parallel_guesses_at_one_account_verify_at_most_the_limit(app, make_user, verifications):
    victim = make_user()
    guesses = [
        (
            app.test_client(),
            "POST",
            "/login",
            {"email": victim.email, "password": f"guess number {n}"},
        )
        for n in range(PARALLEL)
    ]
    statuses = _race(guesses)
    assert len(verifications) <= app.config["LOGIN_MAX_FAILURES"]
    assert statuses.count(429) >= PARALLEL - app.config["LOGIN_MAX_FAILURES"]
    assert set(statuses) <= {200, 429}


def test_parallel_guesses_from_one_address_verify_at_most_its_limit(app, verifications):
    sprayed = [
        (
            app.test_client(),
            "POST",
            "/login",
            {"email": f"user{n}@example.org", "password": "Password123!"},
        )
        for n in range(PARALLEL)
    ]
    _race(sprayed)
    assert len(verifications) <= app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def test_admins_demoting_each_other_at_once_leave_one_admin(app, make_user):
    for trial in range(10):
        first, second = make_user("admin"), make_user("admin")
        with app.app_context():
            db.session.execute(
                sa.update(User)
                .where(User.role == Role.ADMIN.value, User.id.not_in([first.id, second.id]))
                .values(role=Role.STUDENT.value)
            )
            db.session.commit()
        clients = {admin.id: app.test_client() for admin in (first, second)}
        for admin in (first, second):
            clients[admin.id].post(
                "/login", data={"email": admin.email, "password": admin.password}
            )
        _race(
            [
                (clients[me.id], "POST", f"/admin/users/{other.id}/role", {"role": "student"})
                for me, other in ((first, second), (second, first))
            ]
        )
        with app.app_context():
            admins = db.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(User.role == "admin")
            )
        assert admins == 1, f"trial {trial}: {admins} admins"


def test_parallel_registrations_learn_at_most_the_limit_of_taken_emails(
    app, make_user, monkeypatch
):
    taken = [make_user() for _ in range(10)]
    find_user = services.find_user_by_email

    def slow_lookup(email):  # a loaded database: the race window of a real server
        time.sleep(0.02)
        return find_user(email)

    monkeypatch.setattr(services, "find_user_by_email", slow_lookup)
    probes = [
        (
            app.test_client(),
            "POST",
            "/register",
            {
                "email": taken[n % len(taken)].email,
                "display_name": "Prober",
                "new_password": "Password123!",
                "confirm_password": "Password123!",
            },
        )
        for n in range(PARALLEL)
    ]
    answers = [response.get_data(as_text=True) for response in send_together(probes)]
    told_taken = sum("already exists" in answer for answer in answers)
    assert told_taken <= app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert sum("Registration from your network is paused" in a for a in answers) >= 90
