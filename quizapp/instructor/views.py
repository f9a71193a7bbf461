"""Upload a bank (preview, then confirm), manage it, edit its questions, work the report queue."""

import math
from collections import Counter
from datetime import UTC, datetime
from random import Random
from types import SimpleNamespace

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from quizapp.auth.decorators import instructor_required
from quizapp.banks import editor, imports, manage
from quizapp.banks import services as bank_services
from quizapp.banks.drawing import NotEnoughQuestionsError
from quizapp.banks.forms import (
    BankSettingsForm,
    BlueprintForm,
    QuestionEditForm,
    QuestionForm,
    UploadForm,
)
from quizapp.banks.images import ImageError, process_image
from quizapp.banks.media import MissingImageError
from quizapp.banks.models import Bank, Question
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.confirmations import Confirmation
from quizapp.exams.feedback import option_views
from quizapp.exams.models import QuestionReport
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.instructor import builder
from quizapp.instructor.forms import ReportReplyForm
from quizapp.scoring.question_types import QUESTION_TYPES, get_question_type
from quizapp.utils import requested_page

bp = Blueprint("instructor", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _managed_bank_or_404(slug: str) -> Bank:
    bank = db.session.scalar(sa.select(Bank).where(Bank.slug == slug, Bank.archived_at.is_(None)))
    if bank is None or not manage.can_manage(current_user, bank):
        abort(404)
    return bank


def _question_or_404(bank: Bank, external_id: str) -> Question:
    question = db.session.scalar(
        sa.select(Question).where(Question.bank_id == bank.id, Question.external_id == external_id)
    )
    if question is None:
        abort(404)
    return question


def _student_view(parsed_question):
    """How a student would see a previewed question (a fixed layout, inputs disabled)."""
    qtype = get_question_type(parsed_question.type)
    layout = qtype.make_layout(parsed_question.content, Random(0))  # noqa: S311 (display only)
    return SimpleNamespace(
        question=parsed_question,
        item=SimpleNamespace(version=SimpleNamespace(type=parsed_question.type)),
        qtype=qtype,
        presentation=qtype.present(parsed_question.content, layout),
        options=option_views(qtype, parsed_question.content, layout, None, None, graded=False),
        key=qtype.key_text(parsed_question.content),
    )


def delete_bank_confirmation(bank: Bank) -> Confirmation:
    count, used = manage.deletion_impact(bank)
    questions = f"{count} question{'' if count == 1 else 's'}"
    tests = manage.tests_drawing_from(bank)
    return Confirmation(
        question=f"Delete the bank '{bank.title}' and its {questions}?",
        consequence=(
            "Students have taken tests with its questions, so it is archived instead: it "
            "disappears from every list, and attempts already taken keep their results."
            if used
            else "Nobody has taken a test with its questions yet, so it is deleted for good."
        )
        + (
            f" These tests draw from it and can then no longer be started (assignments of them "
            f"included): {', '.join(tests)}."
            if tests
            else ""
        ),
        confirm_label="Delete the bank",
        url=url_for("instructor.delete", slug=bank.slug),
        cancel_url=url_for("instructor.settings", slug=bank.slug),
    )


def retire_blueprint_confirmation(blueprint: TestBlueprint) -> Confirmation:
    return Confirmation(
        question=f"Stop offering the test '{blueprint.title}'?",
        consequence="Students can no longer start it. Attempts already started can be "
        "finished, and results already taken keep it.",
        confirm_label="Stop offering the test",
        url=url_for("instructor.retire_blueprint", slug=blueprint.slug),
        cancel_url=url_for("banks.blueprint", slug=blueprint.slug),
    )


def _own_blueprint_or_404(slug: str) -> TestBlueprint:
    blueprint = db.session.scalar(sa.select(TestBlueprint).where(TestBlueprint.slug == slug))
    if (
        blueprint is None
        or blueprint.owner_id is None
        or not (current_user.is_admin or blueprint.owner_id == current_user.id)
    ):
        abort(404)
    return blueprint


@bp.route("/banks/upload", methods=["GET", "POST"])
@instructor_required
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        filename = file.filename or "upload"
        preview = imports.preview_import(
            file.read(),
            filename,
            fmt=form.format.data or None,
            title=form.title.data or None,
            max_questions=current_app.config["IMPORT_MAX_QUESTIONS"],
        )
        pending = manage.store_pending_import(
            current_user, filename=filename, preview=preview, now=_now()
        )
        db.session.commit()
        return redirect(url_for("instructor.preview", pending_id=pending.id))
    return render_template("instructor/upload.html", form=form)


@bp.get("/banks/imports/<int:pending_id>")
@instructor_required
def preview(pending_id: int):
    pending = manage.get_pending_import(current_user, pending_id) or abort(404)
    result = imports.preview_from_json(pending.preview)
    questions = result.bank.questions if result.bank else ()
    topics = {t.slug: t.title for t in result.bank.topics} if result.bank else {}
    page_size = current_app.config["IMPORT_PREVIEW_PAGE_SIZE"]
    pages = max(1, math.ceil(len(questions) / page_size))
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= pages:
        abort(404)
    shown = questions[(page - 1) * page_size : page * page_size]
    return render_template(
        "instructor/preview.html",
        pending=pending,
        result=result,
        question_count=len(questions),
        views=[_student_view(q) for q in shown],
        page=page,
        pages=pages,
        first_number=(page - 1) * page_size + 1,
        by_type=Counter(get_question_type(q.type).label for q in questions),
        by_topic=Counter(topics[q.topic_slug] for q in questions),
        already_held=manage.banks_holding(current_user, questions)[:3],
        form=EmptyForm(),
    )


@bp.post("/banks/imports/<int:pending_id>/confirm")
@instructor_required
def confirm(pending_id: int):
    pending = manage.get_pending_import(current_user, pending_id) or abort(404)
    result = imports.preview_from_json(pending.preview)
    if not result.can_import or not EmptyForm().validate_on_submit():
        flash("This file has errors; fix them and upload it again. Nothing was imported.", "danger")
        return redirect(url_for("instructor.preview", pending_id=pending.id))
    try:
        bank = imports.save_import(result, owner=current_user, now=_now())
    except MissingImageError:  # its pictures were cleared away while it waited
        db.session.rollback()
        flash("Some pictures of this upload are no longer here: upload the file again.", "danger")
        return redirect(url_for("instructor.preview", pending_id=pending_id))
    db.session.delete(pending)
    db.session.commit()
    flash(f"Imported {len(result.bank.questions)} questions into {bank.title}.", "success")
    return redirect(url_for("banks.detail", slug=bank.slug))


@bp.post("/banks/imports/<int:pending_id>/cancel")
@instructor_required
def cancel(pending_id: int):
    pending = manage.get_pending_import(current_user, pending_id) or abort(404)
    db.session.delete(pending)
    db.session.commit()
    flash("The upload was discarded.", "info")
    return redirect(url_for("instructor.upload"))


@bp.route("/banks/<slug>/settings", methods=["GET", "POST"])
@instructor_required
def settings(slug: str):
    bank = _managed_bank_or_404(slug)
    form = BankSettingsForm(obj=bank)
    if form.validate_on_submit():
        manage.update_settings(bank, title=form.title.data, visibility=form.visibility.data)
        db.session.commit()
        flash("Bank settings saved.", "success")
        return redirect(url_for("banks.detail", slug=bank.slug))
    return render_template(
        "instructor/settings.html",
        bank=bank,
        form=form,
        delete=delete_bank_confirmation(bank) if bank.owner_id else None,
    )


@bp.get("/banks/<slug>/delete")
@instructor_required
def confirm_delete(slug: str):
    bank = _managed_bank_or_404(slug)
    if bank.owner_id is None:
        abort(404)
    return render_template("confirm.html", confirmation=delete_bank_confirmation(bank))


@bp.post("/banks/<slug>/delete")
@instructor_required
def delete(slug: str):
    bank = _managed_bank_or_404(slug)
    if bank.owner_id is None:
        abort(400, "Shipped banks are managed with `flask banks sync`, not deleted here.")
    if EmptyForm().validate_on_submit():
        title = bank.title
        try:
            outcome = manage.delete_or_archive(bank, now=_now())
            db.session.commit()
        except sa.exc.IntegrityError:
            # A student started a test on it meanwhile, and the foreign keys kept its
            # questions: it is used now, so it is archived instead.
            db.session.rollback()
            outcome = manage.delete_or_archive(bank, now=_now())
            db.session.commit()
        flash(
            f"{title} was deleted."
            if outcome == "deleted"
            else f"{title} was archived: students' past results keep its questions.",
            "info",
        )
    return redirect(url_for("banks.index"))


def _question_form(bank: Bank, question_type: str, data: dict | None = None) -> QuestionForm:
    """The editor's form; with `data`, showing those values instead of the posted ones."""
    form = QuestionForm() if data is None else QuestionForm(formdata=None, data=data)
    form.topic.choices = [
        SelectChoice(topic.slug, "— " * depth + topic.title)
        for topic, depth in bank_services.topic_rows(bank)
    ]
    values = data if data is not None else form.data
    form.picture_target.choices = [
        SelectChoice(value, label) for value, label in editor.picture_targets(question_type, values)
    ]
    return form


def _editor_values(form: QuestionForm) -> dict:
    return {k: v for k, v in form.data.items() if k not in ("csrf_token", "picture")}


def _question_editor(bank: Bank, question: Question | None, question_type: str):
    """The form editor of a question (new when `question` is None): GET shows it; POST adds or
    removes a row, uploads a picture, previews, or saves a new version."""
    qtype = get_question_type(question_type)
    if request.method == "GET":
        if question is None:
            data = {"topic": bank.topics[0].slug if bank.topics else "", "shuffle": True}
            data = editor.with_spare_rows(question_type, data, editor.NEW_ROWS)
        else:
            version = question.current_version
            data = editor.form_from_version(**manage.version_fields(version))
            data = editor.with_spare_rows(question_type, data, editor.SPARE_ROWS)
            data["base_version"] = question.current_version_id
        return _render_editor(bank, question, qtype, _question_form(bank, question_type, data))
    form = _question_form(bank, question_type)
    if not form.validate_on_submit():
        return _render_editor(bank, question, qtype, form, status=400)
    action = request.form.get("action", "save")
    data = _editor_values(form)
    problems: list[str] = []
    focus = None  # without script, the page comes back with the focus where work goes on
    if action.startswith("add-") and action[4:] in editor.LISTS[question_type]:
        data = editor.add_row(data, action[4:])
        focus = editor.row_field_id(action[4:], len(data[action[4:]]) - 1)
    elif action.startswith("remove-"):
        name, _, index = action[7:].rpartition("-")
        if name in editor.LISTS[question_type] and index.isdigit():
            data = editor.remove_row(data, name, int(index))
            focus = f"add-{name}"
    elif action == "upload":
        data, problems = _upload_picture(form, data)
    elif action in ("preview", "save"):
        try:
            fields = editor.fields_from_form(question_type, data)
            parsed, warnings = manage.validate_question(
                bank, fields, question.external_id if question else "new"
            )
            if action == "save":
                return _save_question(bank, question, fields, data.get("base_version"), warnings)
        except editor.FormProblem as exc:
            problems = [str(exc)]
        except manage.EditError as exc:
            problems = exc.problems
        else:
            form = _question_form(bank, question_type, data)
            return _render_editor(bank, question, qtype, form, preview=_student_view(parsed))
    form = _question_form(bank, question_type, data)
    return _render_editor(
        bank, question, qtype, form, problems, status=400 if problems else 200, focus=focus
    )


def _upload_picture(form: QuestionForm, data: dict) -> tuple[dict, list[str]]:
    file = form.picture.data
    alt = (form.picture_alt.data or "").strip()
    if not file or not file.filename:
        return data, ["choose a picture to upload"]
    if not alt:
        return data, ["write the picture's alt text: what it shows, for screen readers"]
    with file.stream:  # a large upload is spooled to a temporary file: close it now
        content = file.read()
    try:
        image = process_image(content, repr(file.filename))
    except ImageError as exc:
        return data, [str(exc)]
    manage.store_uploaded_image(current_user, image)
    db.session.commit()
    data = editor.insert_picture(data, form.picture_target.data or "stem", image.digest, alt)
    data["picture_alt"] = ""
    flash("Picture added; save the question to keep it.", "info")
    return data, []


def _save_question(bank, question, fields, base_version, warnings):
    """Store the question (raising manage.EditError for the editor to show) and commit."""
    if question is None:
        question = manage.create_question(bank, fields)
        message = f"Question {question.external_id} created."
    else:
        changed = manage.save_question(bank, question, fields, base_version_id=base_version)
        message = "Saved as a new version." if changed else "Nothing changed."
    db.session.commit()
    flash(message, "success")
    for warning in warnings:
        flash(warning, "warning")
    return redirect(
        url_for("instructor.edit_question", slug=bank.slug, external_id=question.external_id)
    )


def _render_editor(
    bank, question, qtype, form, problems=(), *, preview=None, status=200, focus=None
):
    return render_template(
        "instructor/question_form.html",
        bank=bank,
        question=question,
        qtype=qtype,
        form=form,
        problems=problems,
        preview=preview,
        lists=editor.LISTS[qtype.name],
        focus=focus,
    ), status


@bp.route("/banks/<slug>/questions/<external_id>/edit", methods=["GET", "POST"])
@instructor_required
def edit_question(slug: str, external_id: str):
    bank = _managed_bank_or_404(slug)
    question = _question_or_404(bank, external_id)
    return _question_editor(bank, question, question.current_version.type)


@bp.route("/banks/<slug>/questions/new/<question_type>", methods=["GET", "POST"])
@instructor_required
def new_question(slug: str, question_type: str):
    bank = _managed_bank_or_404(slug)
    if question_type not in QUESTION_TYPES:
        abort(404)
    return _question_editor(bank, None, question_type)


@bp.route("/banks/<slug>/questions/<external_id>/yaml", methods=["GET", "POST"])
@instructor_required
def edit_question_yaml(slug: str, external_id: str):
    """The advanced editor: the question's fields as YAML, as in a bank file."""
    bank = _managed_bank_or_404(slug)
    question = _question_or_404(bank, external_id)
    form = QuestionEditForm()
    if request.method == "GET":
        form.source.data = manage.editable_source(question)
        form.base_version.data = question.current_version_id
    problems = []
    if form.validate_on_submit():
        try:
            changed = manage.edit_question(
                bank, question, form.source.data, base_version_id=form.base_version.data
            )
        except manage.EditError as exc:
            problems = exc.problems
        else:
            db.session.commit()
            flash("Saved as a new version." if changed else "Nothing changed.", "success")
            return redirect(
                url_for("banks.questions", slug=bank.slug, q=question.current_version.stem[:40])
            )
    return render_template(
        "instructor/edit_question.html", bank=bank, question=question, form=form, problems=problems
    ), (400 if problems else 200)


@bp.post("/banks/<slug>/questions/<external_id>/retire")
@instructor_required
def toggle_retired(slug: str, external_id: str):
    bank = _managed_bank_or_404(slug)
    question = _question_or_404(bank, external_id)
    if EmptyForm().validate_on_submit():
        manage.set_retired(question, question.retired_at is None, now=_now())
        db.session.commit()
        flash(f"Question {external_id} {'retired' if question.retired_at else 'restored'}.", "info")
    return redirect(url_for("banks.questions", slug=bank.slug, retired="y"))


REPORT_PAGE_SIZE = 20


@bp.get("/reports")
@instructor_required
def reports():
    show_resolved = request.args.get("all") == "1"
    page = requested_page()
    entries, total = manage.report_queue(
        current_user, include_resolved=show_resolved, page=page, per_page=REPORT_PAGE_SIZE
    )
    return render_template(
        "instructor/reports.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / REPORT_PAGE_SIZE)),
        show_resolved=show_resolved,
        form=ReportReplyForm(),
        question_types=QUESTION_TYPES,
    )


@bp.post("/reports/<int:report_id>/resolve")
@instructor_required
def resolve_report(report_id: int):
    report = db.get_or_404(QuestionReport, report_id)
    if not manage.can_manage(current_user, manage.bank_of_report(report)):
        abort(404)
    form = ReportReplyForm()
    if form.validate_on_submit():
        manage.resolve_report(
            report, now=_now(), outcome=form.outcome.data, reply=form.reply.data, by=current_user
        )
        db.session.commit()
        note = " The student sees your note on their home page." if report.reply else ""
        flash(f"Report closed as {form.outcome.data}.{note}", "success")
    else:
        errors = [e for field in form for e in field.errors] or ["The form had expired."]
        flash(f"The report was not closed: {' '.join(errors)} Please try again.", "danger")
    return redirect(url_for("instructor.reports") + f"#report-{report.id}")


@bp.get("/banks/formats")
@instructor_required
def formats():
    return render_template("instructor/formats.html")


EXPORT_FORMATS = {"yaml": "yaml", "gift": "gift.txt", "xml": "moodle.xml"}


@bp.get("/banks/<slug>/export/<fmt>")
@instructor_required
def export(slug: str, fmt: str):
    """Download a bank (keys included: staff only) as native YAML, GIFT or Moodle XML."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    bank = db.one_or_404(bank_services.visible_banks_query(current_user).where(Bank.slug == slug))
    text, mimetype, skipped = manage.export_bank(bank, fmt)
    # content_type is sent as given; mimetype= would add a second charset to text/plain.
    charset = "" if mimetype == "application/zip" else "; charset=utf-8"
    response = Response(text, content_type=mimetype + charset)
    suffix = "zip" if mimetype == "application/zip" else EXPORT_FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{bank.slug}.{suffix}"'
    if skipped:
        response.headers["X-Not-Exported"] = ",".join(skipped)[:1000]
    return response


@bp.route("/blueprints/new", methods=["GET", "POST"])
@instructor_required
def new_blueprint():
    """An instructor's own practice test, drawn from banks they can see."""
    banks = db.session.scalars(
        bank_services.visible_banks_query(current_user, with_topics=True)
    ).all()
    offered = builder.sources(banks, bank_services.available_questions(banks))
    choices = [SelectChoice("", "(not used)")] + [
        SelectChoice(s.value, s.label, render_kw={"data-available": s.available}) for s in offered
    ]
    form = BlueprintForm()
    errors = []
    # "Add a part" and "Remove" post the form back with a part more or less, saving nothing.
    changed_parts = form.is_submitted() and _change_parts(form)
    for entry in form.sections:
        entry.form.source.choices = choices
    if not changed_parts and form.validate_on_submit():
        sections, errors = builder.read_parts(
            [(e.form.source.data, e.form.questions.data) for e in form.sections], offered
        )
        if not errors:
            try:
                blueprint = bank_services.create_blueprint(
                    current_user,
                    title=form.title.data,
                    description=form.description.data or "",
                    time_limit_minutes=form.time_limit_minutes.data,
                    passing_percent=float(form.passing_percent.data),
                    sections=sections,
                )
            except NotEnoughQuestionsError as exc:
                errors.append(str(exc))
            else:
                db.session.commit()
                flash(
                    "Practice test created. Students in your classes find it under Practice; "
                    "assign it to a class to give it a due date.",
                    "success",
                )
                return redirect(url_for("banks.blueprint", slug=blueprint.slug))
    total = sum(e.form.questions.data or 0 for e in form.sections if e.form.source.data)
    return render_template(
        "instructor/new_blueprint.html",
        form=form,
        errors=errors,
        total=total,
        max_parts=builder.MAX_PARTS,
        max_questions=builder.MAX_TEST_QUESTIONS,
    ), (400 if errors else 200)


def _change_parts(form: BlueprintForm) -> bool:
    """Add or remove a part if the form was posted by one of those buttons; True if it was."""
    kept = [e for e in form.sections if not e.form.remove.data]
    if len(kept) < len(form.sections):
        form.sections.entries = kept
        if not kept:
            form.sections.append_entry()
        return True
    if form.add_part.data:
        if len(form.sections) < builder.MAX_PARTS:
            form.sections.append_entry()
        return True
    return False


@bp.get("/blueprints/<slug>/retire")
@instructor_required
def confirm_retire_blueprint(slug: str):
    confirmation = retire_blueprint_confirmation(_own_blueprint_or_404(slug))
    return render_template("confirm.html", confirmation=confirmation)


@bp.post("/blueprints/<slug>/retire")
@instructor_required
def retire_blueprint(slug: str):
    blueprint = _own_blueprint_or_404(slug)
    if EmptyForm().validate_on_submit():
        title = blueprint.title
        if manage.retire_blueprint(blueprint, now=_now()):
            db.session.commit()
        flash(f"{title} is no longer offered; past results keep it.", "info")
    return redirect(url_for("exams.index"))
