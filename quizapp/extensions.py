"""Unbound extension instances, bound to an app in create_app()."""

import sqlite3
from datetime import UTC

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

# Stable constraint names keep Alembic's SQLite batch migrations and PostgreSQL in step.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC timestamp on every engine (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


SQLITE_BUSY_TIMEOUT_MS = 5000


@sa.event.listens_for(sa.engine.Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """SQLite: write-ahead logging so readers never block the writer, a busy timeout so
    concurrent students wait instead of failing with "database is locked", and foreign keys.

    With WAL, synchronous=NORMAL syncs at checkpoints instead of at every commit: the database
    cannot be corrupted and nothing is lost if the app crashes; only the last commits before a
    power cut or OS crash may be (SQLite's recommended WAL setting). Each answer save then
    holds the write lock for microseconds instead of an fsync.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")  # ignored (stays "memory") for sqlite://
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
talisman = Talisman()
bootstrap = Bootstrap5()
