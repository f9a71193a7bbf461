"""Account operations: registration, sign-in with throttling, passwords and roles.

Services flush but never commit; the calling view or command owns the transaction.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.accommodations import Accommodation
from quizapp.auth import passwords, tokens
from quizapp.auth.models import LoginFailure, RegistrationFailure, Role, User
from quizapp.extensions import db
from quizapp.tokens.models import ApiToken

logger = logging.getLogger(__name__)

MAX_EMAIL_LENGTH = User.__table__.c.email.type.length
MAX_NAME_LENGTH = User.__table__.c.display_name.type.length


class AuthError(Exception):
    """Base class of the account errors a view shows to the user."""


class EmailTakenError(AuthError):
    pass


class InvalidAccountError(AuthError):
    """An email or display name that no account may have (the forms check the same)."""


class WeakPasswordError(AuthError):
    pass


class InvalidCredentialsError(AuthError):
    pass


class LastAdminError(AuthError):
    pass


def _about(wait: timedelta) -> str:
    minutes = max(1, round(wait.total_seconds() / 60 + 0.49))
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


class LoginThrottledError(AuthError):
    def __init__(self, retry_after: timedelta):
        super().__init__(
            "Too many failed sign-in attempts. For your security, sign-in is paused for "
            f"{_about(retry_after)}. If you forgot your password, reset it or ask your "
            "instructor or administrator for a reset link."
        )
        self.retry_after = retry_after


class RegistrationThrottledError(AuthError):
    def __init__(self, retry_after: timedelta):
        super().__init__(
            "Too many attempts to register with emails that already have an account. "
            f"Registration from your network is paused for {_about(retry_after)}. If you have "
            "an account, sign in or reset your password."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_account: int
    max_failures_per_address: int
    window: timedelta


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _check_password(password: str, email: str) -> None:
    problem = passwords.password_problem(password, email=email)
    if problem:
        raise WeakPasswordError(problem)


def create_user(email: str, display_name: str, password: str, *, role: Role = Role.STUDENT) -> User:
    """Create an account; the email is unique whatever its case.

    :raises InvalidAccountError: for an email that is not an address, or a name that is empty
        or longer than the account can hold (the CLI reaches here without a form).
    :raises EmailTakenError: when another account has this email.
    :raises WeakPasswordError: when the password breaks the password rules.
    """
    email = normalize_email(email)
    display_name = display_name.strip()
    local_part, at, domain = email.rpartition("@")
    # Only the shape: an intranet's admin@localhost or name@school.local must stay possible.
    if not (at and local_part and domain.strip(".")) or any(c.isspace() for c in email):
        raise InvalidAccountError(f"{email!r} is not an email address such as name@school.edu.")
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidAccountError(f"An email may have at most {MAX_EMAIL_LENGTH} characters.")
    if not display_name or len(display_name) > MAX_NAME_LENGTH:
        raise InvalidAccountError(f"A name needs 1 to {MAX_NAME_LENGTH} characters.")
    if find_user_by_email(email) is not None:
        raise EmailTakenError("An account with this email already exists. Sign in instead.")
    _check_password(password, email)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        role=role.value,
    )
    db.session.add(user)
    db.session.flush()
    logger.info("Account %s created with role %s", user.email, user.role)
    return user


def claim_registration(*, address: str, now: datetime) -> RegistrationFailure:
    """Record a registration as refused before its email is looked up; the caller commits it,
    then calls register_user() (the same counting as claim_sign_in)."""
    claim = RegistrationFailure(address=address[:64], created_at=now)
    db.session.add(claim)
    db.session.flush()
    return claim


def register_user(
    claim: RegistrationFailure,
    email: str,
    display_name: str,
    password: str,
    *,
    policy: ThrottlePolicy,
    now: datetime,
) -> User:
    """Create a student account for a visitor, throttled per address like sign-in.

    Saying that an email is taken reveals that it has an account, so each such refusal stays
    recorded (the committed claim), and an address with `policy.max_failures_per_address` of
    them in the window may not register at all until the oldest leaves it (a pause that itself
    reveals nothing). Any other outcome withdraws the claim.

    :raises RegistrationThrottledError: too many taken emails tried from this address.
    :raises EmailTakenError: another account has this email (the attempt stays recorded).
    :raises WeakPasswordError: the password breaks the password rules.
    """
    retry_after = _blocked_for(
        RegistrationFailure.address, claim.address, policy.max_failures_per_address, policy, now
    )
    if retry_after is not None:
        db.session.delete(claim)
        raise RegistrationThrottledError(retry_after)
    try:
        user = create_user(email, display_name, password)
    except EmailTakenError:
        logger.info(
            "Registration with the taken email %s from %s", normalize_email(email), claim.address
        )
        raise
    except WeakPasswordError:
        db.session.delete(claim)
        raise
    db.session.delete(claim)
    db.session.execute(
        sa.delete(RegistrationFailure).where(RegistrationFailure.created_at <= now - policy.window)
    )
    return user


def _blocked_for(column, value: str, limit: int, policy: ThrottlePolicy, now: datetime):
    """How long `value` (in a column of a table of claims) stays blocked, or None.

    The rows counted include the caller's own claim, so `value` is blocked when more than
    `limit` are in the window: the claim would be one too many.
    """
    created_at = column.class_.created_at
    recent = db.session.scalars(
        sa.select(created_at)
        .where(column == value, created_at > now - policy.window)
        .order_by(created_at.desc())
        .limit(limit + 1)
    ).all()
    if len(recent) <= limit:
        return None
    return max(recent[-1] + policy.window - now, timedelta(seconds=1))


def claim_sign_in(email: str, *, address: str, now: datetime) -> LoginFailure:
    """Record a sign-in attempt as a failure before its password is checked.

    The caller commits the claim, then calls authenticate(). Because every claim is visible
    before any hash is verified, parallel guesses count each other: of any `limit` + 1 of them,
    the last to look sees them all and is refused, so no more than `limit` are ever verified.
    A success removes the account's claims; a refusal withdraws its own.
    """
    claim = LoginFailure(email=normalize_email(email)[:254], address=address[:64], created_at=now)
    db.session.add(claim)
    db.session.flush()
    return claim


def _retry_after(claim: LoginFailure, policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """Time until this claim's account and address may try again, or None to go ahead."""
    waits = [
        _blocked_for(LoginFailure.email, claim.email, policy.max_failures_per_account, policy, now),
        _blocked_for(
            LoginFailure.address, claim.address, policy.max_failures_per_address, policy, now
        ),
    ]
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def authenticate(claim: LoginFailure, password: str, *, policy: ThrottlePolicy, now: datetime):
    """Return the user whose credentials these are; the committed claim stays as a failure
    otherwise.

    The throttle is checked before any hash is verified, so a locked account costs nothing.

    :raises LoginThrottledError: too many recent failures for this account or address (the
        claim is withdrawn: a refused attempt does not prolong the pause).
    :raises InvalidCredentialsError: unknown email or wrong password.
    """
    retry_after = _retry_after(claim, policy, now)
    if retry_after is not None:
        db.session.delete(claim)
        raise LoginThrottledError(retry_after)
    user = find_user_by_email(claim.email)
    if user is None:
        passwords.burn_verification_time(password)
    if user is None or not passwords.verify_password(user.password_hash, password):
        logger.info("Failed sign-in for %s from %s", claim.email, claim.address)
        raise InvalidCredentialsError("Incorrect email or password.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    _clear_login_failures(claim.email, now=now, window=policy.window)
    user.last_login_at = now
    return user


def _clear_login_failures(email: str, *, now: datetime, window: timedelta) -> None:
    """Forget an account's failures, and prune everyone's rows that no longer count."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.created_at <= now - window))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; other sessions are signed out.

    :raises InvalidCredentialsError: the current password is wrong.
    :raises WeakPasswordError: the new password breaks the password rules.
    """
    if not passwords.verify_password(user.password_hash, current_password):
        raise InvalidCredentialsError("Your current password is not correct.")
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Replace the password, revoke existing sessions and API tokens (a new password often
    answers a leaked one) and invalidate outstanding reset links."""
    _check_password(new_password, user.email)
    user.password_hash = passwords.hash_password(new_password)
    user.revoke_sessions()
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    logger.info("Password changed for %s", user.email)


def make_reset_token(user: User, *, secret_key: str, now: datetime, max_age: timedelta) -> str:
    return tokens.make_reset_token(
        secret_key,
        user_id=user.id,
        password_hash=user.password_hash,
        now=now,
        max_age=max_age,
    )


def user_for_reset_token(token: str, *, secret_key: str, now: datetime) -> User:
    """Return the user a reset token was made for.

    :raises tokens.InvalidResetTokenError: forged, expired, or already used.
    """
    claim = tokens.read_reset_token(secret_key, token, now=now)
    user = db.session.get(User, claim.user_id)
    if user is None or tokens.password_fingerprint(user.password_hash) != claim.fingerprint:
        raise tokens.InvalidResetTokenError(
            "This reset link has already been used or replaced. Ask for a new one."
        )
    return user


def reset_password(user: User, new_password: str) -> None:
    """Set a password from a reset link and lift the account's sign-in throttle."""
    set_password(user, new_password)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == user.email))


