"""Account forms; field rules match the services so errors show next to the field."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from quizapp.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem

PASSWORD_HELP = (
    f"At least {MIN_PASSWORD_LENGTH} characters. A short sentence you can remember works well."
)


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


class NewPasswordMixin:
    """A new password with its confirmation, checked by the same rules as the services."""

    new_password = _new_password_field("New password")
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, account_email: str = "", **kwargs):
        self._account_email = account_email
        super().__init__(*args, **kwargs)

    def _email_for_password_check(self) -> str:
        return self._account_email

    def validate_new_password(self, field):
        problem = password_problem(field.data or "", email=self._email_for_password_check())
        if problem:
            raise ValidationError(problem)


class RegistrationForm(NewPasswordMixin, FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    display_name = StringField(
        "Display name",
        validators=[DataRequired(), Length(max=80)],
        description="Shown to your instructors and in your class.",
        render_kw={"autocomplete": "name"},
    )
    new_password = _new_password_field("Password")

    def _email_for_password_check(self) -> str:
        return self.email.data or ""


class LoginForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember_me = BooleanField(
        "Keep me signed in on this device",
        description="Leave unticked on a shared or classroom computer.",
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass
