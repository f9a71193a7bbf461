"""Instructors set practice tests for classes and see who did them; students start them."""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from quizapp.assignments import services
from quizapp.assignments.forms import AssignForm, ScheduleForm, StartAssignmentForm
from quizapp.assignments.models import Assignment
from quizapp.auth.decorators import instructor_required
from quizapp.banks import services as bank_services
from quizapp.classes import services as class_services
from quizapp.classes.models import Classroom
from quizapp.confirmations import Confirmation
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.utils import csv_response, requested_page, site_zone

bp = Blueprint("assignments", __name__)

REPORT_PAGE_SIZE = 50
#: A new assignment is due this many days after today, at DEFAULT_DUE_TIME (local time).
DEFAULT_DAYS = 7
DEFAULT_DUE_TIME = time(23, 59)


def _now() -> datetime:
    return datetime.now(UTC)


def _to_local(moment: datetime) -> datetime:
    """A stored UTC time as the naive local time a date-and-time field shows."""
    return moment.astimezone(site_zone()).replace(tzinfo=None)


def _from_local(moment: datetime) -> datetime:
    """A time typed in the school's zone (a naive datetime) as UTC."""
    return moment.replace(tzinfo=site_zone()).astimezone(UTC)


@bp.app_template_filter("local_time")
def local_time(moment: datetime) -> str:
    return services.format_when(moment, site_zone())


def _assignment_of_class_or_404(class_id: int, assignment_id: int) -> tuple[Classroom, Assignment]:
    classroom = class_services.managed_class(current_user, class_id)
    assignment = db.session.get(Assignment, assignment_id)
    if classroom is None or assignment is None or assignment.class_id != classroom.id:
        abort(404)
    return classroom, assignment


def withdraw_confirmation(classroom: Classroom, assignment: Assignment) -> Confirmation:
    return Confirmation(
        question=f"Withdraw '{assignment.blueprint.title}' from {classroom.name}?",
        consequence="Students no longer see it or can start it. Attempts they already made "
        "stay in their results, but no longer count as this assignment.",
        confirm_label="Withdraw the assignment",
        url=url_for("assignments.withdraw", class_id=classroom.id, assignment_id=assignment.id),
        cancel_url=url_for(
            "assignments.report", class_id=classroom.id, assignment_id=assignment.id
        ),
    )


@bp.route("/assignments/new", methods=["GET", "POST"])
@instructor_required
def new():
    classes = class_services.classes_run_by(current_user)
    tests = {
        t.slug: t for t in db.session.scalars(bank_services.visible_blueprints_query(current_user))
    }
    form = AssignForm()
    form.test.choices = [SelectChoice("", "Choose a practice test")] + [
        SelectChoice(slug, f"{t.title} ({t.question_count} questions, {t.time_limit_minutes} min)")
        for slug, t in tests.items()
    ]
    form.classes.choices = [SelectChoice(c.id, c.name) for c in classes]
    if request.method == "GET":
        today = _now().astimezone(site_zone()).replace(second=0, microsecond=0, tzinfo=None)
        form.test.data = request.args.get("test", "")
        wanted = request.args.get("class")
        # The class asked for, or the only one the instructor has.
        form.classes.data = [c.id for c in classes if str(c.id) == wanted or len(classes) == 1]
        form.opens_at.data = today
        form.due_at.data = datetime.combine(
            today.date() + timedelta(DEFAULT_DAYS), DEFAULT_DUE_TIME
        )
    error = None
    if form.validate_on_submit():
        chosen = [c for c in classes if c.id in form.classes.data]
        try:
            assignments = services.assign_test(
                current_user,
                tests[form.test.data],
                chosen,
                mode=form.mode.data,
                opens_at=_from_local(form.opens_at.data),
                due_at=_from_local(form.due_at.data),
                max_attempts=form.max_attempts.data,
                accept_late=form.accept_late.data,
                now=_now(),
            )
        except services.AssignmentError as exc:
            error = str(exc)
        else:
            db.session.commit()
            names = ", ".join(c.name for c in chosen)
            due = local_time(assignments[0].due_at)
            flash(f"{tests[form.test.data].title} assigned to {names}, due {due}.", "success")
            return redirect(url_for("classes.detail", class_id=chosen[0].id) + "#assignments")
    elif request.method == "POST":
        error = "Check the fields marked below; nothing was assigned yet."
    return render_template(
        "assignments/new.html",
        form=form,
        error=error,
        has_classes=bool(classes),
        zone=current_app.config["TIMEZONE"],
    ), (400 if error else 200)


