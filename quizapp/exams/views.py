"""Practice tests: start, answer one question per page, review, submit, results."""

from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms import SelectChoice

from quizapp.assignments.models import Assignment
from quizapp.banks import services as bank_services
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.classes.services import is_enrolled, practice_accommodation
from quizapp.exams import builder, services
from quizapp.exams.feedback import (
    MIN_ANSWERS_FOR_SHARES,
    answered_count,
    item_option_views,
    submitted_option_views,
)
from quizapp.exams.forms import CustomTestForm, ReportForm, StartForm
from quizapp.exams.models import Attempt, Mode
from quizapp.exams.rendering import navigator_cells
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.item_stats.services import sums_of_versions
from quizapp.numbers import parse_whole_number
from quizapp.readiness import services as readiness_services
from quizapp.scoring.item_analysis import CHOICE_TYPES

bp = Blueprint("exams", __name__)

RESULT_FILTERS = ("all", "wrong", "flagged")


def _now() -> datetime:
    return datetime.now(UTC)


def _grace() -> timedelta:
    return timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])


def _own_attempt(attempt_id: int, *, adaptive_endpoint: str | None = None) -> Attempt:
    """The signed-in student's attempt; anyone else's is a 404, never a 403. An adaptive
    check has its own pages (quizapp.readiness.views): it is redirected to
    `adaptive_endpoint` when given (resume, results), else a 404 (no going back)."""
    attempt = services.get_user_attempt(current_user, attempt_id)
    if attempt is None or (attempt.mode == Mode.ADAPTIVE and adaptive_endpoint is None):
        abort(404)
    if attempt.mode == Mode.ADAPTIVE:
        abort(redirect(url_for(adaptive_endpoint, attempt_id=attempt.id)))
    return attempt


def _own_attempt_item(attempt_id: int, position: int) -> tuple[Attempt, services.ItemView]:
    """The signed-in student's attempt and its question at `position`, or a 404."""
    attempt, item = services.get_user_attempt_item(current_user, attempt_id, position)
    if attempt is None or item is None or attempt.mode == Mode.ADAPTIVE:
        abort(404)
    return attempt, item


def _reads_without_transaction(view):
    """Run a page that only reads in autocommit: PostgreSQL is spared a BEGIN and a ROLLBACK
    round trip. Under READ COMMITTED every statement takes its own snapshot even inside a
    transaction, so the page sees nothing less consistent. A page that must write (grading an
    expired attempt) commits first, which puts its next statements in a transaction again.
    SQLite's driver opens no transaction for reads, and switching its isolation level back
    would cost a PRAGMA a request, so there the page runs as it is (and commits what it writes).
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if db.engine.dialect.name != "sqlite" and not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper


@bp.app_template_filter("minutes_seconds")
def minutes_seconds(seconds: float | None) -> str:
    """A duration as m:ss ("0:42", "12:05"); a dash when unknown."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _expired_redirect(attempt: Attempt, *, grace: timedelta = timedelta(0)):
    """Close what the clock ended, the attempt or its current section, and return the redirect
    to the results (headed "Time is up") or to the break; None when time is not up.

    Pages use no grace: the grace is for answers already on their way (the form that the
    timer posts at zero); a page asked for after the deadline cannot be answered any more.
    The review and the submit confirmation pass a negative one (services.COUNTDOWN_LEAD):
    asked for as the countdown reaches zero, they would offer only a submit and questions
    that can no longer be answered.
    """
    if not services.is_overdue(attempt, now=_now(), grace=grace):
        return None
    db.session.commit()  # leaves autocommit: the grading must be one transaction
    if services.expire_if_due(attempt, now=_now(), grace=grace):
        destination = _where_now(attempt)
        if attempt.is_open:
            flash(_section_time_up_message(attempt), "warning")
        db.session.commit()
        return redirect(destination)
    return None


def _section_time_up_message(attempt: Attempt) -> str:
    ended = attempt.sections[attempt.section_number - 2]["title"]
    return f"Time is up for {ended}. Its answers are saved and locked."


def _where_now(attempt: Attempt) -> str:
    """Where the student continues: the results, the break, or the current section's first
    question."""
    if not attempt.is_open:
        return url_for("exams.results", attempt_id=attempt.id)
    if attempt.on_break:
        return url_for("exams.section_break", attempt_id=attempt.id)
    return url_for("exams.question", attempt_id=attempt.id, position=attempt.current_positions[0])


