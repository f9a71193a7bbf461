"""Signed, expiring, single-use password reset tokens.

A token carries the user id, its expiry and a fingerprint of the user's current password hash.
Setting a new password changes the hash, so a used token no longer matches: single use without
storing tokens anywhere.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "password-reset"


@dataclass(frozen=True)
class ResetClaim:
    user_id: int
    fingerprint: str


class InvalidResetTokenError(ValueError):
    """The token is malformed, forged, expired or already used."""


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def make_reset_token(
    secret_key: str, *, user_id: int, password_hash: str, now: datetime, max_age: timedelta
) -> str:
    serializer = URLSafeSerializer(secret_key, salt=_SALT)
    expires = int((now + max_age).timestamp())
    return serializer.dumps([user_id, password_fingerprint(password_hash), expires])


def read_reset_token(secret_key: str, token: str, *, now: datetime) -> ResetClaim:
    """Check signature and expiry; the caller still compares the fingerprint with the user's.

    :raises InvalidResetTokenError: when the token is forged, malformed or expired.
    """
    serializer = URLSafeSerializer(secret_key, salt=_SALT)
    try:
        user_id, fingerprint, expires = serializer.loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidResetTokenError("This reset link is not valid.") from exc
    if not isinstance(user_id, int) or not isinstance(expires, int):
        raise InvalidResetTokenError("This reset link is not valid.")
    if now.timestamp() > expires:
        raise InvalidResetTokenError("This reset link has expired. Ask for a new one.")
    return ResetClaim(user_id=user_id, fingerprint=str(fingerprint))
