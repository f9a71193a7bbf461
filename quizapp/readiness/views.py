"""The adaptive readiness check's pages: start, the current question, its results."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quizapp.banks import services as bank_services
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.exams import services as exam_services
from quizapp.exams.feedback import (
    MIN_ANSWERS_FOR_SHARES,
    answered_count,
    item_option_views,
    option_views,
    submitted_option_views,
)
from quizapp.exams.models import Attempt, Mode
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.item_stats.services import sums_of_versions
from quizapp.numbers import parse_whole_number
from quizapp.readiness import adaptive
from quizapp.readiness import services as readiness_services

bp = Blueprint("readiness", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _own_adaptive_attempt(attempt_id: int) -> Attempt:
    """The signed-in student's adaptive check; anything else is a 404."""
    attempt = exam_services.get_user_attempt(current_user, attempt_id)
    if attempt is None or attempt.mode != Mode.ADAPTIVE:
        abort(404)
    return attempt


@bp.post("/practice/<slug>/adaptive")
@login_required
def start(slug: str):
    blueprint = db.one_or_404(
        bank_services.practice_blueprints_query(current_user).where(TestBlueprint.slug == slug)
    )
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Go back, reload the page and try again.")
    try:
        attempt = adaptive.start_adaptive_attempt(current_user, blueprint, now=_now())
    except exam_services.CannotStartError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.index"))
    db.session.commit()
    return redirect(url_for("readiness.question", attempt_id=attempt.id))


ALREADY_ANSWERED = (
    "That question was already answered, in another tab or window or by pressing twice: the "
    "first answer stands, as the check has no going back. Here is the next question."
)


def _render(attempt: Attempt, item, *, status: int = 200, error: str | None = None, refused=None):
    """The current question, blank; given the `refused` form, with the choices it sent."""
    qtype, content, layout = item.qtype, item.version.content, item.slot.layout
    if refused is not None:
        state = qtype.submitted_values(content, layout, refused)
        options = submitted_option_views(qtype, content, layout, state, [])
    else:
        state = {}
        options = option_views(qtype, content, layout, None, None, graded=False)
    return render_template(
        "readiness/question.html",
        attempt=attempt,
        item=item,
        qtype=qtype,
        presentation=qtype.present(content, layout),
        options=options,
        strikes=False,  # an answer here is final: there is no saved state to strike in
        state=state,
        feedback=False,
        seconds_left=attempt.seconds_left(_now()),
        error=error,
    ), status


@bp.get("/adaptive/<int:attempt_id>")
@login_required
def question(attempt_id: int):
    attempt = _own_adaptive_attempt(attempt_id)
    if exam_services.expire_if_due(attempt, now=_now(), grace=timedelta(0)):
        db.session.commit()
        flash("Time is up: the check ended with the answers you gave.", "warning")
    if not attempt.is_open:
        return redirect(url_for("readiness.results", attempt_id=attempt.id))
    item = adaptive.current_item(attempt)
    exam_services.mark_shown(item, now=_now())
    db.session.commit()
    return _render(attempt, item)


@bp.post("/adaptive/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    attempt = _own_adaptive_attempt(attempt_id)
    position = parse_whole_number(request.form.get("position", ""))
    revision = parse_whole_number(request.form.get("revision", ""))
    if position is None or revision is None:
        abort(400, "The form is incomplete. Reload the page and try again.")
    item = exam_services.load_item(attempt, position)
    if item is None:
        abort(404)
    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    try:
        adaptive.answer(attempt, item, request.form, revision=revision, now=_now(), grace=grace)
    except (exam_services.AttemptExpiredError, exam_services.AttemptClosedError) as exc:
        db.session.commit()
        flash(str(exc), "info")
        return redirect(url_for("readiness.results", attempt_id=attempt.id))
    except exam_services.StaleAnswerError:
        db.session.rollback()  # a double submit or another tab: said so, on the current question
        db.session.refresh(attempt)
        if not attempt.is_open:
            return redirect(url_for("readiness.results", attempt_id=attempt.id))
        current = adaptive.current_item(attempt)
        exam_services.mark_shown(current, now=_now())
        db.session.commit()
        return _render(attempt, current, status=409, error=ALREADY_ANSWERED)
    except exam_services.InvalidAnswerError as exc:
        db.session.rollback()
        return _render(attempt, item, status=400, error=str(exc), refused=request.form)
    db.session.commit()
    return redirect(url_for("readiness.question", attempt_id=attempt.id))


@bp.get("/adaptive/<int:attempt_id>/results")
@login_required
def results(attempt_id: int):
    attempt = _own_adaptive_attempt(attempt_id)
    if exam_services.expire_if_due(attempt, now=_now(), grace=timedelta(0)):
        db.session.commit()
    if attempt.is_open:
        return redirect(url_for("readiness.question", attempt_id=attempt.id))
    # Every question asked, in order: the answered ones count; a question on screen when time
    # ran out is listed as not answered. The check is finished, so the keys may show.
    asked = exam_services.load_items(attempt)
    stats = sums_of_versions(item.version.id for item in asked)
    blueprint = (
        db.session.get(TestBlueprint, attempt.blueprint_id) if attempt.blueprint_id else None
    )
    return render_template(
        "readiness/results.html",
        attempt=attempt,
        result=attempt.settings["result"],
        topics=exam_services.topic_scores([item for item in asked if item.slot.answered]),
        asked=asked,
        item_options={
            item.slot.position: item_option_views(item, graded=True, stats=stats) for item in asked
        },
        answered_by_version={
            version_id: answered_count(sums) for version_id, sums in stats.items()
        },
        min_answers=MIN_ANSWERS_FOR_SHARES,
        readiness_cards=readiness_services.readiness_cards(
            attempt.user_id, [blueprint], now=_now(), scores={}
        )
        if blueprint
        else [],
        own=True,
    )