@bp.get("/practice")
@login_required
def index():
    in_progress, finished = services.recent_attempts(current_user)
    blueprints = db.session.scalars(bank_services.practice_blueprints_query(current_user)).all()
    banks = db.session.scalars(bank_services.visible_banks_query(current_user)).all()
    return render_template(
        "exams/index.html",
        blueprints=blueprints,
        banks=banks,
        in_progress=in_progress,
        finished=finished,
        start_form=StartForm(),
        now=_now(),
    )


@bp.post("/practice/<slug>/start")
@login_required
def start(slug: str):
    blueprint = db.one_or_404(
        bank_services.practice_blueprints_query(current_user).where(TestBlueprint.slug == slug)
    )
    form = StartForm()
    if not form.validate_on_submit():
        flash("Choose exam or tutor mode.", "danger")
        return redirect(url_for("exams.index"))
    try:
        attempt = services.start_blueprint_attempt(
            current_user,
            blueprint,
            mode=Mode(form.mode.data),
            accommodation=practice_accommodation(current_user),
            now=_now(),
        )
    except services.CannotStartError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.index"))
    db.session.commit()
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=1))


@bp.route("/practice/custom", methods=["GET", "POST"])
@login_required
def custom():
    banks = db.session.scalars(
        bank_services.visible_banks_query(current_user, with_topics=True)
    ).all()
    # One checkbox per bank ("bank") and per topic ("bank/topic"), grouped by bank.
    groups = [
        (
            bank,
            [(bank.slug, f"All of {bank.title}", 0)]
            + [
                (f"{bank.slug}/{topic.slug}", topic.title, depth + 1)
                for topic, depth in bank_services.topic_rows(bank)
            ],
        )
        for bank in banks
    ]
    form = CustomTestForm()
    form.topics.choices = [
        SelectChoice(value, label) for _, options in groups for value, label, _ in options
    ]
    if request.method == "GET" and request.args.get("bank"):
        form.topics.data = [request.args["bank"]]
    if form.validate_on_submit():
        bank_ids = {bank.slug: bank.id for bank in banks}
        whole_banks = {value for value in form.topics.data if "/" not in value}
        selections = []
        for value in form.topics.data:
            bank_slug, _, topic_slug = value.partition("/")
            if topic_slug and bank_slug in whole_banks:
                continue  # "All of" the bank already has its topics
            selections.append((bank_ids[bank_slug], topic_slug or None))
        test = services.CustomTest(
            selections=tuple(selections),
            count=form.count.data,
            mode=Mode(form.mode.data),
            pool=form.pool.data,
            time_limit_minutes=form.time_limit.data or form.count.data,
        )
        try:
            attempt = services.start_custom_attempt(current_user, test, now=_now())
        except services.CannotStartError as exc:
            form.count.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for("exams.question", attempt_id=attempt.id, position=1))
    return render_template(
        "exams/custom.html",
        groups=groups,
        form=form,
        counts=builder.builder_counts(current_user, banks),
    )


@bp.get("/attempts/<int:attempt_id>")
@_reads_without_transaction
@login_required
def resume(attempt_id: int):
    attempt = _own_attempt(attempt_id, adaptive_endpoint="readiness.question")
    if expired := _expired_redirect(attempt):
        return expired
    if not attempt.is_open or attempt.on_break:
        return redirect(_where_now(attempt))
    unanswered = services.load_navigator(attempt).unanswered_positions
    position = unanswered[0] if unanswered else attempt.current_positions[0]
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=position))


def _render_question(
    attempt: Attempt, item, *, status: int = 200, error: str | None = None, refused=None
):
    """The question page; given the `refused` form, with the choices it sent rather than the
    saved answer (a refused answer must not look lost or replaced)."""
    navigator = services.load_navigator(attempt)
    qtype = item.qtype
    slot = item.slot
    content = item.version.content
    feedback = attempt.is_tutor and slot.graded
    if refused is not None:
        state = qtype.submitted_values(content, slot.layout, refused)
        options = submitted_option_views(
            qtype, content, slot.layout, state, refused.getlist("struck")
        )
        stats = {}
    else:
        state = (
            qtype.form_state(content, slot.layout, slot.response)
            if (slot.response is not None)
            else {}
        )
        # Only a graded question reads how others chose: the unanswered page's queries stay
        # three.
        stats = (
            sums_of_versions([item.version.id]) if feedback and qtype.name in CHOICE_TYPES else {}
        )
        options = item_option_views(item, graded=feedback, stats=stats)
    return render_template(
        "exams/question.html",
        attempt=attempt,
        item=item,
        qtype=qtype,
        presentation=qtype.present(content, slot.layout),
        options=options,
        answered_by=answered_count(stats.get(item.version.id)),
        min_answers=MIN_ANSWERS_FOR_SHARES,
        state=state,
        navigator=navigator,
        navigator_cells=navigator_cells(navigator, slot.position),
        positions=attempt.current_positions,
        seconds_left=attempt.seconds_left(_now()),
        error=error,
        feedback=feedback,
    ), status


