"""Account services against the database, without HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from quizapp.auth import passwords, services
from quizapp.auth.models import LoginFailure, Role, User
from quizapp.auth.tokens import InvalidResetTokenError
from quizapp.extensions import db

pytestmark = pytest.mark.usefixtures("app_ctx")

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
POLICY = services.ThrottlePolicy(
    max_failures_per_account=5, max_failures_per_address=5, window=timedelta(minutes=15)
)
PASSWORD = "measure twice, cut once"


def _user(email="ana@example.org", role=Role.STUDENT):
    user = services.create_user(email, "Ana", PASSWORD, role=role)
    db.session.commit()
    return user


def _login(email, password, *, address="10.0.0.1", now=NOW):
    """Sign in as the login view does: the claim committed first, then the check."""
    claim = services.claim_sign_in(email, address=address, now=now)
    db.session.commit()
    try:
        return services.authenticate(claim, password, policy=POLICY, now=now)
    finally:
        db.session.commit()


def test_email_is_unique_whatever_its_case():
    _user("Ana@Example.org")
    with pytest.raises(services.EmailTakenError):
        services.create_user("  ANA@example.ORG ", "Other Ana", PASSWORD)
    assert db.session.scalar(sa.select(User.email)) == "ana@example.org"


def test_weak_password_is_refused_and_nothing_is_stored():
    with pytest.raises(services.WeakPasswordError, match="12"):
        services.create_user("bo@example.org", "Bo", "short")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_sign_in_with_any_email_case():
    _user()
    assert _login("ANA@example.org", PASSWORD).email == "ana@example.org"


def test_wrong_password_is_recorded():
    _user()
    with pytest.raises(services.InvalidCredentialsError):
        _login("ana@example.org", "not the password")
    failure = db.session.scalar(sa.select(LoginFailure))
    assert (failure.email, failure.address) == ("ana@example.org", "10.0.0.1")


def test_five_failures_lock_the_account_without_verifying_hashes(monkeypatch):
    _user()
    for minute in range(5):
        with pytest.raises(services.InvalidCredentialsError):
            _login(
                "ana@example.org",
                "wrong",
                address=f"10.0.0.{minute}",
                now=NOW + timedelta(minutes=minute),
            )
    verified = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: verified.append(a) or True)
    with pytest.raises(services.LoginThrottledError) as excinfo:
        _login("ana@example.org", PASSWORD, address="10.9.9.9", now=NOW + timedelta(minutes=5))
    assert verified == []
    # Blocked until the first failure leaves the 15-minute window.
    assert excinfo.value.retry_after == timedelta(minutes=10)
    assert "10 minutes" in str(excinfo.value)


def test_lock_lifts_when_the_window_has_passed():
    _user()
    for _ in range(5):
        with pytest.raises(services.InvalidCredentialsError):
            _login("ana@example.org", "wrong")
    with pytest.raises(services.LoginThrottledError):
        _login("ana@example.org", PASSWORD, now=NOW + timedelta(minutes=14, seconds=59))
    assert _login("ana@example.org", PASSWORD, now=NOW + timedelta(minutes=15, seconds=1))


def test_five_failures_from_one_address_lock_that_address_only():
    _user("ana@example.org")
    _user("bo@example.org")
    for n in range(5):
        with pytest.raises(services.InvalidCredentialsError):
            _login(f"guess{n}@example.org", "wrong", address="203.0.113.5")
    with pytest.raises(services.LoginThrottledError):
        _login("bo@example.org", PASSWORD, address="203.0.113.5")
    assert _login("bo@example.org", PASSWORD, address="198.51.100.7").email == "bo@example.org"


def test_four_failures_do_not_lock_and_success_clears_them():
    _user()
    for _ in range(4):
        with pytest.raises(services.InvalidCredentialsError):
            _login("ana@example.org", "wrong")
    _login("ana@example.org", PASSWORD)
    remaining = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == "ana@example.org")
    )
    assert remaining == 0


def test_old_hash_is_upgraded_at_sign_in():
    user = _user()
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    _login("ana@example.org", PASSWORD)
    assert not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_change_password_checks_the_current_one_and_revokes_sessions():
    user = _user()
    generation = user.session_generation
    with pytest.raises(services.InvalidCredentialsError):
        services.change_password(user, "wrong current", "a brand new passphrase")
    services.change_password(user, PASSWORD, "a brand new passphrase")
    assert user.session_generation == generation + 1
    assert passwords.verify_password(user.password_hash, "a brand new passphrase")


def test_reset_token_works_once():
    user = _user()
    token = services.make_reset_token(user, secret_key="k", now=NOW, max_age=timedelta(hours=1))
    assert services.user_for_reset_token(token, secret_key="k", now=NOW) is user
    services.reset_password(user, "a brand new passphrase")
    with pytest.raises(InvalidResetTokenError, match="already been used"):
        services.user_for_reset_token(token, secret_key="k", now=NOW)


def test_reset_lifts_the_sign_in_lock():
    user = _user()
    for _ in range(5):
        with pytest.raises(services.InvalidCredentialsError):
            _login("ana@example.org", "wrong", address="203.0.113.1")
    services.reset_password(user, "a brand new passphrase")
    assert _login("ana@example.org", "a brand new passphrase", address="198.51.100.2")


def test_last_admin_cannot_be_demoted():
    admin = _user("root@example.org", Role.ADMIN)
    with pytest.raises(services.LastAdminError):
        services.set_role(admin, Role.STUDENT, actor=admin)
    second = _user("second@example.org", Role.ADMIN)
    services.set_role(admin, Role.INSTRUCTOR, actor=second)
    assert admin.role == "instructor"


def test_role_column_refuses_unknown_roles():
    user = _user()
    user.role = "superuser"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
