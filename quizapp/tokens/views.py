"""The settings page where users create and revoke their API tokens."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.tokens import services
from quizapp.tokens.forms import NewTokenForm

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")


def _new_token_form() -> NewTokenForm:
    form = NewTokenForm()
    form.scopes.choices = [
        SelectChoice(scope.value, scope.label) for scope in services.allowed_scopes(current_user)
    ]
    return form


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    form = _new_token_form()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _, secret = services.create_token(
                current_user, form.name.data, form.scopes.data, now=datetime.now(UTC)
            )
        except services.TokenError as exc:
            form.scopes.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            form = _new_token_form()
            form.name.data = ""
    elif form.is_submitted():
        status = 400
    return render_template(
        "tokens/index.html",
        form=form,
        secret=secret,
        tokens=services.user_tokens(current_user),
        revoke_form=EmptyForm(),
    ), status


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not services.revoke_token(current_user, token_id, now=datetime.now(UTC)):
        abort(404)
    db.session.commit()
    flash("The token was revoked; programs using it are refused from now on.", "success")
    return redirect(url_for("tokens.index"))
