"""The yardstick: a minimal same-work peer of the question page and of the autosave.

`make bench` serves it with the app's gunicorn settings, on the app's database, with the app's
SECRET_KEY, so the app's session cookie signs the student in here too. Per request it does
what the app must do and nothing more: Flask-Login with "basic" session protection and a user
loader that checks the session generation, prebuilt SQLAlchemy Core statements (the user; the
attempt with its question at a position; the navigator), one flat Jinja template
(peer_question.html) that renders the app's question page of a choice question in a one-part
exam, with the same CSRF token and security headers (tests/bench/test_peer.py holds the two
pages equal); and for a save the same checks and the same compare-and-set UPDATE as
quizapp.exams.services.save_answer.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, g, jsonify, request
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup

from config import normalize_database_url
from quizapp import CONTENT_SECURITY_POLICY
from quizapp.auth.models import User
from quizapp.banks.formatting import render_html
from quizapp.banks.models import QuestionVersion
from quizapp.exams.feedback import LETTERS
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.scoring.question_types import InvalidResponseError, get_question_type

users, attempts = User.__table__, Attempt.__table__
slots, versions = AttemptQuestion.__table__, QuestionVersion.__table__
OPEN, GRACE = "in_progress", timedelta(seconds=int(os.environ.get("EXAM_GRACE_SECONDS", "30")))

USER = sa.select(users.c.session_generation).where(users.c.id == sa.bindparam("user_id"))
ITEM = (
    sa.select(
        attempts.c.status,
        attempts.c.mode,
        attempts.c.deadline,
        attempts.c.question_count,
        attempts.c.title,
        attempts.c.sections,
        slots.c.id,
        slots.c.layout,
        slots.c.response,
        slots.c.revision,
        slots.c.flagged,
        slots.c.struck,
        slots.c.graded_at,
        versions.c.type,
        versions.c.stem,
        versions.c.content,
    )
    .select_from(
        attempts.outerjoin(
            slots,
            sa.and_(
                slots.c.attempt_id == attempts.c.id, slots.c.position == sa.bindparam("position")
            ),
        ).outerjoin(versions, versions.c.id == slots.c.version_id)
    )
    .where(attempts.c.id == sa.bindparam("attempt_id"), attempts.c.user_id == sa.bindparam("uid"))
)
NAVIGATOR = (
    sa.select(slots.c.answered_at.is_not(None), slots.c.flagged, slots.c.score)
    .where(slots.c.attempt_id == sa.bindparam("attempt_id"))
    .order_by(slots.c.position)
)
# The compare-and-set of save_answer: this revision, and only while the attempt is open (with
# PostgreSQL's share lock on the attempt row).
SAVE = sa.update(slots).where(
    slots.c.id == sa.bindparam("slot_id"),
    slots.c.revision == sa.bindparam("expected"),
    sa.exists(
        sa.select(attempts.c.id)
        .where(attempts.c.id == sa.bindparam("open_id"), attempts.c.status == OPEN)
        .with_for_update(read=True)
    ),
)


class PeerUser(UserMixin):
    def __init__(self, user_id: int, generation: int):
        self.id, self.generation = user_id, generation

    def get_id(self) -> str:
        return f"{self.id}.{self.generation}"


app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
engine = sa.create_engine(normalize_database_url(os.environ["DATABASE_URL"]))
login_manager = LoginManager(app)
login_manager.session_protection = "basic"
CSRFProtect(app)
Talisman(
    app,
    force_https=False,
    strict_transport_security=False,
    frame_options="DENY",
    content_security_policy=CONTENT_SECURITY_POLICY,
    referrer_policy="strict-origin-when-cross-origin",
    session_cookie_secure=False,
    session_cookie_http_only=True,
    session_cookie_samesite="Lax",
    x_content_type_options=True,
)
#: The app's address of a question picture, less the digest (banks.image).
MEDIA_PREFIX = "/media/"


@app.template_filter("formatted")
def formatted(text: str | None) -> Markup:
    return Markup(render_html(text or "", MEDIA_PREFIX))  # noqa: S704 - nh3 output


page = app.jinja_env.from_string((Path(__file__).parent / "peer_question.html").read_text())


def connection() -> sa.Connection:
    """One connection and transaction per request, as the app's session has."""
    if "connection" not in g:
        g.connection = engine.connect()
    return g.connection


