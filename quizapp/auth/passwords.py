"""Password hashing with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane)."""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

# Verified when an email has no account, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def burn_verification_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why a new password is unacceptable, or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    if email and password.strip().lower() == email.strip().lower():
        return "Your password cannot be your email address."
    if len(set(password)) < 4:
        return "Use more than three different characters."
    return None
