"""App-wide error pages: HTML for people, JSON for /api/ and clients that ask for it."""

import logging

import sqlalchemy as sa
from flask import render_template, request
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError, SecurityError

from quizapp.extensions import db

logger = logging.getLogger(__name__)

HTML_ERROR_CODES = (400, 401, 403, 404, 405, 409, 413, 429, 500)


def wants_json_response() -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept.best == "application/json" and accept["application/json"] > accept["text/html"]


def error_response(error: HTTPException):
    code = error.code or 500
    if wants_json_response():
        return {"error": error.name, "message": error.description, "status": code}, code
    template = f"errors/{code}.html" if code in HTML_ERROR_CODES else "errors/generic.html"
    return render_template(template, error=error), code


def handle_http_error(error: HTTPException):
    return error_response(error)


def handle_untrusted_host(error: SecurityError):
    # A Host outside TRUSTED_HOSTS leaves the request without URL routing, so no page that
    # builds links can be rendered; plain text says enough.
    return f"{error.description}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def handle_server_error(error: Exception):
    # Whatever the failed request had half-written must not leak into the next one.
    db.session.rollback()
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    return error_response(error)


def handle_constraint_conflict(error: sa.exc.IntegrityError):
    """A constraint refused a write that raced another request (a bank deleted while a test
    was being drawn from it, say): nothing of it was kept, and the user may simply try again."""
    db.session.rollback()
    logger.warning("Write refused by a constraint on %s: %s", request.path, error.orig)
    return error_response(
        Conflict(
            "Something this page depends on changed at the same moment, so nothing was saved. "
            "Go back, reload the page and try again."
        )
    )


def register_errorhandlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(sa.exc.IntegrityError, handle_constraint_conflict)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(InternalServerError, handle_server_error)