@bp.get("/attempts/<int:attempt_id>/<int:position>")
@_reads_without_transaction
@login_required
def question(attempt_id: int, position: int):
    attempt, item = _own_attempt_item(attempt_id, position)
    if expired := _expired_redirect(attempt):
        return expired
    if not attempt.is_open:
        return redirect(url_for("exams.results", attempt_id=attempt.id))
    if not services.takes_answers_at(attempt, position):
        if not attempt.on_break:
            flash(_not_in_section_message(attempt, position), "info")
        return redirect(_where_now(attempt))
    first_view = services.mark_shown(item, now=_now())
    page = _render_question(attempt, item)
    if first_view:  # committed after rendering, which a commit's expiry would make read again
        db.session.commit()  # (on PostgreSQL the UPDATE ran in autocommit)
    return page


def _not_in_section_message(attempt: Attempt, position: int) -> str:
    title = attempt.current_section["title"]
    if position < attempt.current_positions[0]:
        return f"Question {position} is in a finished section, which is locked. You are in {title}."
    return f"Question {position} is in a later section. You are in {title}."


def _destination(attempt: Attempt, position: int, action: str) -> str:
    """Where a form post goes next, within the current section (or the whole test)."""
    first, last = attempt.current_positions[0], attempt.current_positions[-1]
    if action == "prev":
        position = max(first, position - 1)
    elif action == "next":
        if position >= last:
            return url_for("exams.review", attempt_id=attempt.id)
        position += 1
    elif action == "review":
        return url_for("exams.review", attempt_id=attempt.id)
    elif action.startswith("goto-"):
        target = parse_whole_number(action.removeprefix("goto-"))
        if target is not None:
            position = min(max(first, target), last)
    return url_for("exams.question", attempt_id=attempt.id, position=position)


@bp.post("/attempts/<int:attempt_id>/<int:position>")
@login_required
def answer(attempt_id: int, position: int):
    attempt, item = _own_attempt_item(attempt_id, position)
    action = request.form.get("action", "next")
    # The per-option "strike out" button of the page without JavaScript.
    strike = action.removeprefix("strike-") if action.startswith("strike-") else None
    revision = parse_whole_number(request.form.get("revision", ""))
    if revision is None:
        abort(400, "The form is missing its revision number. Reload the page and try again.")
    try:
        services.check_open(attempt, now=_now(), grace=_grace(), position=position)
        if action == "time-up":  # the countdown's post at zero
            ended, problem = services.save_at_time_up(
                attempt, item, request.form, revision=revision, now=_now(), grace=_grace()
            )
            return _after_time_up(attempt, position, ended=ended, problem=problem)
        if not item.slot.graded:
            services.save_answer(
                attempt,
                item,
                request.form,
                revision=revision,
                now=_now(),
                grace=_grace(),
                # In tutor mode only "Check answer" grades (and locks); Skip, Flag, Previous,
                # the navigator and Review keep the answer saved but open, as autosave does.
                grade=action == "check",
                toggle_strike=strike,
            )
        if action in ("flag", "unflag"):
            services.set_flag(attempt, item, action == "flag", now=_now(), grace=_grace())
    except services.AttemptExpiredError as exc:
        db.session.commit()
        flash(str(exc), "warning")
        return redirect(url_for("exams.results", attempt_id=attempt.id))
    except services.AttemptClosedError as exc:
        flash(str(exc), "info")
        return redirect(url_for("exams.results", attempt_id=attempt.id))
    except (services.SectionExpiredError, services.SectionLockedError) as exc:
        db.session.commit()  # a section that expired here stays ended
        flash(str(exc), "warning")
        return redirect(_where_now(attempt))
    except services.StaleAnswerError as exc:
        db.session.rollback()
        item = services.load_item(attempt, position)
        return _render_question(attempt, item, status=409, error=str(exc))
    except services.InvalidAnswerError as exc:
        db.session.rollback()
        return _render_question(attempt, item, status=400, error=str(exc), refused=request.form)
    # Built before the commit, which would expire the attempt and cost a re-select. Check,
    # flag, unflag, strike and save stay on this question.
    destination = _destination(attempt, position, action)
    if action == "check":
        if item.slot.graded:  # the save expired the slot: re-read
            destination += "#feedback"
        elif missing := services.unchecked_reason(item):
            flash(
                f"{missing} Your answer so far is saved; check it once it is complete.", "warning"
            )
        else:
            flash("Answer the question to check it, or choose Skip.", "info")
    elif strike is not None:
        destination += "#answer-options"
    elif action == "exit":
        destination = url_for("main.index")
        flash(_saved_for_later(attempt), "info")
    db.session.commit()
    return redirect(destination)


