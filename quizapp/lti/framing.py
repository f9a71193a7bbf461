"""What lets the tool live in an LMS's iframe, for LTI sessions only: the session cookie
becomes SameSite=None (over HTTPS), frame-ancestors opens to the launching platform's
origins, and finished launched attempts send their scores."""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.lti import keys, services

FRAME_KEY = "lti_frame_origins"
GRADES_DUE_KEY = "lti_grades_due"


def tool_keys() -> tuple[str, str]:
    """The signing key's (private PEM, public PEM), made on first use."""
    secret = current_app.config["SECRET_KEY"]
    key = keys.signing_key(secret_key=secret, now=datetime.now(UTC))
    return keys.private_pem(key, secret_key=secret), key.public_pem


class LtiSessionInterface(SecureCookieSessionInterface):
    """A launched session's cookie must reach us inside the LMS's frame, which a browser
    allows only for SameSite=None; Secure cookies. Every other session keeps Lax."""

    def _framed(self) -> bool:
        return bool(request and request.is_secure and session.get("lti"))

    def get_cookie_samesite(self, app: Flask):
        return "None" if self._framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if self._framed() else super().get_cookie_secure(app)


def frame_ancestors(response: Response) -> Response:
    """Allow the launching platform's origins to frame this response (none otherwise)."""
    origins = getattr(g, FRAME_KEY, None) or session.get(FRAME_KEY)
    policy = response.headers.get("Content-Security-Policy")
    if not origins or not policy:
        return response
    parts = [p.strip() for p in policy.split(";") if not p.strip().startswith("frame-ancestors")]
    parts.append("frame-ancestors 'self' " + " ".join(origins))
    response.headers["Content-Security-Policy"] = "; ".join(parts)
    response.headers.pop("X-Frame-Options", None)
    return response


def post_due_scores(response: Response) -> Response:
    """After a launched student's posts (a submit, an answer past the deadline) and on the
    results page (where an attempt whose time ran out is graded), send the scores of their
    finished launched attempts: one query when none is due."""
    finishing = request.method == "POST" or request.endpoint == "exams.results"
    if not finishing or not session.get(GRADES_DUE_KEY):
        return response
    if not current_user.is_authenticated or response.status_code >= 400:
        return response
    due = services.due_posts(user_id=current_user.id, limit=5)
    for post in due:
        services.post_score(post, keys=tool_keys, now=datetime.now(UTC))
    if due:
        db.session.commit()
    return response


@dataclass
class ClassStatus:
    contexts: list
    failed: list
    form: EmptyForm


def lti_class_status(class_id: int) -> ClassStatus:
    """For the class report: the LMS courses linked to the class and its failing grade posts
    (one query for a class without LMS course)."""
    contexts = services.class_contexts(class_id)
    failed = services.failed_posts(class_id) if contexts else []
    return ClassStatus(contexts, failed, EmptyForm())


def init_app(app: Flask) -> None:
    app.jinja_env.globals["lti_class_status"] = lti_class_status
    app.session_interface = LtiSessionInterface()
    # Run after Talisman's headers (after_request functions run last-registered first).
    app.after_request_funcs.setdefault(None, []).insert(0, frame_ancestors)
    app.after_request(post_due_scores)
