"""Register, sign in and out, change and reset passwords."""

from datetime import UTC, datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.auth import services
from quizapp.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
)
from quizapp.auth.tokens import InvalidResetTokenError
from quizapp.extensions import db
from quizapp.forms import EmptyForm
from quizapp.mail import mail_enabled, send_email
from quizapp.utils import external_url, is_safe_redirect

bp = Blueprint("auth", __name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _throttle_policy() -> services.ThrottlePolicy:
    config = current_app.config
    return services.ThrottlePolicy(
        max_failures_per_account=config["LOGIN_MAX_FAILURES"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=config["LOGIN_FAILURE_WINDOW"],
    )


def _start_session(user, *, remember: bool = False) -> None:
    # A fresh session at sign-in, so nothing planted before it survives (session fixation).
    session.clear()
    login_user(user, remember=remember)


def _redirect_after_login():
    target = request.args.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    status = 200
    if form.validate_on_submit():
        now = _now()
        claim = services.claim_registration(address=request.remote_addr or "unknown", now=now)
        db.session.commit()  # parallel registrations must count this one before its lookup
        try:
            user = services.register_user(
                claim,
                form.email.data,
                form.display_name.data,
                form.new_password.data,
                policy=_throttle_policy(),
                now=now,
            )
        except services.RegistrationThrottledError as exc:
            db.session.commit()  # the claim withdrawn
            flash(str(exc), "danger")
            status = 429
        except services.EmailTakenError as exc:
            form.email.errors.append(str(exc))
        except services.WeakPasswordError as exc:
            db.session.commit()  # the claim withdrawn
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            _start_session(user)
            flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return _redirect_after_login()
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        now = _now()
        claim = services.claim_sign_in(
            form.email.data, address=request.remote_addr or "unknown", now=now
        )
        db.session.commit()  # parallel sign-ins must count this one before it is verified
        try:
            user = services.authenticate(
                claim, form.password.data, policy=_throttle_policy(), now=now
            )
        except services.LoginThrottledError as exc:
            db.session.commit()  # the claim withdrawn
            flash(str(exc), "danger")
            status = 429
        except services.InvalidCredentialsError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            _start_session(user, remember=form.remember_me.data)
            flash(f"Welcome back, {user.display_name}.", "success")
            return _redirect_after_login()
    return render_template("auth/login.html", form=form, mail_enabled=mail_enabled()), status


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        current_user.revoke_sessions()
        db.session.commit()
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm(account_email=current_user.email)
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.InvalidCredentialsError as exc:
            form.current_password.errors.append(str(exc))
        except services.WeakPasswordError as exc:
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            _start_session(current_user._get_current_object())
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if mail_enabled() and form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            token = services.make_reset_token(
                user,
                secret_key=current_app.config["SECRET_KEY"],
                now=_now(),
                max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
            )
            send_email(
                to=user.email,
                subject="Reset your MA Exam Prep password",
                body=render_template(
                    "email/reset_password.txt",
                    user=user,
                    url=external_url("auth.reset_password", token=token),
                    max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
                ),
            )
        # The same answer whether or not the account exists, so this page reveals no accounts.
        flash(
            "If an account uses that email, a reset link is on its way. Check your inbox.", "info"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, mail_enabled=mail_enabled())


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(
            token, secret_key=current_app.config["SECRET_KEY"], now=_now()
        )
    except InvalidResetTokenError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.new_password.data)
        except services.WeakPasswordError as exc:
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            _start_session(user)
            flash("Your password is set and you are signed in.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/reset_password.html", form=form, user=user)
