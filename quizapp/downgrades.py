"""A guard for migrations whose downgrade drops data the older schema has no place for.

`flask db downgrade` past such a revision would silently delete what teachers and students
made since (assignments, pictures, review cards, class accommodations ...). The guard refuses
when there is something to lose, unless the operator says so after a backup.
"""

import os

import click
import sqlalchemy as sa
from alembic import op

ALLOW_VARIABLE = "QUIZAPP_DOWNGRADE_DELETES_DATA"


def refuse_to_drop(what: str, count_sql: str) -> None:
    """Stop the downgrade when `count_sql` (a SELECT of one number) finds rows to lose.

    :raises click.ClickException: naming what would be lost and how to go on.
    """
    found = op.get_bind().execute(sa.text(count_sql)).scalar() or 0
    if found and os.environ.get(ALLOW_VARIABLE) != "1":
        raise click.ClickException(
            f"this downgrade deletes {what} ({found} row(s)), which the older version has no "
            f"place for. Back up the database first (docs/deploying.md); to go on, run it again "
            f"with {ALLOW_VARIABLE}=1."
        )
