"""Classes: create and join them; rosters, reports, student histories and item analysis."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quizapp.admin.forms import ACCOMMODATIONS, AccommodationForm
from quizapp.assignments import services as assignment_services
from quizapp.auth.decorators import instructor_required, role_required
from quizapp.auth.models import Role, User
from quizapp.banks import services as bank_services
from quizapp.classes import reports, services
from quizapp.classes.forms import ClassForm, JoinForm
from quizapp.classes.models import Classroom
from quizapp.confirmations import Confirmation
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.history import services as history
from quizapp.history.charts import score_chart
from quizapp.history.views import item_analysis_section, progress_context
from quizapp.utils import csv_response, requested_page

bp = Blueprint("classes", __name__, url_prefix="/classes")

ROSTER_PAGE_SIZE = 50


def _managed_class_or_404(class_id: int):
    classroom = services.managed_class(current_user, class_id)
    if classroom is None:
        abort(404)
    return classroom


def _enrolled_student_or_404(classroom, student_id: int) -> User:
    if not services.is_enrolled(student_id, classroom.id):
        abort(404)
    return db.session.get(User, student_id)


def leave_confirmation(classroom: Classroom) -> Confirmation:
    teacher = classroom.instructor.display_name
    return Confirmation(
        question=f"Leave the class '{classroom.name}' of {teacher}?",
        consequence=f"{teacher} will no longer see your results. Your results stay on your "
        "account; to join again you need the class's join code.",
        confirm_label="Leave the class",
        url=url_for("classes.leave", class_id=classroom.id),
        cancel_url=url_for("classes.index"),
    )


def new_code_confirmation(classroom: Classroom) -> Confirmation:
    return Confirmation(
        question=f"Make a new join code for '{classroom.name}'?",
        consequence=f"The code {classroom.join_code} stops working at once. Students who have "
        "already joined stay in the class; give the new code to those still to join.",
        confirm_label="Make a new code",
        url=url_for("classes.regenerate_code", class_id=classroom.id),
        cancel_url=url_for("classes.detail", class_id=classroom.id),
    )


def remove_confirmation(classroom: Classroom, student: User) -> Confirmation:
    return Confirmation(
        question=f"Remove {student.display_name} from '{classroom.name}'?",
        consequence="They keep their account and results, but you will no longer see them. "
        "They can join again with the class's join code unless you make a new one.",
        confirm_label="Remove the student",
        url=url_for("classes.remove_student", class_id=classroom.id, student_id=student.id),
        cancel_url=url_for("classes.detail", class_id=classroom.id),
    )


def _joined_class_or_404(class_id: int) -> Classroom:
    classroom = db.session.get(Classroom, class_id)
    if classroom is None or not services.is_enrolled(current_user.id, classroom.id):
        abort(404)
    return classroom


@bp.get("")
@login_required
def index():
    teaching = (
        services.classes_run_by(current_user)
        if current_user.has_role(Role.INSTRUCTOR, Role.ADMIN)
        else []
    )
    return render_template(
        "classes/index.html",
        teaching=teaching,
        joined=[(c, leave_confirmation(c)) for c in services.classes_joined_by(current_user)],
        class_form=ClassForm(),
        join_form=JoinForm(),
    )


@bp.post("")
@instructor_required
def create():
    form = ClassForm()
    if not form.validate_on_submit():
        flash("Give the class a name of at most 120 characters.", "danger")
        return redirect(url_for("classes.index"))
    classroom = services.create_class(current_user, form.name.data)
    db.session.commit()
    flash(f"Class created. Students join it with the code {classroom.join_code}.", "success")
    return redirect(url_for("classes.detail", class_id=classroom.id))


@bp.post("/join")
@role_required(Role.STUDENT)
def join():
    form = JoinForm()
    if not form.validate_on_submit():
        flash("Enter the join code your instructor gave you.", "danger")
        return redirect(url_for("classes.index"))
    try:
        classroom = services.join_class(current_user, form.code.data)
    except services.ClassError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("classes.index"))
    db.session.commit()
    flash(f"You joined {classroom.name}. Your instructor can now see your results.", "success")
    return redirect(url_for("classes.index"))


@bp.get("/<int:class_id>/leave")
@login_required
def confirm_leave(class_id: int):
    confirmation = leave_confirmation(_joined_class_or_404(class_id))
    return render_template("confirm.html", confirmation=confirmation)


@bp.post("/<int:class_id>/leave")
@login_required
def leave(class_id: int):
    classroom = db.session.get(Classroom, class_id)
    if classroom is None or not services.remove_student(classroom, current_user.id):
        abort(404)
    db.session.commit()
    flash(f"You left {classroom.name}.", "info")
    return redirect(url_for("classes.index"))


@bp.get("/<int:class_id>")
@instructor_required
def detail(class_id: int):
    classroom = _managed_class_or_404(class_id)
    page = db.paginate(
        services.roster_query(classroom),
        page=requested_page(),
        per_page=ROSTER_PAGE_SIZE,
        error_out=False,
    )
    everyone = services.student_ids(classroom)
    averages = reports.class_average_series(everyone)
    assignments = assignment_services.class_assignments(classroom)
    return render_template(
        "classes/detail.html",
        classroom=classroom,
        roster=page,
        rows=reports.roster_rows(page.items, reports.roster_results([s.id for s in page.items])),
        new_code=new_code_confirmation(classroom),
        removals={s.id: remove_confirmation(classroom, s) for s in page.items},
        blueprints=reports.roster_blueprints(everyone),
        averages=averages,
        chart=score_chart(averages),
        mastery=history.class_topic_mastery(everyone),
        banks=db.session.scalars(bank_services.visible_banks_query(current_user)).all(),
        accommodations=ACCOMMODATIONS,
        class_accommodations=services.class_accommodations(classroom, [s.id for s in page.items]),
        assignments=assignments,
        completions=assignment_services.completions(classroom, assignments),
        now=datetime.now(UTC),
    )


@bp.get("/<int:class_id>/code")
@instructor_required
def confirm_regenerate_code(class_id: int):
    confirmation = new_code_confirmation(_managed_class_or_404(class_id))
    return render_template("confirm.html", confirmation=confirmation)


@bp.post("/<int:class_id>/code")
@instructor_required
def regenerate_code(class_id: int):
    classroom = _managed_class_or_404(class_id)
    if EmptyForm().validate_on_submit():
        code = services.regenerate_code(classroom)
        db.session.commit()
        flash(f"New join code: {code}. The old code no longer works.", "success")
    return redirect(url_for("classes.detail", class_id=classroom.id))


@bp.get("/<int:class_id>/students/<int:student_id>/remove")
@instructor_required
def confirm_remove_student(class_id: int, student_id: int):
    classroom = _managed_class_or_404(class_id)
    student = _enrolled_student_or_404(classroom, student_id)
    return render_template("confirm.html", confirmation=remove_confirmation(classroom, student))


@bp.post("/<int:class_id>/students/<int:student_id>/remove")
@instructor_required
def remove_student(class_id: int, student_id: int):
    classroom = _managed_class_or_404(class_id)
    student = _enrolled_student_or_404(classroom, student_id)
    services.remove_student(classroom, student.id)
    db.session.commit()
    flash(f"{student.display_name} was removed from {classroom.name}.", "info")
    return redirect(url_for("classes.detail", class_id=classroom.id))


@bp.post("/<int:class_id>/students/<int:student_id>/accommodation")
@instructor_required
def accommodation(class_id: int, student_id: int):
    classroom = _managed_class_or_404(class_id)
    student = _enrolled_student_or_404(classroom, student_id)
    form = AccommodationForm()
    if form.validate_on_submit():
        try:
            services.set_class_accommodation(classroom, student, form.time.data, actor=current_user)
        except services.ClassError:  # removed from the class meanwhile
            abort(404)
        db.session.commit()
        label = ACCOMMODATIONS[form.time.data].lower()
        flash(
            f"{student.display_name}: {label} on this class's tests started from now on.",
            "success",
        )
    return redirect(url_for("classes.detail", class_id=classroom.id))


@bp.get("/<int:class_id>/students/<int:student_id>")
@instructor_required
def student(class_id: int, student_id: int):
    classroom = _managed_class_or_404(class_id)
    student = _enrolled_student_or_404(classroom, student_id)
    context = progress_context(
        student,
        own=False,
        bank_slug=request.args.get("bank"),
        page_number=requested_page(),
    )
    return render_template(
        "classes/student.html", classroom=classroom, own=False, form=EmptyForm(), **context
    )


@bp.get("/<int:class_id>/report.csv")
@instructor_required
def export(class_id: int):
    classroom = _managed_class_or_404(class_id)
    rows, blueprints = reports.roster_report(services.roster(classroom))
    header = ["student", "email", "finished tests"]
    for title in blueprints.values():
        header += [
            f"{title}: attempts",
            f"{title}: latest %",
            f"{title}: best %",
            f"{title}: trend",
        ]
    lines = []
    for row in rows:
        line = [row.student.display_name, row.student.email, row.attempts]
        for blueprint_id in blueprints:
            result = row.by_blueprint.get(blueprint_id)
            if result is None:
                line += [0, "", "", ""]
            else:
                trend = "" if result.trend is None else round(result.trend, 1)
                line += [result.attempts, round(result.latest, 1), round(result.best, 1), trend]
        lines.append(line)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return csv_response(header, lines, f"class-{classroom.id}-report-{stamp}.csv")


@bp.get("/<int:class_id>/items")
@instructor_required
def items(class_id: int):
    classroom = _managed_class_or_404(class_id)
    ids = [s.id for s in services.roster(classroom)]
    banks = db.session.scalars(bank_services.visible_banks_query(current_user)).all()
    bank = next(
        (b for b in banks if b.slug == request.args.get("bank")), banks[0] if banks else None
    )
    return render_template(
        "classes/items.html",
        classroom=classroom,
        banks=banks,
        bank=bank,
        analysis=item_analysis_section(
            bank.id if bank else None, ids, page=requested_page(), bank_slug=bank and bank.slug
        ),
    )
