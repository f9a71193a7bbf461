"""The users page: find accounts, change roles, issue password reset links."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from quizapp.admin.forms import ACCOMMODATIONS, AccommodationForm, RoleForm, UserSearchForm
from quizapp.auth import services
from quizapp.auth.decorators import admin_required
from quizapp.auth.models import Role, User
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.utils import external_url, requested_page

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 50


def _users_query(search: str | None):
    query = sa.select(User).order_by(User.display_name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            sa.or_(User.email.like(pattern), sa.func.lower(User.display_name).like(pattern))
        )
    return query


@bp.get("/users")
@admin_required
def users():
    search_form = UserSearchForm(request.args)
    search = search_form.q.data if search_form.validate() else None
    page = db.paginate(
        _users_query(search), page=requested_page(), per_page=USERS_PER_PAGE, error_out=False
    )
    return render_template(
        "admin/users.html",
        page=page,
        search_form=search_form,
        search=search,
        button_form=EmptyForm(),
        roles=list(Role),
        accommodations=ACCOMMODATIONS,
    )


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "danger")
        return redirect(_back_to_list())
    try:
        services.set_role(user, Role(form.role.data), actor=current_user)
    except services.LastAdminError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"{user.display_name} is now {Role(user.role).label.lower()}.", "success")
    return redirect(_back_to_list())


def _back_to_list() -> str:
    """The users page the admin came from, with its search and page number."""
    page = requested_page()
    return url_for("admin.users", q=request.args.get("q") or None, page=page if page > 1 else None)


@bp.post("/users/<int:user_id>/reset-link")
@admin_required
def issue_reset_link(user_id: int):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(_back_to_list())
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    token = services.make_reset_token(
        user, secret_key=current_app.config["SECRET_KEY"], now=datetime.now(UTC), max_age=max_age
    )
    link = external_url("auth.reset_password", token=token)
    return render_template("admin/reset_link.html", user=user, link=link, max_age=max_age)


@bp.post("/users/<int:user_id>/accommodation")
@admin_required
def change_accommodation(user_id: int):
    user = db.get_or_404(User, user_id)
    form = AccommodationForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed time accommodations.", "danger")
        return redirect(_back_to_list())
    services.set_time_accommodation(user, form.time.data, actor=current_user)
    db.session.commit()
    label = ACCOMMODATIONS[form.time.data].lower()
    flash(f"{user.display_name}: {label} on tests started from now on.", "success")
    return redirect(_back_to_list())