def set_role(user: User, role: Role, *, actor: User | None) -> None:
    """Give a user a role; the last administrator cannot be demoted, even by two admins
    demoting each other at the same moment.

    :raises LastAdminError: when this would leave the site without an administrator.
    """
    by = actor.email if actor else "the command line"
    logger.info("%s changes the role of %s from %s to %s", by, user.email, user.role, role)
    if user.role != Role.ADMIN or role == Role.ADMIN:
        user.role = role.value
        return
    # PostgreSQL: lock the admins' rows, so racing demotions take turns and each counts the
    # admins the other left. SQLite's writers take turns anyway; there the count inside the
    # UPDATE decides, read under the write lock.
    db.session.execute(
        sa.select(User.id).where(User.role == Role.ADMIN.value).order_by(User.id).with_for_update()
    )
    other = so.aliased(User)
    other_admins = (
        sa.select(sa.func.count())
        .select_from(other)
        .where(other.role == Role.ADMIN.value, other.id != user.id)
        .scalar_subquery()
    )
    demoted = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.role == Role.ADMIN.value, other_admins > 0)
        .values(role=role.value)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user)
    if demoted.rowcount == 1:
        return
    if user.role == Role.ADMIN:
        raise LastAdminError(
            f"{user.display_name} is the only administrator; make someone else an "
            "administrator first."
        )
    user.role = role.value  # another admin demoted them meanwhile


def set_time_accommodation(user: User, choice: str, *, actor: User | None) -> None:
    """Set the account-wide time accommodation (the school's, on every test): "standard",
    "untimed" or a multiplier such as "1.5". Only admins may (the caller checks); instructors
    set one per class (quizapp.classes.services.set_class_accommodation).

    It applies to attempts started afterwards; the server multiplies their time limits.

    :raises ValueError: for an unknown choice.
    """
    accommodation = Accommodation.from_choice(choice)
    user.untimed, user.time_multiplier = accommodation.untimed, accommodation.multiplier
    by = actor.email if actor else "the command line"
    logger.info("%s set the account-wide time accommodation of %s to %s", by, user.email, choice)
