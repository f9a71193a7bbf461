from datetime import UTC, datetime, timedelta

import pytest

from quizapp.auth.tokens import (
    InvalidResetTokenError,
    make_reset_token,
    password_fingerprint,
    read_reset_token,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SECRET = "unit-test-secret"


def _token(**kwargs):
    return make_reset_token(
        SECRET,
        user_id=7,
        password_hash="$argon2id$hash",
        now=NOW,
        max_age=timedelta(hours=1),
        **kwargs,
    )


def test_round_trip_within_lifetime():
    claim = read_reset_token(SECRET, _token(), now=NOW + timedelta(minutes=59))
    assert claim.user_id == 7
    assert claim.fingerprint == password_fingerprint("$argon2id$hash")


def test_expired_token_is_refused():
    with pytest.raises(InvalidResetTokenError, match="expired"):
        read_reset_token(SECRET, _token(), now=NOW + timedelta(hours=1, seconds=1))


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: ""])
def test_tampered_token_is_refused(mangle):
    with pytest.raises(InvalidResetTokenError, match="not valid"):
        read_reset_token(SECRET, mangle(_token()), now=NOW)


def test_token_signed_with_another_key_is_refused():
    with pytest.raises(InvalidResetTokenError):
        read_reset_token("another-secret", _token(), now=NOW)
