"""Operations commands: `flask users ...`, `flask banks ...`, `flask exams ...` and
`flask stats ...`."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from quizapp.auth import services
from quizapp.auth.models import Role, User
from quizapp.banks import audit, imports
from quizapp.banks import services as bank_services
from quizapp.banks.importers.registry import FORMAT_LABELS
from quizapp.banks.loader import BankFileError, parse_bank, parse_blueprint, read_bank_file
from quizapp.banks.models import Bank, Blueprint
from quizapp.exams import services as exam_services
from quizapp.extensions import db
from quizapp.history.aggregates import rebuild_student_aggregates
from quizapp.item_stats.services import rebuild_item_stats
from quizapp.readiness.calibration import calibrate_items
from quizapp.review.commands import load_word_parts
from quizapp.review.flashcards import WORD_PARTS_FILE

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


banks_cli = AppGroup("banks", help="Check, load and list question banks and blueprints.")


def _is_blueprint(path: Path) -> bool:
    return path.parent.name == "blueprints"


@banks_cli.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def check_command(files: tuple[str, ...]) -> None:
    """Validate bank or blueprint files without loading them; list every problem. Warn (without
    failing) about questions across the given banks that look like the same fact."""
    failed = False
    banks = []
    for name in files:
        path = Path(name)
        try:
            text = read_bank_file(path)
            if _is_blueprint(path):
                parsed = parse_blueprint(text, name)
                click.echo(f"{name}: blueprint {parsed.slug}, {parsed.question_count} questions")
            else:
                parsed = parse_bank(text, name, bank_services.media_folder_reader(path.parent))
                banks.append(parsed)
                click.echo(f"{name}: bank {parsed.slug}, {len(parsed.questions)} questions, OK")
        except BankFileError as exc:
            failed = True
            click.echo(str(exc), err=True)
            click.echo(f"{name}: {len(exc.problems)} problem(s); nothing would be loaded", err=True)
    for pair in audit.likely_enemies(banks):
        click.echo(f"warning: {pair}")
    if failed:
        raise SystemExit(1)


@banks_cli.command("report")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of bank files (blueprints in its blueprints/); defaults to QUESTION_BANKS_DIR.",
)
@click.option("--stale", is_flag=True, help="List the questions reviewed more than a year ago.")
def report_command(directory: Path | None, stale: bool) -> None:
    """Per bank: items, application share, items per topic, questions without a source, enemy
    groups and old reviews; per blueprint section: the pool-to-draw ratio (flagged under 3x)."""
    directory = directory or Path(current_app.config["QUESTION_BANKS_DIR"])
    try:
        banks = [
            parse_bank(
                read_bank_file(path), str(path), bank_services.media_folder_reader(path.parent)
            )
            for path in sorted(directory.iterdir())
            if path.suffix in bank_services.BANK_SUFFIXES
        ]
        blueprints = [
            parse_blueprint(read_bank_file(path), str(path))
            for path in sorted((directory / "blueprints").glob("*"))
            if path.suffix in bank_services.BANK_SUFFIXES
        ]
    except BankFileError as exc:
        raise click.ClickException(f"fix these first (flask banks check):\n{exc}") from exc
    report = audit.build_report(banks, blueprints, today=datetime.now(UTC).date())
    for line in audit.format_report(report, stale=stale):
        click.echo(line)


@banks_cli.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of bank files; defaults to QUESTION_BANKS_DIR (the shipped banks).",
)
def sync_command(directory: Path | None) -> None:
    """Load the shipped banks and blueprints: new questions added, edited ones versioned,
    removed ones retired. Running it again changes nothing."""
    directory = directory or Path(current_app.config["QUESTION_BANKS_DIR"])
    result = bank_services.sync_directory(directory, now=datetime.now(UTC))
    if (directory / WORD_PARTS_FILE).is_file():
        click.echo(f"word parts: {load_word_parts(directory / WORD_PARTS_FILE)} added or changed")
    db.session.commit()
    for report in result.reports:
        click.echo(str(report))
    if result.blueprints:
        click.echo(f"blueprints: {', '.join(result.blueprints)}")
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("some files have problems and were not loaded (the others were)")


@banks_cli.command("list")
def list_banks_command() -> None:
    """List banks with their question counts, and the blueprints."""
    banks = list(db.session.scalars(sa.select(Bank).order_by(Bank.title)))
    summaries = bank_services.bank_summaries(banks)
    for bank in banks:
        summary = summaries[bank.id]
        types = ", ".join(f"{count} {name}" for name, count in sorted(summary.by_type.items()))
        click.echo(
            f"{bank.slug:<28} {summary.total:>5} questions  {bank.title}"
            + (f"  ({types})" if types else "")
        )
    blueprints = db.session.scalars(
        sa.select(Blueprint).where(Blueprint.retired_at.is_(None)).order_by(Blueprint.title)
    )
    for blueprint in blueprints:
        click.echo(
            f"blueprint {blueprint.slug:<28} {blueprint.question_count:>4} questions, "
            f"{blueprint.time_limit_minutes} min  {blueprint.title}"
        )


exams_cli = AppGroup("exams", help="Operations on practice-test attempts.")


@exams_cli.command("expire")
def expire_command() -> None:
    """Grade every attempt whose time ran out, with the answers saved before the deadline."""
    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    count = exam_services.expire_overdue(now=datetime.now(UTC), grace=grace)
    db.session.commit()
    click.echo(f"{count} overdue attempt(s) graded.")


@banks_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(FORMAT_LABELS)), help="Skip detection.")
@click.option("--owner", "owner_email", required=True, help="Email of the instructor who owns it.")
@click.option("--title", help="Bank title; defaults to the file name.")
@click.option(
    "--visibility",
    type=click.Choice(["private", "classes", "public"]),
    default="private",
    show_default=True,
)
def import_command(
    file: Path, fmt: str | None, owner_email: str, title: str | None, visibility: str
) -> None:
    """Import a GIFT, Aiken, Moodle XML, QTI, CSV/xlsx, text2qti or native file as a bank.

    Every problem is listed with its line; a file with any error imports nothing.
    """
    owner = services.find_user_by_email(owner_email)
    if owner is None:
        raise click.ClickException(f"No account has the email {owner_email}.")
    if not owner.has_role(Role.INSTRUCTOR, Role.ADMIN):
        raise click.ClickException(
            f"{owner.email} is a {owner.role}: a bank belongs to an instructor or an admin "
            f"(flask users set-role {owner.email} instructor)."
        )
    preview = imports.preview_import(file.read_bytes(), file.name, fmt=fmt, title=title)
    click.echo(f"{file.name}: {preview.format_label}")
    for problem in preview.problems:
        click.echo(f"  {'warning' if problem.warning else 'error'}: {problem}", err=True)
    for skipped in preview.skipped:
        where = f"line {skipped.line}: " if skipped.line else ""
        click.echo(f"  skipped: {where}{skipped.kind}: {skipped.reason}", err=True)
    if not preview.can_import:
        raise click.ClickException("nothing was imported: fix the errors above")
    bank = imports.save_import(preview, owner=owner, now=datetime.now(UTC))
    bank.visibility = visibility
    db.session.commit()
    click.echo(
        f"Imported {len(preview.bank.questions)} questions into {bank.title!r} ({bank.slug}); "
        f"{len(preview.skipped)} skipped."
    )


@click.command("optimize-db")
@with_appcontext
def optimize_db_command() -> None:
    """Refresh the query planner's statistics (ANALYZE). Run it from cron, e.g. nightly.

    PostgreSQL's autovacuum does this on its own; SQLite only plans well with it (item analysis
    of a class over 500,000 answers: 0.56 s before, 0.05 s after, on this machine).
    """
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    click.echo("Database statistics refreshed.")


stats_cli = AppGroup("stats", help="Statistics kept up to date as answers are graded.")

#: Each recomputes one family of stored statistics from the graded answers. Add a rebuild here
#: when adding stored statistics.
STATS_REBUILDS = [
    ("per-student results and topic mastery", rebuild_student_aggregates),
    ("item analysis (per question version and blueprint)", rebuild_item_stats),
]


@stats_cli.command("rebuild")
def rebuild_stats_command() -> None:
    """Recompute every stored statistic from the graded answers, in one transaction.

    Run it after restoring or editing answers outside the app; grading keeps them current.
    """
    for label, rebuild in STATS_REBUILDS:
        rebuild()
        click.echo(f"Rebuilt {label}.")
    db.session.commit()


@stats_cli.command("calibrate")
def calibrate_command() -> None:
    """Calibrate every question (IRT difficulty, and discrimination where it has enough
    answers) from each student's first answer to it; count the adaptive checks' exposure.

    Run it nightly from cron, beside optimize-db; readiness and adaptive checks use the latest run.
    """
    run = calibrate_items(now=datetime.now(UTC))
    db.session.commit()
    click.echo(
        f"Calibrated {run.items} items from {run.responses} first responses in "
        f"{run.seconds:.1f} s ({run.iterations} iterations"
        + ("" if run.converged else ", not converged")
        + f"); ability spread {run.population_sd:.2f} logits."
    )
