"""Load benchmark: the app under gunicorn, driven by wrk over loopback, against hello world.

    make bench                     # SQLite in a temporary folder
    make bench DATABASE_URL=postgresql://user:pw@localhost/empty_db

It seeds the shipped banks, 1,000 students in 20 classes, 50,000 finished attempts and 100 in
progress; starts the app and a Flask "hello world" with the same gunicorn settings; and reports,
per endpoint, requests per second, p50 and p99 latency at 50 connections, errors, and the
throughput as a share of hello world's. Every endpoint runs in each of `--rounds` rounds (3) and
the median run is reported. Goals: >= 40 % of hello world, p99 < 100 ms, no errors.
"""

import argparse
import http.cookiejar
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from config import ProductionConfig, normalize_database_url
from quizapp import create_app
from quizapp.auth.models import Role, User
from quizapp.auth.passwords import hash_password
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_directory
from quizapp.classes.models import Classroom, Enrollment
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.exams.services import load_items, start_blueprint_attempt
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts
from quizapp.scoring.question_types import get_question_type

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "bench pass phrase"
STUDENTS, CLASSES, FINISHED_EACH, IN_PROGRESS = 1000, 20, 50, 100
CONNECTIONS, DURATION = 50, "10s"


def seed(database_url: str) -> dict:
    """Fill an empty database; return what the load needs (ids, the benchmark users)."""

    class SeedConfig(ProductionConfig):
        SECRET_KEY = secrets.token_hex(32)
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(SeedConfig)
    logging.getLogger("quizapp").setLevel(logging.WARNING)  # not a line per seeded attempt
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        sync_directory(ROOT / "question_banks", now=now)
        password_hash = hash_password(PASSWORD)
        users = [
            {
                "email": f"teacher{n}@bench.test",
                "display_name": f"Teacher {n}",
                "password_hash": password_hash,
                "role": Role.INSTRUCTOR.value,
            }
            for n in range(CLASSES)
        ] + [
            {
                "email": f"student{n}@bench.test",
                "display_name": f"Student {n}",
                "password_hash": password_hash,
                "role": Role.STUDENT.value,
            }
            for n in range(STUDENTS)
        ]
        ids = (
            db.session.execute(
                sa.insert(User).returning(User.id, sort_by_parameter_order=True), users
            )
            .scalars()
            .all()
        )
        teacher_ids, student_ids = ids[:CLASSES], ids[CLASSES:]
        class_ids = (
            db.session.execute(
                sa.insert(Classroom).returning(Classroom.id, sort_by_parameter_order=True),
                [
                    {"name": f"Class {n}", "instructor_id": t, "join_code": f"BENCH{n:03d}"}
                    for n, t in enumerate(teacher_ids)
                ],
            )
            .scalars()
            .all()
        )
        db.session.execute(
            sa.insert(Enrollment),
            [
                {"class_id": class_ids[n % CLASSES], "student_id": s}
                for n, s in enumerate(student_ids)
            ],
        )
        db.session.commit()
        terminology = db.session.scalar(
            sa.select(Blueprint).where(Blueprint.slug == "medical-terminology-practice")
        )
        seed_attempts(
            student_ids, attempts_each=FINISHED_EACH, questions_each=10, blueprint_id=terminology.id
        )
        mock = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "cma-mock-exam"))
        bench_student = db.session.get(User, student_ids[0])
        open_ids = []
        for n in range(IN_PROGRESS):
            owner = bench_student if n < 20 else db.session.get(User, student_ids[n])
            blueprint = mock if n < 20 else terminology
            attempt = start_blueprint_attempt(owner, blueprint, mode=Mode.EXAM, now=now, seed=n)
            open_ids.append(attempt.id)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # as `flask optimize-db` does nightly
        db.session.commit()
        # A correct answer to every question of the benchmark student's open attempts.
        saves = []
        for attempt_id in open_ids[:20]:
            for item in load_items(db.session.get(Attempt, attempt_id)):
                qtype = get_question_type(item.version.type)
                content = item.version.content
                state = qtype.form_state(content, item.slot.layout, qtype.correct_response(content))
                fields = [(k, v) for k, values in state.items() for v in values]
                saves.append((attempt_id, item.slot.position, fields))
        finished = db.session.scalar(
            sa.select(Attempt.id).where(
                Attempt.user_id == bench_student.id, Attempt.finished_at.is_not(None)
            )
        )
        return {
            "student": bench_student.email,
            "teacher": f"teacher{(student_ids.index(bench_student.id)) % CLASSES}@bench.test",
            "class_id": class_ids[0],
            "open_attempt": open_ids[0],
            "finished_attempt": finished,
            "saves": saves,
        }


