"""Today's review, review settings, leeches (a student's and a class's) and word-part
flashcards. Thin views over quizapp.review.services and quizapp.review.flashcards."""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.auth.decorators import instructor_required
from quizapp.classes import services as class_services
from quizapp.exams.services import CannotStartError
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.numbers import parse_whole_number
from quizapp.review import flashcards, services
from quizapp.review.forms import FlashcardAnswerForm, ReviewSettingsForm
from quizapp.review.models import WordPart
from quizapp.utils import site_zone

bp = Blueprint("review", __name__, url_prefix="/review")


def _now() -> datetime:
    return datetime.now(UTC)


def _leech_misses() -> int:
    return current_app.config["REVIEW_LEECH_MISSES"]


def _started(attempt):
    db.session.commit()
    return redirect(url_for("exams.resume", attempt_id=attempt.id))  # its first unanswered


@bp.get("/")
@login_required
def index():
    day = services.review_day(current_user.id, now=_now(), zone=site_zone())
    return render_template("review/index.html", day=day, form=EmptyForm())


@bp.post("/start")
@login_required
def start():
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_review_session(current_user, now=_now(), zone=site_zone())
    except CannotStartError as exc:
        flash(str(exc), "info")
        return redirect(url_for("review.index"))
    return _started(attempt)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    stored = services.settings_of(current_user.id)
    form = ReviewSettingsForm(obj=stored)
    if form.validate_on_submit():
        services.save_settings(
            current_user,
            daily_goal=form.daily_goal.data,
            desired_retention=float(form.desired_retention.data),
            exam_date=form.exam_date.data,
            show_plan=form.show_plan.data,
        )
        db.session.commit()
        flash("Your review settings are saved.", "success")
        return redirect(url_for("review.index"))
    status = 400 if form.errors else 200
    return render_template("review/settings.html", form=form, stored=stored), status


@bp.get("/leeches")
@login_required
def leeches():
    found = services.leeches(current_user.id, min_misses=_leech_misses())
    return render_template(
        "review/leeches.html", leeches=found, min_misses=_leech_misses(), form=EmptyForm()
    )


@bp.post("/leeches/drill")
@login_required
def drill_leeches():
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_leech_drill(current_user, min_misses=_leech_misses(), now=_now())
    except CannotStartError as exc:
        flash(str(exc), "info")
        return redirect(url_for("review.leeches"))
    return _started(attempt)


@bp.get("/classes/<int:class_id>/leeches")
@instructor_required
def class_leeches(class_id: int):
    classroom = class_services.managed_class(current_user, class_id)
    if classroom is None:
        abort(404)
    found = services.class_leeches(
        class_services.student_ids(classroom), min_misses=_leech_misses()
    )
    return render_template(
        "review/class_leeches.html", classroom=classroom, leeches=found, min_misses=_leech_misses()
    )


@bp.get("/word-parts")
@login_required
def word_parts():
    deck = flashcards.deck(current_user.id, now=_now())
    form = FlashcardAnswerForm()
    if deck.next_card:
        form.word_part_id.data = deck.next_card.part.id
        form.direction.data = deck.next_card.direction
    return render_template("review/word_parts.html", deck=deck, form=form)


@bp.post("/word-parts")
@login_required
def answer_word_part():
    form = FlashcardAnswerForm()
    part_id = parse_whole_number(form.word_part_id.data or "")
    part = db.session.get(WordPart, part_id) if part_id else None
    if part is None or not form.validate_on_submit():
        if part is None or form.direction.errors:
            abort(400)
        # Keep the card on the page with the message: nothing is lost.
        deck = flashcards.deck(current_user.id, now=_now())
        deck.next_card = flashcards.Flashcard(part, form.direction.data, None)
        return render_template("review/word_parts.html", deck=deck, form=form), 400
    result = flashcards.answer_flashcard(
        current_user.id, part, form.direction.data, form.answer.data, now=_now()
    )
    db.session.commit()
    _flash_result(result)
    return redirect(url_for("review.word_parts"))


def _flash_result(result: flashcards.FlashcardResult) -> None:
    part = result.part
    meaning = "; ".join(part.meanings)
    answer = f"{part.form} means {meaning}" + (f" (as in {part.example})" if part.example else "")
    if result.right:
        flash(f"Right: {answer}.", "success")
    else:
        flash(f"Not quite (you typed “{result.answer}”): {answer}.", "warning")
