"""Operations commands: `flask users ...`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from quizapp.auth import services
from quizapp.auth.models import Role, User
from quizapp.extensions import db

users_cli = AppGroup("users", help="Create accounts and manage roles.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, default=Role.STUDENT.value, show_default=True)
@click.option("--name", "display_name", help="Display name; defaults to the part before the @.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="QUIZAPP_PASSWORD",
    help="Prompted for when not given; scripts can set QUIZAPP_PASSWORD instead.",
)
def create_user_command(email: str, role: str, display_name: str | None, password: str) -> None:
    """Create an account, for example the first administrator."""
    try:
        user = services.create_user(
            email, display_name or email.split("@")[0], password, role=Role(role)
        )
    except services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(email: str, role: str) -> None:
    """Change the role of an existing account."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    try:
        services.set_role(user, Role(role), actor=None)
    except services.LastAdminError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}.")


@users_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="QUIZAPP_PASSWORD"
)
def set_password_command(email: str, password: str) -> None:
    """Set a new password (for example for a locked-out administrator); signs out their sessions."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    try:
        services.reset_password(user, password)
    except services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")


@users_cli.command("list")
def list_users_command() -> None:
    """List accounts with their roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.role, User.email)):
        click.echo(f"{user.role:<11} {user.email:<40} {user.display_name}")
