"""Registration says when an email is taken, so it is throttled per address like sign-in."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizapp.auth import services
from quizapp.auth.models import RegistrationFailure, User
from quizapp.extensions import db

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
POLICY = services.ThrottlePolicy(
    max_failures_per_account=5, max_failures_per_address=5, window=timedelta(minutes=15)
)
PASSWORD = "measure twice, cut once"


def _register(email, *, address="203.0.113.5", now=NOW):
    """Register as the view does: the claim committed first, then the lookup."""
    claim = services.claim_registration(address=address, now=now)
    db.session.commit()
    try:
        return services.register_user(claim, email, "Visitor", PASSWORD, policy=POLICY, now=now)
    finally:
        db.session.commit()


def _try_taken_emails(count, *, address="203.0.113.5"):
    for minute in range(count):
        with pytest.raises(services.EmailTakenError):
            _register("ana@example.org", address=address, now=NOW + timedelta(minutes=minute))
        db.session.commit()


@pytest.fixture
def existing_account(app_ctx):
    services.create_user("ana@example.org", "Ana", PASSWORD)
    db.session.commit()


@pytest.mark.usefixtures("existing_account")
def test_five_taken_emails_pause_registration_from_that_address():
    _try_taken_emails(5)
    with pytest.raises(services.RegistrationThrottledError) as excinfo:
        _register("new@example.org", now=NOW + timedelta(minutes=5))
    # Paused until the first refusal leaves the 15-minute window, for new emails too.
    assert excinfo.value.retry_after == timedelta(minutes=10)
    assert "10 minutes" in str(excinfo.value)
    assert _register("new@example.org", address="198.51.100.7").email == "new@example.org"


@pytest.mark.usefixtures("existing_account")
def test_registration_resumes_when_the_window_has_passed_and_prunes_old_refusals():
    _try_taken_emails(5)
    with pytest.raises(services.RegistrationThrottledError):
        _register("new@example.org", now=NOW + timedelta(minutes=14, seconds=59))
    _register("new@example.org", now=NOW + timedelta(minutes=20))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationFailure)) == 0


@pytest.mark.usefixtures("existing_account")
def test_new_accounts_are_not_counted():
    for n in range(10):
        _register(f"student{n}@example.org")
    _try_taken_emails(4)
    assert _register("one-more@example.org").email == "one-more@example.org"


def test_throttled_registration_answers_429_and_creates_nothing(app, client, make_user):
    make_user(email="taken@example.org")
    data = {
        "email": "taken@example.org",
        "display_name": "Prober",
        "new_password": PASSWORD,
        "confirm_password": PASSWORD,
    }
    for _ in range(5):
        assert "already exists" in client.post("/register", data=data).get_data(as_text=True)
    response = client.post("/register", data={**data, "email": "fresh@example.org"})
    assert response.status_code == 429
    assert "Registration from your network is paused" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "fresh@example.org")) is None
