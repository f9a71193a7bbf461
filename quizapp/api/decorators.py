"""Token authentication, scopes and the per-token rate limit of the JSON API."""

from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import current_app, g, request

from quizapp.api.errors import error_response
from quizapp.extensions import db
from quizapp.tokens import services as tokens


def token_required(scope: str, *, staff: bool = False):
    """Let in requests carrying an active token with `scope` (and, with `staff`, whose user
    is an instructor or admin); count each against the token's rate limit.

    The count is committed at once, before the view runs, so refused and failing requests
    count too, whichever app server they reach.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            found = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                response = error_response(
                    401, "Send a valid personal access token as 'Authorization: Bearer <token>'."
                )
                response[0].headers["WWW-Authenticate"] = 'Bearer realm="api"'
                return response
            token, user = found
            decision = tokens.count_request(
                token,
                now=datetime.now(UTC),
                limit=current_app.config["API_RATE_LIMIT"],
                window=timedelta(seconds=current_app.config["API_RATE_WINDOW_SECONDS"]),
            )
            db.session.commit()
            g.rate_headers = {
                "RateLimit-Limit": str(decision.limit),
                "RateLimit-Remaining": str(decision.remaining),
                "RateLimit-Reset": str(decision.reset_seconds),
            }
            if not decision.allowed:
                response = error_response(429, "Too many requests with this token; slow down.")
                response[0].headers["Retry-After"] = str(max(1, decision.reset_seconds))
                return response
            if scope not in token.scope_set:
                return error_response(403, f"This token lacks the '{scope}' scope.")
            if staff and not (user.is_instructor or user.is_admin):
                return error_response(403, "Only instructors and admins may use this.")
            g.api_user, g.api_token = user, token
            return view(*args, **kwargs)

        return wrapped

    return decorator