def _saved_for_later(attempt: Attempt) -> str:
    """What "Save and exit" tells: the answers wait, and a timed test's clock does not."""
    message = f"Your answers to {attempt.title} are saved; continue it from your home page."
    if attempt.deadline is not None:
        message += " Its time keeps running while you are away."
    return message


def _after_time_up(attempt: Attempt, position: int, *, ended: bool, problem: str | None):
    """Where the countdown's post at zero leads: the results (headed "Time is up") or the
    break, or back to the question when the server's deadline is further off."""
    if problem:
        flash(f"Your last answer, to question {position}, could not be saved: {problem}", "warning")
    if not ended:
        destination = url_for("exams.question", attempt_id=attempt.id, position=position)
    else:
        if attempt.is_open:
            flash(_section_time_up_message(attempt), "warning")
        destination = _where_now(attempt)
    db.session.commit()
    return redirect(destination)


@bp.post("/attempts/<int:attempt_id>/<int:position>/autosave")
@login_required
def autosave(attempt_id: int, position: int):
    """JavaScript's save-as-you-go: the same checks as the form, answered in JSON. It never
    grades: in tutor mode "Check answer" does."""
    attempt, item = _own_attempt_item(attempt_id, position)
    revision = parse_whole_number(request.form.get("revision", ""))
    if revision is None:
        abort(400, "The revision number is missing.")
    try:
        services.save_answer(
            attempt,
            item,
            request.form,
            revision=revision,
            now=_now(),
            grace=_grace(),
            grade=False,
        )
    except (services.AttemptExpiredError, services.AttemptClosedError) as exc:
        db.session.commit()
        return jsonify(
            saved=False,
            finished=True,
            message=str(exc),
            results_url=url_for("exams.results", attempt_id=attempt.id),
        ), 409
    # After a 409 the page reloads to show what is saved now (or where the test is): the
    # message is flashed so that the reloaded page still tells the student why.
    except (services.SectionExpiredError, services.SectionLockedError) as exc:
        db.session.commit()  # a section that expired here stays ended; the page reloads
        flash(str(exc), "warning")
        return jsonify(saved=False, finished=False, message=str(exc)), 409
    except (services.StaleAnswerError, services.AnswerLockedError) as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return jsonify(saved=False, finished=False, message=str(exc)), 409
    except services.InvalidAnswerError as exc:
        db.session.rollback()
        return jsonify(saved=False, finished=False, message=str(exc)), 400
    seconds_left = attempt.seconds_left(_now())  # read before the commit expires the attempt
    db.session.commit()
    return jsonify(saved=True, revision=revision + 1, seconds_left=seconds_left)


@bp.route("/attempts/<int:attempt_id>/<int:position>/report", methods=["GET", "POST"])
@login_required
def report(attempt_id: int, position: int):
    attempt, item = _own_attempt_item(attempt_id, position)
    form = ReportForm()
    if form.validate_on_submit():
        services.report_problem(current_user, attempt, item, form.message.data)
        db.session.commit()
        flash("Thank you. Your report was sent to the bank's reviewers.", "success")
        if attempt.is_open:
            return redirect(url_for("exams.question", attempt_id=attempt.id, position=position))
        return redirect(url_for("exams.results", attempt_id=attempt.id))
    return render_template("exams/report.html", attempt=attempt, item=item, form=form)


@bp.get("/attempts/<int:attempt_id>/review")
@_reads_without_transaction
@login_required
def review(attempt_id: int):
    return _before_submit(attempt_id, "exams/review.html", with_time_left=True)


def _before_submit(attempt_id: int, template: str, *, with_time_left: bool = False):
    """A page about the current section's answers before it is submitted (review, confirm);
    elsewhere (time up, a break, finished) the student is sent where the attempt now is."""
    attempt = _own_attempt(attempt_id)
    if expired := _expired_redirect(attempt, grace=-services.COUNTDOWN_LEAD):
        return expired
    if not attempt.is_open or attempt.on_break:
        return redirect(_where_now(attempt))
    extra = {"seconds_left": attempt.seconds_left(_now())} if with_time_left else {}
    return render_template(
        template,
        attempt=attempt,
        navigator=services.load_navigator(attempt),
        unfinished=services.unfinished_positions(attempt),
        form=EmptyForm(),
        **extra,
    )


