"""Create, check, revoke and rate-limit personal access tokens.

A token is `qz_` followed by 40 random URL-safe characters. Only its SHA-256 is stored: the
secret has 240 bits of entropy, so a fast hash is enough (no password stretching needed), and
looking a token up by its hash is one indexed query.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.extensions import UTCDateTime, db
from quizapp.tokens.models import ApiToken, Scope

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "qz_"  # noqa: S105 (a marker, not a secret)
MAX_ACTIVE_TOKENS = 20


class TokenError(Exception):
    """A token request that cannot be granted; the message says why."""


def allowed_scopes(user: User) -> list[Scope]:
    """The scopes this user may grant a token: bank export is for staff only."""
    if user.is_instructor or user.is_admin:
        return list(Scope)
    return [Scope.READ, Scope.TAKE_TESTS]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    user: User, name: str, scopes: list[str], *, now: datetime
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its secret (to be shown once).

    :raises TokenError: no scope, a scope the user may not grant, or too many tokens.
    """
    allowed = {scope.value for scope in allowed_scopes(user)}
    chosen = [scope for scope in dict.fromkeys(scopes) if scope]
    if not chosen:
        raise TokenError("Choose at least one scope.")
    if not set(chosen) <= allowed:
        raise TokenError("Your account cannot grant that scope.")
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError(f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:80] or "Token",
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        scopes=" ".join(chosen),
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    logger.info("API token %s created by %s with scopes %s", token.id, user.email, token.scopes)
    return token, secret


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
            .limit(100)
        )
    )


def revoke_token(user: User, token_id: int, *, now: datetime) -> bool:
    """Revoke one of the user's own tokens; False if it is not theirs or already revoked."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        logger.info("API token %s revoked by %s", token_id, user.email)
    return result.rowcount == 1


def authenticate(secret: str) -> tuple[ApiToken, User] | None:
    """The active token with this secret and its user, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the window resets.
    reset_seconds: int


def count_request(token: ApiToken, *, now: datetime, limit: int, window: timedelta) -> RateDecision:
    """Count one request against the token's fixed window, in one UPDATE that every app
    server shares (the database row is the counter), and say whether it may proceed.

    A window older than `window` restarts at 1; otherwise the count goes up by one. The
    request is refused once the count passes `limit`. last_used_at is kept on the way.
    """
    fresh = sa.or_(ApiToken.window_started_at.is_(None), ApiToken.window_started_at <= now - window)
    count, started = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(
            window_count=sa.case((fresh, 1), else_=ApiToken.window_count + 1),
            window_started_at=sa.case(
                (fresh, sa.literal(now, UTCDateTime())), else_=ApiToken.window_started_at
            ),
            last_used_at=now,
        )
        .returning(ApiToken.window_count, ApiToken.window_started_at)
        .execution_options(synchronize_session=False)
    ).one()
    reset = max(0, int((started + window - now).total_seconds()))
    return RateDecision(count <= limit, limit, max(0, limit - count), reset)
