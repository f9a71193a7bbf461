import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from quizapp.exams.services import recent_attempts
from quizapp.extensions import db

bp = Blueprint("main", __name__)
logger = logging.getLogger(__name__)


@bp.get("/")
def index():
    in_progress, finished = ([], [])
    if current_user.is_authenticated:
        in_progress, finished = recent_attempts(current_user, limit=5)
    return render_template(
        "main/index.html", in_progress=in_progress, finished=finished, now=datetime.now(UTC)
    )


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when this server can reach its database, 503 when it cannot."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        logger.exception("Health check: the database is unreachable")
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
