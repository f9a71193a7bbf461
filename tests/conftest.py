"""Fixtures: a fresh app and in-memory database per test, factories and a sign-in helper."""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import sqlalchemy as sa

from config import TestingConfig
from quizapp import create_app
from quizapp.assignments.services import assign_test
from quizapp.auth import services
from quizapp.auth.models import Role, User
from quizapp.banks.imports import preview_import, preview_to_json
from quizapp.banks.loader import parse_bank, parse_blueprint
from quizapp.banks.models import Blueprint, PendingImport
from quizapp.banks.services import sync_bank, sync_blueprint
from quizapp.classes.models import Classroom
from quizapp.classes.services import create_class, join_class, practice_accommodation
from quizapp.exams.models import Mode
from quizapp.exams.services import start_blueprint_attempt
from quizapp.extensions import db

DEFAULT_PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class UserInfo:
    """What a test needs of an account, usable outside any app context."""

    id: int
    email: str
    password: str
    role: str
    display_name: str


@pytest.fixture
def config_class():
    """The configuration a test's app is built from; override it in a module to change it."""
    return TestingConfig


def shared_database_config(tmp_path) -> type[TestingConfig]:
    """A configuration whose database several threads can use at once, each with a connection
    of its own: PostgreSQL under `make test-pg`, otherwise a SQLite file (the default in-memory
    database is one connection)."""

    class SharedDatabaseConfig(TestingConfig):
        if TestingConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'shared.sqlite'}"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 25}  # noqa: RUF012 - a connection per thread

    return SharedDatabaseConfig


def send_together(requests) -> list:
    """Send every (client, method, url, data) request at the same moment, each from a thread of
    its own; return the responses in the order given."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(n, client, method, url, data):
        barrier.wait(timeout=60)
        responses[n] = client.open(url, method=method, data=data)

    threads = [
        threading.Thread(target=send, args=(n, *request)) for n, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def app(config_class):
    app = create_app(config_class)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects the SQL the block runs."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return counter


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account and return its UserInfo: make_user(role="instructor")."""
    numbers = count(1)

    def make(
        role: str = "student",
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        display_name: str | None = None,
    ) -> UserInfo:
        n = next(numbers)
        email = email or f"{role}{n}@example.org"
        with app.app_context():
            user = services.create_user(
                email, display_name or f"{role.title()} {n}", password, role=Role(role)
            )
            db.session.commit()
            return UserInfo(user.id, user.email, password, user.role, user.display_name)

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user: UserInfo, *, remember: bool = False, next_url: str | None = None):
        data = {"email": user.email, "password": user.password}
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"',
            self._client.get("/login").get_data(as_text=True),
        )
        if token:  # the app under test has CSRF protection on
            data["csrf_token"] = token.group(1)
        if remember:
            data["remember_me"] = "y"
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self._client.post(url, data=data)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def pending_upload(owner_id: int, data: bytes = b"::q1:: Is this a test? {TRUE}\n"):
    """An uploaded GIFT file waiting for its owner's confirmation (add it to the session)."""
    preview = preview_import(data, "upload.gift", title="Upload")
    return PendingImport(
        owner_id=owner_id, filename="upload.gift", preview=preview_to_json(preview)
    )


def bank_yaml(slug: str = "demo", n_questions: int = 5, *, topic_split: int | None = None) -> str:
    """A valid native bank file: topics a (with child a1) and b; single-best questions q1..qn.

    The first `topic_split` questions (default: half) go to a1, the rest to b.
    """
    split = n_questions // 2 if topic_split is None else topic_split
    lines = [
        "format: 1",
        f"bank: {{id: {slug}, title: Demo bank {slug}, description: For tests}}",
        "topics:",
        "  - {id: a, title: Topic A, topics: [{id: a1, title: Topic A1}]}",
        "  - {id: b, title: Topic B}",
        "questions:",
    ]
    for n in range(1, n_questions + 1):
        lines += [
            f"  - id: q{n}",
            "    type: single_best",
            f"    topic: {'a1' if n <= split else 'b'}",
            "    difficulty: easy",
            f'    stem: "Demo question number {n}?"',
            f"    options: [right {n}, wrong {n}, other {n}]",
            f"    key: right {n}",
            f"    rationale: Right {n} is right; the others are wrong.",
        ]
    return "\n".join(lines) + "\n"


def blueprint_yaml(slug: str = "demo-test", bank: str = "demo", questions: int = 2) -> str:
    return (
        "format: 1\n"
        f"blueprint: {{id: {slug}, title: Demo test, time_limit_minutes: 10, passing_percent: 70,"
        f" sections: [{{bank: {bank}, questions: {questions}}}]}}\n"
    )


@pytest.fixture
def make_bank(app):
    """Load a bank (as `flask banks sync` would) and return its slug."""

    def make(slug: str = "demo", n_questions: int = 5, **kwargs) -> str:
        with app.app_context():
            sync_bank(parse_bank(bank_yaml(slug, n_questions, **kwargs)), now=datetime.now(UTC))
            db.session.commit()
        return slug

    return make


@pytest.fixture
def make_blueprint(app):
    def make(slug: str = "demo-test", bank: str = "demo", questions: int = 2) -> str:
        with app.app_context():
            sync_blueprint(parse_blueprint(blueprint_yaml(slug, bank, questions)))
            db.session.commit()
        return slug

    return make


@pytest.fixture
def start_attempt(app):
    """Start an attempt at a loaded blueprint for a user, as free practice; return its id."""

    def start(
        user: UserInfo,
        blueprint: str = "demo-test",
        *,
        mode: str = "exam",
        now: datetime | None = None,
        seed: int = 1,
    ) -> int:
        with app.app_context():
            owner = db.session.get(User, user.id)
            test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == blueprint))
            attempt = start_blueprint_attempt(
                owner,
                test,
                mode=Mode(mode),
                accommodation=practice_accommodation(owner),
                now=now or datetime.now(UTC),
                seed=seed,
            )
            db.session.commit()
            return attempt.id

    return start


@pytest.fixture
def make_class(app):
    """Create a class run by `instructor` with `students` enrolled; return its id."""

    def make(
        instructor: UserInfo, students: tuple[UserInfo, ...] = (), name: str = "MA 101"
    ) -> int:
        with app.app_context():
            classroom = create_class(db.session.get(User, instructor.id), name)
            for student in students:
                join_class(db.session.get(User, student.id), classroom.join_code)
            db.session.commit()
            return classroom.id

    return make


def assign_open_test(
    teacher_id: int, blueprint_slug: str, class_id: int, *, max_attempts: int
) -> int:
    """Assign a loaded test to a class in exam mode, open since an hour ago and for a week, late
    work accepted; return the assignment's id. Call it inside an app context."""
    now = datetime.now(UTC)
    (assignment,) = assign_test(
        db.session.get(User, teacher_id),
        db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == blueprint_slug)),
        [db.session.get(Classroom, class_id)],
        mode="exam",
        opens_at=now - timedelta(hours=1),
        due_at=now + timedelta(days=7),
        max_attempts=max_attempts,
        accept_late=True,
        now=now,
    )
    db.session.commit()
    return assignment.id