@bp.get("/classes/<int:class_id>/assignments/<int:assignment_id>")
@instructor_required
def report(class_id: int, assignment_id: int):
    classroom, assignment = _assignment_of_class_or_404(class_id, assignment_id)
    page = db.paginate(
        class_services.roster_query(classroom),
        page=requested_page(),
        per_page=REPORT_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "assignments/report.html",
        classroom=classroom,
        assignment=assignment,
        completion=services.completions(classroom, [assignment])[assignment.id],
        roster=page,
        rows=services.roster_progress(assignment, page.items),
        withdraw=withdraw_confirmation(classroom, assignment),
        window=assignment.window(_now()),
    )


@bp.get("/classes/<int:class_id>/assignments/<int:assignment_id>.csv")
@instructor_required
def export(class_id: int, assignment_id: int):
    """Every student's status, attempts and best score, for a gradebook."""
    classroom, assignment = _assignment_of_class_or_404(class_id, assignment_id)
    header = ["student", "email", "status", "attempts used", "best %", "best finished", "late"]
    lines = []
    for student, progress in services.roster_progress(assignment, class_services.roster(classroom)):
        best = progress.best
        lines.append(
            [
                student.display_name,
                student.email,
                progress.status,
                progress.used,
                "" if best is None else round(best.percent or 0.0, 1),
                "" if best is None else local_time(best.finished_at),
                "" if best is None else ("yes" if assignment.is_late(best.finished_at) else "no"),
            ]
        )
    return csv_response(header, lines, f"class-{classroom.id}-assignment-{assignment.id}.csv")


@bp.route(
    "/classes/<int:class_id>/assignments/<int:assignment_id>/schedule", methods=["GET", "POST"]
)
@instructor_required
def schedule(class_id: int, assignment_id: int):
    classroom, assignment = _assignment_of_class_or_404(class_id, assignment_id)
    form = ScheduleForm()
    if request.method == "GET":
        form.opens_at.data = _to_local(assignment.opens_at)
        form.due_at.data = _to_local(assignment.due_at)
        form.max_attempts.data = assignment.max_attempts
        form.accept_late.data = assignment.accept_late
    error = None
    if form.validate_on_submit():
        try:
            services.reschedule(
                assignment,
                opens_at=_from_local(form.opens_at.data),
                due_at=_from_local(form.due_at.data),
                max_attempts=form.max_attempts.data,
                accept_late=form.accept_late.data,
            )
        except services.AssignmentError as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(
                f"Saved: {assignment.blueprint.title} is now due {local_time(assignment.due_at)}.",
                "success",
            )
            return redirect(
                url_for("assignments.report", class_id=classroom.id, assignment_id=assignment.id)
            )
    elif request.method == "POST":
        error = "Check the fields marked below; nothing was changed yet."
    return render_template(
        "assignments/schedule.html",
        classroom=classroom,
        assignment=assignment,
        form=form,
        error=error,
        zone=current_app.config["TIMEZONE"],
    ), (400 if error else 200)


@bp.get("/classes/<int:class_id>/assignments/<int:assignment_id>/withdraw")
@instructor_required
def confirm_withdraw(class_id: int, assignment_id: int):
    confirmation = withdraw_confirmation(*_assignment_of_class_or_404(class_id, assignment_id))
    return render_template("confirm.html", confirmation=confirmation)


@bp.post("/classes/<int:class_id>/assignments/<int:assignment_id>/withdraw")
@instructor_required
def withdraw(class_id: int, assignment_id: int):
    classroom, assignment = _assignment_of_class_or_404(class_id, assignment_id)
    if EmptyForm().validate_on_submit():
        title = assignment.blueprint.title
        services.delete_assignment(assignment)
        db.session.commit()
        flash(f"{title} was withdrawn from {classroom.name}.", "info")
    return redirect(url_for("classes.detail", class_id=classroom.id) + "#assignments")


@bp.post("/assignments/<int:assignment_id>/start")
@login_required
def start(assignment_id: int):
    assignment = services.enrolled_assignment(current_user, assignment_id) or abort(404)
    form = StartAssignmentForm()
    if not form.validate_on_submit():
        flash("That start button had expired; please press it again.", "danger")
        return redirect(url_for("main.index"))
    try:
        attempt = services.start_assignment(
            current_user, assignment, mode=form.mode.data or None, now=_now(), zone=site_zone()
        )
    except services.AssignmentError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("main.index"))
    db.session.commit()
    return redirect(url_for("exams.resume", attempt_id=attempt.id))
