from datetime import UTC, datetime

from flask import Blueprint, render_template
from flask_login import current_user

from quizapp.exams.services import recent_attempts

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    in_progress, finished = ([], [])
    if current_user.is_authenticated:
        in_progress, finished = recent_attempts(current_user, limit=5)
    return render_template(
        "main/index.html", in_progress=in_progress, finished=finished, now=datetime.now(UTC)
    )