@app.teardown_request
def close_connection(_exc) -> None:
    if (conn := g.pop("connection", None)) is not None:
        conn.close()


@app.after_request
def never_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def load_user(session_user_id: str) -> PeerUser | None:
    user_id, _, generation = session_user_id.partition(".")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    found = connection().execute(USER, {"user_id": int(user_id)}).scalar()
    return PeerUser(int(user_id), found) if found == int(generation) else None


def navigator_cells(rows, current: int) -> Markup:
    """The app's navigator buttons of an exam-mode attempt, joined in Python (numbers and fixed
    words need no escaping; 200 cells through the template engine would cost more than the
    page)."""
    cells = []
    for n, (answered, flagged, _) in enumerate(rows, 1):
        css = (" answered" if answered else "") + (" flagged" if flagged else "")
        state = ("answered" if answered else "not answered") + (", flagged" if flagged else "")
        current_step = ""
        if n == current:
            css, current_step = css + " current", ' aria-current="step"'
        cells.append(
            f'<li><button form="answer-form" name="action" value="goto-{n}" class="nav-cell{css}"'
            f'{current_step}>{n}<span class="visually-hidden">: {state}</span></button></li>'
        )
    return Markup("".join(cells))  # noqa: S704 - numbers and fixed words only


def open_item(attempt_id: int, position: int):
    row = (
        connection()
        .execute(ITEM, {"attempt_id": attempt_id, "uid": current_user.id, "position": position})
        .first()
    )
    if row is None or row.id is None:
        abort(404)
    now = datetime.now(UTC)
    if row.status != OPEN or (row.deadline is not None and now > row.deadline + GRACE):
        abort(409)  # the app grades or redirects here; the benchmark never gets here
    return row, now


@app.get("/attempts/<int:attempt_id>/<int:position>")
@login_required
def question(attempt_id: int, position: int):
    row, now = open_item(attempt_id, position)
    qtype = get_question_type(row.type)
    choices = qtype.present(row.content, row.layout).get("choices")
    if row.mode != "exam" or row.sections or not choices:
        abort(501)  # tutor feedback, sections and the other answer forms are not in the peer
    chosen = (
        qtype.form_state(row.content, row.layout, row.response)["answer"]
        if row.response is not None
        else ()
    )
    return page.render(
        attempt_id=attempt_id,
        position=position,
        row=row,
        choices=[(LETTERS[i], token, text) for i, (token, text) in enumerate(choices)],
        chosen=chosen,
        struck=qtype.struck_tokens(row.layout, row.struck),
        seconds_left=max(0, int((row.deadline - now).total_seconds())) if row.deadline else None,
        navigator=navigator_cells(
            connection().execute(NAVIGATOR, {"attempt_id": attempt_id}), position
        ),
    )


@app.post("/attempts/<int:attempt_id>/<int:position>/autosave")
@login_required
def autosave(attempt_id: int, position: int):
    row, now = open_item(attempt_id, position)
    revision = request.form.get("revision", "")
    if row.graded_at is not None or not revision.isdigit() or int(revision) != row.revision:
        return jsonify(saved=False, message="stale"), 409
    qtype = get_question_type(row.type)
    try:
        response = qtype.parse_response(row.content, row.layout, request.form)
    except InvalidResponseError as exc:
        return jsonify(saved=False, message=str(exc)), 400
    values = {
        "response": response if response is not None else sa.null(),
        "revision": row.revision + 1,
        "answered_at": now if response is not None else None,
    }
    if row.mode == "tutor" and response is not None:
        values |= {"score": qtype.grade(row.content, response).score, "graded_at": now}
    conn = connection()
    params = {"slot_id": row.id, "expected": row.revision, "open_id": attempt_id}
    if conn.execute(SAVE.values(**values), params).rowcount != 1:
        conn.rollback()
        return jsonify(saved=False, message="stale or closed"), 409
    conn.commit()
    return jsonify(saved=True, revision=row.revision + 1)


@app.get("/healthz")
def healthz():
    return "ok"
