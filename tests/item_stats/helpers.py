"""Reading the kept sums back, to compare them with a rebuild."""

import sqlalchemy as sa

from quizapp.extensions import db
from quizapp.item_stats.services import TABLES


def snapshot() -> dict[str, set[tuple]]:
    """Every row of the four tables, as plain tuples."""
    return {
        model.__tablename__: {
            tuple(row) for row in db.session.execute(sa.select(*model.__table__.columns))
        }
        for model in TABLES
    }