def sign_in(base: str, email: str) -> tuple[str, str]:
    """Sign in like a browser; return the session cookie and a CSRF token for form posts."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", body.encode())
    page = opener.open(f"{base}/practice").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}", token


def wrk(url: str, *, cookie: str = "", script: list[str] | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script[0], url, "--", *script[1:]]
    else:
        command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(label):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors,
    }


def probe(url: str, cookie: str, line: str | None = None) -> None:
    """Check an endpoint answers once before loading it, so errors are seen, not just counted."""
    data = None
    if line is not None:
        path, body = line.rstrip("\n").split("\t", 1)
        url, data = url.rstrip("/") + path, body.encode()
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        print(f"probe {url}: HTTP {status}: {exc.read()[:300]!r}")
    if status >= 400:
        print(f"warning: {url} answered {status} before the load started")


def serve(app_path: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--chdir",
            str(chdir),
            app_path,
        ],
        env=env | {"BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "/dev/null"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/healthz"
                if "wsgi" in app_path
                else f"http://127.0.0.1:{port}/"
            )
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app_path} did not start")


def write_saves(path: Path, database_url: str, saves: list, token: str) -> None:
    """One line per question to save: its autosave path, a tab, the form body. Each body
    carries the question's current revision, which autosave.lua raises by one per save."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        revisions = {
            (attempt_id, position): revision
            for attempt_id, position, revision in connection.execute(
                sa.select(
                    AttemptQuestion.attempt_id, AttemptQuestion.position, AttemptQuestion.revision
                ).where(AttemptQuestion.attempt_id.in_({a for a, _, _ in saves}))
            )
        }
    engine.dispose()
    path.write_text(
        "".join(
            f"/attempts/{attempt_id}/{position}/autosave\t"
            + urllib.parse.urlencode(
                [("csrf_token", token), ("revision", revisions[attempt_id, position]), *fields]
            )
            + "\n"
            for attempt_id, position, fields in saves
        )
    )


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput, with the errors of all runs."""
    middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return middle | {"errors": sum(r["errors"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of every endpoint; the median is reported"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: sudo apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    database_url = normalize_database_url(
        args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    )
    started = time.perf_counter()
    data = seed(database_url)
    print(f"seeded in {time.perf_counter() - started:.0f} s ({database_url.split(':')[0]})")
    env = os.environ | {
        "QUIZAPP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
    }
    app, hello = serve("wsgi:app", 8411, env, ROOT), serve("hello:app", 8412, env, HERE)
    try:
        base = "http://127.0.0.1:8411"
        student_cookie, student_token = sign_in(base, data["student"])
        teacher_cookie, _ = sign_in(base, data["teacher"])
        saves_file = workdir / "saves.tsv"
        write_saves(saves_file, database_url, data["saves"], student_token)
        probe(f"{base}/", student_cookie, saves_file.read_text().splitlines()[0])
        submit_file = workdir / "submit.tsv"
        submit_file.write_text(
            f"/attempts/{data['finished_attempt']}/submit\tcsrf_token={student_token}\n"
        )
        probe(f"{base}/", student_cookie, submit_file.read_text())
        probe(f"{base}/classes/{data['class_id']}", teacher_cookie)

        def saving():
            write_saves(saves_file, database_url, data["saves"], student_token)
            return wrk(
                f"{base}/",
                cookie=student_cookie,
                script=[str(HERE / "autosave.lua"), str(saves_file), "2"],
            )

        class_page = f"{base}/classes/{data['class_id']}"
        endpoints = {
            "hello world": lambda: wrk("http://127.0.0.1:8412/"),
            "show a question": lambda: wrk(
                f"{base}/attempts/{data['open_attempt']}/7", cookie=student_cookie
            ),
            "save an answer": saving,
            "submit an attempt": lambda: wrk(
                f"{base}/",
                cookie=student_cookie,
                script=[str(HERE / "autosave.lua"), str(submit_file), "2"],
            ),
            "student dashboard": lambda: wrk(f"{base}/progress", cookie=student_cookie),
            "class report": lambda: wrk(class_page, cookie=teacher_cookie),
            "item analysis": lambda: wrk(f"{class_page}/items", cookie=teacher_cookie),
        }
        runs: dict[str, list[dict]] = {name: [] for name in endpoints}
        for _ in range(args.rounds):  # rounds, not repeats in a row: drifts hit every endpoint
            for name, run in endpoints.items():
                runs[name].append(run())
    finally:
        app.terminate()
        hello.terminate()
    rows = [(name, median_run(results)) for name, results in runs.items()]
    baseline = rows[0][1]["rps"]
    print(
        f"\n{CONNECTIONS} connections, {DURATION} a run, median of {args.rounds} rounds "
        "(errors: all rounds), gunicorn settings from gunicorn.conf.py\n"
    )
    print("| endpoint | req/s | p50 ms | p99 ms | errors | vs hello world |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
            f"{100 * r['rps'] / baseline:.0f} % |"
        )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
