"""SQLite writers take turns through a lock file instead of polling.

SQLite lets one transaction write at a time. A writer that finds the database locked retries
inside its busy timeout, sleeping between tries (up to 100 ms a sleep), so under load the lock
sits idle while the waiters sleep, and an unlucky one waits seconds: with 50 clients submitting,
gunicorn's 5 workers graded 25 attempts a second and some timed out.

A `TurnTakingConnection` takes an exclusive `flock` on `<database>-writers` before the first
statement that makes the driver open a write transaction (INSERT, UPDATE, DELETE, REPLACE: the
statements before which the `sqlite3` module sends BEGIN; and SAVEPOINT) and releases it when
the transaction ends (commit, rollback, close). Waiters block in the kernel and the next one
writes as soon as the lock is free. Readers never take it: in WAL mode they read while another
writes. A thread that already holds the turn through another connection does not wait for it
again (SQLite's busy timeout applies to it, as without this module), so one thread can never
wait for itself.

`flock` locks belong to an open file, so two connections of one process exclude each other as
connections of two processes do; the kernel drops a lock when its process dies.
"""

import fcntl
import os
import sqlite3
import threading

#: The statements before which the sqlite3 module opens a transaction (outside autocommit), and
#: SAVEPOINT, which opens one itself: SQLAlchemy's `begin_nested()` around a write. Opened as a
#: read, that transaction could not become a write while another connection writes.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")

_turns_held = threading.local()


def lock_path(database: str) -> str | None:
    """The lock file of a database file; None for in-memory databases and URIs."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions wait for their turn (see the module)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._lock_path = lock_path(os.fspath(database))
        self._lock_fd: int | None = None
        self._has_turn = False

    def cursor(self, factory=None):
        return super().cursor(factory or _TurnTakingCursor)

    # The C implementations of these shortcuts would bypass cursor().
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def take_turn(self, sql: str) -> None:
        """Wait for the writers' lock if this statement opens a write transaction."""
        if (
            self._has_turn
            or self._lock_path is None
            or self.isolation_level is None  # autocommit: each statement is its own write
            or self.in_transaction
            or not sql.lstrip()[:9].upper().startswith(_WRITES)
        ):
            return
        held = getattr(_turns_held, "paths", None)
        if held is None:
            held = _turns_held.paths = set()
        if self._lock_path in held:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._has_turn = True
        held.add(self._lock_path)

    def end_turn(self) -> None:
        if self._has_turn:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._has_turn = False
            _turns_held.paths.discard(self._lock_path)

    def end_turn_unless_writing(self) -> None:
        """After a statement: a failed one may have left no transaction to wait for."""
        if self._has_turn and not self.in_transaction:
            self.end_turn()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


class _TurnTakingCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection.take_turn(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection.end_turn_unless_writing()

    def executemany(self, sql, seq_of_parameters, /):
        self.connection.take_turn(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.end_turn_unless_writing()
