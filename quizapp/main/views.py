import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.auth.models import Role
from quizapp.banks import manage
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.history.services import MIN_ANSWERS_FOR_MASTERY
from quizapp.main import home
from quizapp.utils import site_zone

bp = Blueprint("main", __name__)
logger = logging.getLogger(__name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/index.html")
    staff = (
        home.staff_home(current_user)
        if current_user.has_role(Role.INSTRUCTOR, Role.ADMIN)
        else None
    )
    now = datetime.now(UTC)
    return render_template(
        "main/index.html",
        student=home.student_home(
            current_user,
            first_test_slug=current_app.config["FIRST_TEST"],
            now=now,
            zone=site_zone(),
        ),
        staff=staff,
        min_answers=MIN_ANSWERS_FOR_MASTERY,
        now=now,
    )


@bp.post("/reports/<int:report_id>/read")
@login_required
def read_reply(report_id: int):
    """Take the reply to one of the student's question reports off their home page."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("main.index"))
    if not manage.mark_reply_read(current_user, report_id, now=datetime.now(UTC)):
        abort(404)
    db.session.commit()
    flash("Marked as read.", "info")
    return redirect(url_for("main.index"))


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
