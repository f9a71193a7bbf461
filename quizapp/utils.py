"""Small helpers with no better home."""

import csv
import functools
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, current_app, request, url_for
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.routing import IntegerConverter, Map

from quizapp.extensions import db
from quizapp.numbers import MAX_INTEGER, parse_whole_number

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_safe_redirect(target: str | None) -> bool:
    """True for a path on this site; false for anything that could leave it.

    Browsers treat `//host`, `/\\host` and `\\\\host` as other sites, and some strip tabs
    and newlines, so only a plain absolute path passes.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\t\r\n"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def dialect_insert(model):
    """An INSERT with this engine's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def add_counts(model, rows: list[dict]) -> None:
    """Add each row's values to the model's row with the same primary key, inserting the rows
    that are missing: one upsert (`n = n + excluded.n`), atomic on both engines, so gradings at
    the same time never lose each other's counts. Rows go in key order, so concurrent
    transactions lock shared rows in the same order and cannot deadlock."""
    if not rows:
        return
    keys = [column.name for column in model.__table__.primary_key.columns]
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in keys))
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_adding_upsert(dialect, model.__table__, tuple(rows[0])), rows)


@functools.lru_cache(maxsize=64)
def _adding_upsert(dialect_name: str, table: sa.Table, names: tuple[str, ...]):
    """The statement of add_counts, built once per table and columns: building `excluded`
    costs more than running the statement."""
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert(table)
    keys = [column.name for column in table.primary_key.columns]
    added = {name: table.c[name] + insert.excluded[name] for name in names if name not in keys}
    return insert.on_conflict_do_update(index_elements=keys, set_=added)


def lock_for_rebuild(session, models) -> None:
    """Lock these tables against writes until the transaction ends (PostgreSQL), so that an
    attempt graded during a rebuild either committed before it (and is counted there) or adds
    itself after it, never both, and never races the rebuild's inserts. SQLite's one writer at
    a time does the same already."""
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(model.__tablename__ for model in models)
        session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def insert_unless_duplicate(model, **values) -> bool:
    """Insert a row unless a unique constraint already holds one like it; True if inserted.

    One statement decides, so two racing requests cannot both pass a check and then collide
    on the constraint (an error page for the loser).
    """
    statement = (
        dialect_insert(model)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*model.__table__.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None


def site_zone() -> ZoneInfo:
    """The site's time zone (TIMEZONE): times are typed and shown in it, and a student's day
    (what is due today, the days to the exam) ends at its midnight."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime, pattern: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored (UTC) time as the site's clock shows it; the template filter ``local``."""
    return moment.astimezone(site_zone()).strftime(pattern)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for a link that leaves the server: mailed, or shown to be copied.

    It starts with PUBLIC_BASE_URL, whatever Host the request named. Without one (allowed only
    when no mail is sent or TRUSTED_HOSTS refuses unknown hosts) it is built from the request.
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:...>` in URLs: ASCII digits up to the largest id the database holds, so a larger
    number is a 404 like any other unknown id (SQLite cannot bind one past 2**63 - 1)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args, max: int = MAX_INTEGER, **kwargs):
        super().__init__(map, *args, max=max, **kwargs)


def requested_page() -> int:
    """The `page` query parameter; 1 when it is missing or not a page number."""
    return parse_whole_number(request.args.get("page", "")) or 1


def refuse_nul_characters() -> None:
    """Answer 400 to a request with a NUL character in its path, a query or form name or value,
    or an upload's file name: PostgreSQL can neither store nor compare such text."""
    texts = [request.path]
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            texts += (name, value)
    texts += (upload.filename or "" for _, upload in request.files.items(multi=True))
    if any("\x00" in text for text in texts):
        abort(400, "Text cannot contain NUL characters.")


def csv_safe(value):
    """Neutralise text a spreadsheet would run as a formula; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    """A CSV download, UTF-8 with a byte-order mark: without one, Excel on Windows reads the
    file as ANSI and "José Núñez" comes out "JosÃ© NÃºÃ±ez"."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    # Headers hold user text too (blueprint and bank titles in class reports).
    writer.writerow([csv_safe(name) for name in header])
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