@bp.get("/attempts/<int:attempt_id>/submit")
@_reads_without_transaction
@login_required
def confirm_submit(attempt_id: int):
    """The confirmation before submitting (the review page's submit without JavaScript)."""
    return _before_submit(attempt_id, "exams/confirm_submit.html")


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """Submit the test, or in a sectioned test the section the form was shown for."""
    attempt = _own_attempt(attempt_id)
    if attempt.is_open and not services.expire_if_due(attempt, now=_now(), grace=_grace()):
        section = parse_whole_number(request.form.get("section", ""))
        if section == attempt.section_number and not attempt.on_break:
            services.end_section(attempt, now=_now(), reason="submitted")
    elif attempt.is_open:
        flash(_section_time_up_message(attempt), "warning")
    destination = _where_now(attempt)  # built before the commit expires the attempt
    db.session.commit()
    return redirect(destination)


@bp.get("/attempts/<int:attempt_id>/break")
@_reads_without_transaction
@login_required
def section_break(attempt_id: int):
    """Between two sections: the next one's clock starts when the student is ready."""
    attempt = _own_attempt(attempt_id)
    if not attempt.on_break:
        return redirect(_where_now(attempt))
    return render_template("exams/break.html", attempt=attempt, form=EmptyForm())


@bp.post("/attempts/<int:attempt_id>/break")
@login_required
def start_section(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    services.start_section(attempt, now=_now())
    destination = _where_now(attempt)
    db.session.commit()
    return redirect(destination)


@bp.get("/attempts/<int:attempt_id>/results")
@login_required
def results(attempt_id: int):
    attempt = _own_attempt(attempt_id, adaptive_endpoint="readiness.results")
    if attempt.is_open and not services.expire_if_due(attempt, now=_now(), grace=timedelta(0)):
        flash("Submit the test to see your results.", "info")
        return redirect(url_for("exams.review", attempt_id=attempt.id))
    if attempt.is_open:  # only a section ended: on to the break
        flash(_section_time_up_message(attempt), "warning")
        destination = _where_now(attempt)
        db.session.commit()
        return redirect(destination)
    db.session.commit()
    show = request.args.get("show", "all")
    if show not in RESULT_FILTERS:
        show = "all"
    items = services.load_items(attempt)
    shown = [
        item
        for item in items
        if show == "all"
        or (show == "wrong" and (item.slot.score or 0) < 1)
        or (show == "flagged" and item.slot.flagged)
    ]
    stats = sums_of_versions(item.version.id for item in shown)
    assignment = attempt.assignment_id and db.session.get(Assignment, attempt.assignment_id)
    return render_template(
        "exams/results.html",
        attempt=attempt,
        items=shown,
        item_options={
            item.slot.position: item_option_views(item, graded=True, stats=stats) for item in shown
        },
        answered_by_version={
            version_id: answered_count(sums) for version_id, sums in stats.items()
        },
        min_answers=MIN_ANSWERS_FOR_SHARES,
        total_items=len(items),
        topics=services.topic_scores(items),
        peer_times=services.peer_median_times(current_user, shown),
        min_peer_times=services.MIN_PEER_TIMES,
        show=show,
        missed=sum((item.slot.score or 0) < 1 for item in items),
        start_form=StartForm(mode="tutor"),
        readiness_cards=_readiness_cards(attempt),
        assignment=assignment,
        # After leaving the class, its instructor no longer sees the student's results.
        seen_by_instructor=assignment is not None
        and is_enrolled(current_user.id, assignment.class_id),
        own=True,
    )


def _readiness_cards(attempt: Attempt) -> list:
    """Readiness for the attempt's blueprint, with this score's percentile (exam mode)."""
    if attempt.blueprint_id is None:
        return []
    blueprint = db.session.get(TestBlueprint, attempt.blueprint_id)
    if blueprint is None:
        return []
    scores = {blueprint.id: attempt.percent} if attempt.mode == Mode.EXAM else {}
    return readiness_services.readiness_cards(
        attempt.user_id, [blueprint], now=_now(), scores=scores
    )


@bp.post("/attempts/<int:attempt_id>/practice-missed")
@login_required
def practice_missed(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    form = StartForm()
    if attempt.is_open or not form.validate_on_submit():
        abort(400, "Practice your missed questions once the test is submitted.")
    try:
        new_attempt = services.start_missed_attempt(
            current_user, attempt, mode=Mode(form.mode.data), now=_now()
        )
    except services.CannotStartError as exc:
        flash(str(exc), "info")
        return redirect(url_for("exams.results", attempt_id=attempt.id))
    db.session.commit()
    return redirect(url_for("exams.question", attempt_id=new_attempt.id, position=1))
