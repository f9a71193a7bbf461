"""In-process cost of the exam hot path: question page, answer save, submit.

    PYTHONPATH=. python bench/hot_path.py                     # SQLite file in a temporary folder
    PYTHONPATH=. python bench/hot_path.py --peer              # and the same-work peer, alike
    DATABASE_URL=postgresql://user:pw@localhost/empty_db PYTHONPATH=. python bench/hot_path.py

It seeds the shipped banks and one student, signs in with the test client (CSRF on, production
settings), then times N GETs of a question page of a 200-question attempt, N autosaves and
N form saves on it, and submits of fresh 200-question attempts. It prints, per request, the
milliseconds (wall clock: the mean and the best batch of 50; and this process's CPU time,
steadier when other processes share the CPU) and the SQL statements and round trips
(statements plus the BEGIN, COMMIT and ROLLBACK the driver sends, counted with engine events).
"""

import argparse
import logging
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from config import ProductionConfig, normalize_database_url
from quizapp import create_app, warm_up
from quizapp.accommodations import STANDARD
from quizapp.auth.models import Role, User
from quizapp.auth.passwords import hash_password
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_directory
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.exams.services import load_items, start_blueprint_attempt
from quizapp.extensions import db
from quizapp.scoring.question_types import get_question_type

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench pass phrase"
EMAIL = "hot@bench.test"
BATCH = 50


def build_app(database_url: str):
    class BenchConfig(ProductionConfig):
        SECRET_KEY = secrets.token_hex(32)
        SQLALCHEMY_DATABASE_URI = database_url
        SESSION_COOKIE_SECURE = False
        REMEMBER_COOKIE_SECURE = False

    app = create_app(BenchConfig)
    logging.getLogger("quizapp").setLevel(logging.WARNING)
    return app


def seed(app, submits: int) -> tuple[int, list[int], dict, list[int]]:
    """Banks, one student, the attempt whose pages are timed, the attempts to submit, a right
    answer at every position, and the positions of choice questions (the peer's pages)."""
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        sync_directory(ROOT / "question_banks", now=now)
        user = User(
            email=EMAIL,
            display_name="Hot Path",
            password_hash=hash_password(PASSWORD),
            role=Role.STUDENT.value,
        )
        db.session.add(user)
        db.session.flush()
        mock = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "cma-mock-exam"))
        # Timed in one piece, as the figures in docs/performance.md were: in its four timed
        # sections a page would show, and a submit end, 50 questions at a time.
        mock.segments = []
        attempts = [
            start_blueprint_attempt(
                user, mock, mode=Mode.EXAM, accommodation=STANDARD, now=now, seed=n
            ).id
            for n in range(submits + 1)
        ]
        db.session.commit()
        # A correct answer to every question of the timed attempt, by position.
        answers, pages = {}, []
        for item in load_items(db.session.get(Attempt, attempts[0])):
            qtype = get_question_type(item.version.type)
            content = item.version.content
            state = qtype.form_state(content, item.slot.layout, qtype.correct_response(content))
            answers[item.slot.position] = [(k, v) for k, values in state.items() for v in values]
            if qtype.present(content, item.slot.layout).get("choices"):
                pages.append(item.slot.position)
        return attempts[0], attempts[1:], answers, pages


def _autocommit(dbapi_connection) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.isolation_level is None
    return dbapi_connection.autocommit  # psycopg


class Counts:
    """Statements and transaction round trips seen by the engine."""

    def __init__(self, engine):
        self.counter = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        for name in ("begin", "commit", "rollback"):
            sa.event.listen(engine, name, self._make(name))

    def _statement(self, *args):
        self.counter["statements"] += 1

    def _make(self, name):
        def listener(conn):
            if not _autocommit(conn.connection.dbapi_connection):  # else nothing is sent
                self.counter[name] += 1

        return listener

    def reset(self) -> None:
        self.counter.clear()

    def per_request(self, n: int) -> tuple[float, float, str]:
        c = self.counter
        trips = c["statements"] + c["begin"] + c["commit"] + c["rollback"]
        detail = f"(BEGIN {c['begin'] / n:.1f}, COMMIT {c['commit'] / n:.1f}, "
        detail += f"ROLLBACK {c['rollback'] / n:.1f})"
        return c["statements"] / n, trips / n, detail


