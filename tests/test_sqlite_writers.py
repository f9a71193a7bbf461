"""Writers to a SQLite file take turns through the lock file (quizapp.sqlite_writers)."""

import fcntl
import os
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.extensions import db
from quizapp.sqlite_writers import TurnTakingConnection, lock_path


def connect(path, **kwargs) -> TurnTakingConnection:
    connection = sqlite3.connect(
        path, factory=TurnTakingConnection, check_same_thread=False, **kwargs
    )
    connection.execute("PRAGMA journal_mode = WAL")
    return connection


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "turns.sqlite")
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE log (n INTEGER)")
    setup.commit()
    setup.close()
    return path


def holds_turn(path) -> bool:
    """Whether some connection holds the writers' lock (tried from a fresh open file)."""
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_waits_for_the_writer_before_it_instead_of_failing(database):
    first, second = connect(database, timeout=0.05), connect(database, timeout=0.05)
    first.execute("INSERT INTO log VALUES (1)")
    assert holds_turn(database)
    done = threading.Event()

    def write_second():
        # Without turns this fails after the 50 ms busy timeout: "database is locked".
        second.execute("INSERT INTO log VALUES (2)")
        second.commit()
        done.set()

    thread = threading.Thread(target=write_second)
    thread.start()
    assert not done.wait(0.3)  # waiting for its turn, well past its busy timeout
    first.commit()
    thread.join(5)
    assert done.is_set()
    assert [n for (n,) in first.execute("SELECT n FROM log ORDER BY rowid")] == [1, 2]
    assert not holds_turn(database)


def test_a_savepoint_write_waits_for_its_turn_too(database):
    """SQLAlchemy's begin_nested() sends SAVEPOINT first, which opens a read transaction that
    fails at once ("database is locked") when it tries to write while another writes."""
    first, second = connect(database, timeout=0.05), connect(database, timeout=0.05)
    first.execute("INSERT INTO log VALUES (1)")
    failed, done = [], threading.Event()

    def write_second():
        try:
            second.execute("SAVEPOINT sp")
            second.execute("INSERT INTO log VALUES (2)")
            second.execute("RELEASE sp")
        except sqlite3.OperationalError as exc:
            failed.append(exc)
        done.set()

    thread = threading.Thread(target=write_second)
    thread.start()
    assert not done.wait(0.3)
    first.commit()
    thread.join(5)
    assert failed == []
    assert not holds_turn(database)  # RELEASE of the outermost savepoint committed
    assert [n for (n,) in first.execute("SELECT n FROM log ORDER BY rowid")] == [1, 2]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_turn_ends_with_the_transaction(database, ending):
    connection = connect(database)
    connection.execute("UPDATE log SET n = n + 1")
    assert holds_turn(database)
    getattr(connection, ending)()
    assert not holds_turn(database)


def test_reads_and_failed_statements_take_no_turn(database):
    connection = connect(database)
    connection.execute("SELECT count(*) FROM log").fetchall()
    assert not holds_turn(database)
    with pytest.raises(sqlite3.OperationalError):
        connection.execute("INSERT INTO missing_table VALUES (1)")
    assert not connection.in_transaction
    assert not holds_turn(database)


def test_autocommit_and_memory_connections_take_no_turn(database):
    autocommit = connect(database, isolation_level=None)
    autocommit.execute("INSERT INTO log VALUES (1)")
    assert not holds_turn(database)
    memory = sqlite3.connect(":memory:", factory=TurnTakingConnection)
    memory.execute("CREATE TABLE t (n INTEGER)")
    memory.execute("INSERT INTO t VALUES (1)")
    memory.commit()
    assert lock_path(":memory:") is None


def test_a_thread_holding_the_turn_never_waits_for_itself(database):
    first, second = connect(database), connect(database, timeout=0.05)
    first.execute("INSERT INTO log VALUES (1)")
    started = time.monotonic()
    # The same thread: SQLite's own busy timeout answers, as it would without turns.
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO log VALUES (2)")
    assert time.monotonic() - started < 2
    first.commit()
    second.rollback()
    assert not holds_turn(database)


def test_the_app_uses_turns_on_a_sqlite_file_only(tmp_path):
    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'app.sqlite'}"

    app = create_app(FileConfig)
    with app.app_context():
        with db.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert isinstance(raw, TurnTakingConnection)
            connection.execute(sa.text("CREATE TABLE t (n INTEGER)"))
            connection.execute(sa.text("INSERT INTO t VALUES (1)"))
            assert holds_turn(str(tmp_path / "app.sqlite"))
            connection.commit()
            assert not holds_turn(str(tmp_path / "app.sqlite"))
        db.engine.dispose()
