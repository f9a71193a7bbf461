"""A student's progress: history, scores over time, topic mastery, weakest-topics practice."""

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from quizapp.auth.models import User
from quizapp.banks import services as bank_services
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, Mode
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.history import services
from quizapp.history.aggregates import RECENT_ANSWERS_PER_TOPIC
from quizapp.history.charts import score_chart
from quizapp.readiness import services as readiness_services
from quizapp.scoring.item_analysis import MIN_RESPONSES_TO_JUDGE
from quizapp.utils import csv_response, local, requested_page, site_zone

bp = Blueprint("history", __name__)

ATTEMPTS_PER_PAGE = 25


def render_fragment(template: str, **context) -> Markup:
    """Part of a page rendered on its own, to be placed in the page."""
    # render_template autoescapes: the result is already safe HTML.
    return Markup(render_template(template, **context))  # noqa: S704  # nosec B704


def score_section(series: dict, pass_percent: float | None = None) -> Markup:
    """The scores-over-time chart (with a pass line at `pass_percent`) and its table."""
    return render_fragment(
        "history/_score_section.html",
        series=series,
        chart=score_chart(series, pass_percent),
        pass_percent=pass_percent,
    )


@bp.app_template_filter("short_duration")
def short_duration(seconds: int | None) -> str:
    """A time taken, in seconds under a minute: "45 s", "12 min", "1 h 05 min"."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def item_analysis_section(
    bank_id: int | None, user_ids: list[int] | None, *, page: int = 1, bank_slug: str | None = None
) -> Markup:
    """Item statistics of a bank (one page of them) and reliability per practice test, over
    these users' (or everyone's) finished exams, from the sums kept as exams are graded.
    `bank_slug` goes into the page links of a page that chooses its bank by a parameter."""
    if bank_id is None or user_ids == []:
        rows, reliability = None, []
    else:
        rows = services.item_analysis_page(bank_id=bank_id, user_ids=user_ids, page=page)
        reliability = services.blueprint_reliability(user_ids)
    return render_fragment(
        "history/_items.html",
        rows=rows,
        reliability=reliability,
        min_responses=MIN_RESPONSES_TO_JUDGE,
        bank_slug=bank_slug,
    )


def progress_context(student: User, *, own: bool, bank_slug: str | None, page_number: int) -> dict:
    """Everything the progress page shows about one student (for them or their instructor).

    Scores and mastery come from the student's aggregates and the finished tests come a page
    at a time, so the page costs the same whatever the student's history.
    """
    banks = db.session.scalars(bank_services.visible_banks_query(student)).all()
    bank = next((b for b in banks if b.slug == bank_slug), None)
    every_topic = services.topic_mastery(student.id)
    mastery = services.ranked_topics(every_topic)
    return {
        "student": student,
        "banks": banks,
        "bank": bank,
        "attempts_table": render_fragment(
            "history/_attempts_table.html",
            attempts=db.paginate(
                services.finished_attempts_query([student.id], bank.id if bank else None),
                page=page_number,
                per_page=ATTEMPTS_PER_PAGE,
                error_out=False,
            ),
            bank=bank,
            own=own,
        ),
        "in_progress": exam_services.in_progress_attempts(student),
        "score_section": score_section(
            services.score_series(student.id), services.pass_mark(student.id)
        ),
        "readiness_section": render_fragment(
            "history/_readiness.html",
            readiness_cards=readiness_services.progress_cards(student.id, now=datetime.now(UTC)),
            own=own,
        ),
        "mastery": mastery,
        "unranked_topics": len(every_topic) - len(mastery),
        "min_answers": services.MIN_ANSWERS_FOR_MASTERY,
        "mastery_table": render_fragment("history/_mastery_table.html", mastery=mastery),
        "answered": services.questions_answered(student.id),
        "recent_answers": RECENT_ANSWERS_PER_TOPIC,
        "now": datetime.now(UTC),
    }


@bp.get("/progress")
@login_required
def dashboard():
    context = progress_context(
        current_user,
        own=True,
        bank_slug=request.args.get("bank"),
        page_number=requested_page(),
    )
    return render_template("history/dashboard.html", own=True, form=EmptyForm(), **context)


def _passed_cell(attempt: Attempt) -> str:
    """yes / no; an adaptive check may also end undecided."""
    if attempt.adaptive_verdict is not None:
        return {"pass": "yes", "fail": "no"}.get(attempt.adaptive_verdict, "undecided")
    return "yes" if attempt.passed else "no"


@bp.get("/progress/history.csv")
@login_required
def export():
    attempts = db.session.scalars(services.finished_attempts_query([current_user.id]))
    return csv_response(
        [
            f"finished ({site_zone().key})",
            "test",
            "mode",
            "questions",
            "points",
            "percent",
            "passed",
            "seconds",
            "seconds per question",
            "percent is",
        ],
        (
            [
                local(a.finished_at, "%Y-%m-%d %H:%M"),
                a.title,
                a.mode,
                a.question_count,
                round(a.score_points or 0, 2),
                round(a.percent or 0, 1),
                _passed_cell(a),
                a.time_used_seconds(),
                a.seconds_per_question,
                "estimated score on a full test" if a.mode == Mode.ADAPTIVE.value else "score",
            ]
            for a in attempts
        ),
        "my-practice-history.csv",
    )


@bp.post("/progress/practice-weakest")
@login_required
def practice_weakest():
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("history.dashboard"))
    try:
        attempt = services.start_weakest_topics_attempt(current_user, now=datetime.now(UTC))
    except exam_services.CannotStartError as exc:
        flash(str(exc), "info")
        return redirect(url_for("history.dashboard"))
    db.session.commit()
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=1))