def timed(label: str, counts: Counts, n: int, request) -> None:
    """Time `n` requests: wall clock (mean and best batch of BATCH) and this process's CPU time,
    which other processes sharing the CPU disturb far less (it leaves out PostgreSQL's own)."""
    counts.reset()
    batches = []
    cpu = time.process_time()
    for first in range(0, n, BATCH):
        start = time.perf_counter()
        for i in range(first, min(n, first + BATCH)):
            response = request(i)
            assert response.status_code in (200, 302), (label, response.status_code)
        batches.append((time.perf_counter() - start, min(n, first + BATCH) - first))
    cpu = 1000 * (time.process_time() - cpu) / n
    mean = 1000 * sum(seconds for seconds, _ in batches) / n
    best = 1000 * min(seconds / size for seconds, size in batches)
    statements, trips, detail = counts.per_request(n)
    print(
        f"{label:<13} wall {mean:6.2f} ms (best batch {best:6.2f})  CPU {cpu:6.2f} ms  "
        f"{statements:4.1f} statements  {trips:4.1f} round trips {detail}"
    )


def time_peer(client, database_url, secret_key, attempt_id, answers, pages, n) -> None:
    """The same pages and autosave served by the same-work peer, signed in by the same cookie."""
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=secret_key)
    from bench import peer

    peer_client = peer.app.test_client()
    peer_client.environ_base.update(client.environ_base)
    peer_client.set_cookie("session", client.get_cookie("session").value)
    counts = Counts(peer.engine)
    positions = sorted(answers)
    page = peer_client.get(f"/attempts/{attempt_id}/{pages[0]}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    slots = AttemptQuestion.__table__
    with peer.engine.connect() as connection:  # where the app's saves left each question
        revisions = dict(
            connection.execute(
                sa.select(slots.c.position, slots.c.revision).where(
                    slots.c.attempt_id == attempt_id
                )
            ).all()
        )

    def get(i):
        return peer_client.get(f"/attempts/{attempt_id}/{pages[i % len(pages)]}")

    def save(i):
        position = positions[i % len(positions)]
        data = [*answers[position], ("revision", str(revisions[position]))]
        revisions[position] += 1
        data.append(("csrf_token", token))
        return peer_client.post(f"/attempts/{attempt_id}/{position}/autosave", data=MultiDict(data))

    timed("peer GET", counts, n, get)
    timed("peer autosave", counts, n, save)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="GETs and saves to time")
    parser.add_argument("--submits", type=int, default=200, help="fresh attempts to submit")
    parser.add_argument(
        "--peer", action="store_true", help="also time bench/peer.py in this process"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hot-path-")
    url = os.environ.get("DATABASE_URL")
    database_url = normalize_database_url(url) if url else f"sqlite:///{folder}/bench.db"
    try:
        app = build_app(database_url)
        attempt_id, to_submit, answers, pages = seed(app, args.submits)
        warm_up(app)
        client = app.test_client()
        # As a browser behind HTTPS: CSRF checks the referrer of secure requests.
        client.environ_base.update(
            {"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"}
        )
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        page = client.get(f"/attempts/{attempt_id}/1").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        with app.app_context():
            counts = Counts(db.engine)
        page = client.get(f"/attempts/{attempt_id}/100")
        assert page.status_code == 200, page.status_code
        size = len(page.data)
        print(f"{database_url.split(':')[0]}: question page {size / 1000:.1f} KB")
        positions = sorted(answers)
        revisions = dict.fromkeys(positions, 0)

        def get(i):  # the pages the peer renders too: choice questions
            return client.get(f"/attempts/{attempt_id}/{pages[i % len(pages)]}")

        def save(path_suffix, action=None):
            def request(i):
                position = positions[i % len(positions)]
                data = [*answers[position], ("revision", str(revisions[position]))]
                data += [("csrf_token", token)] + ([("action", action)] if action else [])
                revisions[position] += 1
                url = f"/attempts/{attempt_id}/{position}{path_suffix}"
                return client.post(url, data=MultiDict(data))

            return request

        def submit(i):
            return client.post(f"/attempts/{to_submit[i]}/submit", data={"csrf_token": token})

        timed("question GET", counts, args.n, get)
        timed("autosave", counts, args.n, save("/autosave"))
        timed("form save", counts, args.n, save("", action="save"))
        timed("submit", counts, len(to_submit), submit)
        if args.peer:
            time_peer(
                client, database_url, app.config["SECRET_KEY"], attempt_id, answers, pages, args.n
            )
        with app.app_context():
            db.session.remove()
            if url:
                db.drop_all()
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
