"""`flask review ...`: load the word parts, and fit students' FSRS parameters."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from quizapp.auth.services import find_user_by_email
from quizapp.extensions import db
from quizapp.review import cards, flashcards, optimizer

review_cli = AppGroup("review", help="Spaced review: word parts and personal FSRS parameters.")


def load_word_parts(path: Path) -> int:
    """Parse and store the word-part file; returns how many parts were added or changed."""
    try:
        rows = flashcards.parse_word_parts(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException(
            f"{path}: the file is not UTF-8 text: save it as UTF-8"
        ) from None
    except flashcards.WordPartFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    return flashcards.sync_word_parts(rows)


@review_cli.command("load-word-parts")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def load_word_parts_command(path: Path | None) -> None:
    """Load the word parts the flashcards drill (default: the shipped file). `flask banks
    sync` loads the shipped file too."""
    path = path or Path(current_app.config["QUESTION_BANKS_DIR"]) / flashcards.WORD_PARTS_FILE
    changed = load_word_parts(path)
    db.session.commit()
    click.echo(f"word parts: {changed} added or changed")


@review_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every review card from the graded answers: run once after upgrading to spaced
    review (answers given before it then have their cards), or after a restore."""
    written = cards.rebuild_cards()
    db.session.commit()
    click.echo(f"review cards: {written} written")


@review_cli.command("optimize")
@click.option("--email", help="Only this student (default: everyone with enough reviews).")
def optimize_command(email: str | None) -> None:
    """Fit each student's FSRS parameters to their own reviews (run it weekly or so); students
    with fewer than REVIEW_OPTIMIZE_MIN_REVIEWS reviews keep the defaults."""
    min_reviews = current_app.config["REVIEW_OPTIMIZE_MIN_REVIEWS"]
    try:
        optimizer.load_optimizer()
    except optimizer.OptimizerMissingError as exc:
        raise click.ClickException(str(exc)) from exc
    if email:
        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account has the email {email}.")
        user_ids = [user.id]
    else:
        user_ids = optimizer.students_with_reviews(min_reviews)
    fitted = 0
    for user_id in user_ids:
        try:
            fit = optimizer.fit_parameters(user_id, min_reviews=min_reviews)
        except optimizer.OptimizerError as exc:
            click.echo(f"user {user_id}: not fitted: {exc}")
            continue
        optimizer.store_fit(user_id, fit, now=datetime.now(UTC))
        fitted += 1
        click.echo(f"user {user_id}: fitted to {fit.reviews} reviews")
    db.session.commit()
    click.echo(f"{fitted} of {len(user_ids)} students fitted")
