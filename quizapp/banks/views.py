"""The bank browser: banks with their topics and counts, blueprints, and (for staff) questions."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, g, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from quizapp.auth.decorators import instructor_required
from quizapp.auth.models import User
from quizapp.banks import media, services
from quizapp.banks.formatting import plain_text, render_html
from quizapp.banks.forms import QuestionFilterForm
from quizapp.banks.manage import can_manage
from quizapp.banks.models import Bank, Question, QuestionVersion, Topic
from quizapp.banks.models import Blueprint as TestBlueprint
from quizapp.extensions import db
from quizapp.history.views import item_analysis_section
from quizapp.instructor.views import retire_blueprint_confirmation
from quizapp.layout import fixed_url
from quizapp.scoring.question_types import QUESTION_TYPES
from quizapp.utils import requested_page

bp = Blueprint("banks", __name__)

QUESTIONS_PER_PAGE = 25
#: A picture's bytes never change under its name (the hash of those bytes): browsers may keep
#: it for a year, but only the viewer's own browser (it is served to allowed viewers only).
IMAGE_CACHE_CONTROL = "private, max-age=31536000, immutable"


@bp.app_template_filter("formatted")
def formatted(text: str | None) -> Markup:
    """A stored question text with its formatting and pictures, sanitised again on the way."""
    # The API names pictures at its own route (api.views.point_pictures_here).
    media_prefix = g.get("media_prefix") or fixed_url("banks.image", digest="0" * 64)[:-64]
    return Markup(render_html(text or "", media_prefix))  # noqa: S704  # nosec B704: nh3 output, allow-list only


@bp.app_template_filter("plain")
def plain(text: str | None) -> str:
    """A stored question text without formatting (select options, titles)."""
    return plain_text(text or "")


def picture_response(user: User, digest: str) -> Response:
    """A question picture for `user` (a session's or a token's), with its strong ETag, long
    private caching and 304 on If-None-Match; 404 unless they may read a question showing it."""
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        abort(404)
    staff = user.is_admin or user.is_instructor
    picture = media.viewable_image(user, digest, staff_banks=services.visible_banks_query(user))
    if picture is None and staff:  # the editor's preview of a picture not saved yet
        picture = media.uploaded_image(user, digest)
    if picture is None:
        abort(404)
    response = Response(picture.data, mimetype=picture.mimetype)
    response.set_etag(digest)
    response.headers["Cache-Control"] = IMAGE_CACHE_CONTROL
    return response.make_conditional(request)


@bp.get("/media/<digest>")
@login_required
def image(digest: str):
    """A question picture, to those who may read a question that shows it (else 404)."""
    return picture_response(current_user, digest)


def _visible_bank_or_404(slug: str) -> Bank:
    bank = db.one_or_404(services.visible_banks_query(current_user).where(Bank.slug == slug))
    return bank


@bp.get("/banks")
@login_required
def index():
    banks = list(db.session.scalars(services.visible_banks_query(current_user, with_topics=True)))
    blueprints = db.session.scalars(services.practice_blueprints_query(current_user)).all()
    return render_template(
        "banks/index.html",
        banks=banks,
        summaries=services.bank_summaries(banks),
        blueprints=blueprints,
        question_types=QUESTION_TYPES,
    )


@bp.get("/banks/<slug>")
@login_required
def detail(slug: str):
    bank = _visible_bank_or_404(slug)
    return render_template(
        "banks/detail.html",
        bank=bank,
        summary=services.bank_summaries([bank])[bank.id],
        topic_rows=services.topic_rows(bank),
        question_types=QUESTION_TYPES,
        manageable=can_manage(current_user, bank),
    )


@bp.get("/banks/<slug>/questions")
@instructor_required
def questions(slug: str):
    bank = _visible_bank_or_404(slug)
    topic_rows = services.topic_rows(bank)
    form = QuestionFilterForm(request.args)
    form.topic.choices = [SelectChoice("", "All topics")] + [
        SelectChoice(topic.slug, "— " * depth + topic.title) for topic, depth in topic_rows
    ]
    form.type.choices = [SelectChoice("", "All types")] + [
        SelectChoice(name, qtype.label) for name, qtype in QUESTION_TYPES.items()
    ]
    if not form.validate():
        abort(400, "Those filters are not valid for this bank.")
    # Current versions with their question and topic loaded by the same query.
    query = (
        sa.select(QuestionVersion)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .join(Topic, QuestionVersion.topic_id == Topic.id)
        .options(
            so.contains_eager(QuestionVersion.question), so.contains_eager(QuestionVersion.topic)
        )
        .where(Question.bank_id == bank.id)
        .order_by(Topic.position, Question.external_id)
    )
    if not form.retired.data:
        query = query.where(Question.retired_at.is_(None))
    if form.topic.data:
        query = query.where(
            QuestionVersion.topic_id.in_(services.topic_subtree_ids(bank.id, form.topic.data))
        )
    if form.type.data:
        query = query.where(QuestionVersion.type == form.type.data)
    if form.q.data:
        query = query.where(QuestionVersion.stem.ilike(f"%{form.q.data.strip()}%"))
    page = db.paginate(
        query, page=requested_page(), per_page=QUESTIONS_PER_PAGE, error_out=False, count=True
    )
    return render_template(
        "banks/questions.html",
        bank=bank,
        page=page,
        form=form,
        question_types=QUESTION_TYPES,
        filters={k: v for k, v in request.args.items() if k != "page" and v},
        manageable=can_manage(current_user, bank),
    )


@bp.get("/blueprints/<slug>")
@login_required
def blueprint(slug: str):
    test_blueprint = db.one_or_404(
        services.practice_blueprints_query(current_user).where(TestBlueprint.slug == slug)
    )
    manageable = test_blueprint.owner_id is not None and (
        current_user.is_admin or test_blueprint.owner_id == current_user.id
    )
    return render_template(
        "banks/blueprint.html",
        blueprint=test_blueprint,
        sections=services.blueprint_availability(test_blueprint),
        retire=retire_blueprint_confirmation(test_blueprint) if manageable else None,
    )


@bp.get("/banks/<slug>/items")
@instructor_required
def items(slug: str):
    """Item analysis of a bank over every finished exam-mode attempt."""
    bank = _visible_bank_or_404(slug)
    return render_template(
        "banks/items.html",
        bank=bank,
        analysis=item_analysis_section(bank.id, None, page=requested_page()),
    )
