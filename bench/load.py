"""Load benchmark: the app under gunicorn, driven by wrk over loopback, against hello world
and a same-work peer (bench/peer.py).

    make bench                     # SQLite in a temporary folder
    make bench DATABASE_URL=postgresql://user:pw@localhost/empty_db
    PYTHONPATH=. python bench/load.py --rounds 1 --duration 3s --submits 300   # a quick run

It seeds the shipped banks, 1,000 students in 20 classes, 50,000 finished attempts, 100 in
progress and the open attempts the submit runs grade; starts the app, a Flask "hello world" and
the peer with the same gunicorn settings; and reports, per endpoint, requests per second, p50
and p99 latency at 50 connections, errors, and the throughput as a share of hello world's (and
of the peer's for the question page and the save). Every endpoint runs in each of `--rounds`
rounds (3) and the median run is reported. Then it times the reports cold, each right after a
grading. Goals: >= 40 % of hello world, p99 < 100 ms, no errors.
"""

import argparse
import http.client
import http.cookiejar
import logging
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from config import ProductionConfig, normalize_database_url
from quizapp import create_app
from quizapp.accommodations import STANDARD
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
CONNECTIONS = 50
# Flask-Login's "basic" session protection hashes the address and User-Agent: wrk must send
# the sign-in's, or every request is served as a fresh session and the cookie re-signed.
USER_AGENT = "quizapp-bench/1"
COLD_SAMPLES = 20  # reports timed right after a grading


def seeding_app(database_url: str):
    """The app on a benchmark's database, with a throwaway key, for filling it directly."""

    class SeedConfig(ProductionConfig):
        SECRET_KEY = secrets.token_hex(32)
        SQLALCHEMY_DATABASE_URI = database_url

    return create_app(SeedConfig)


def seed(database_url: str, submits: int) -> dict:
    """Fill an empty database; return what the load needs (ids, the benchmark users). The
    submit runs grade `submits` open attempts of a student of another class, so the reports
    measured keep their size; the cold reports grade attempts of the benchmark student."""

    app = seeding_app(database_url)
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
        # In one piece, as bench/hot_path.py: in its four timed sections a page would show, and
        # saves would reach, 50 questions at a time (the rest are refused as locked).
        mock.segments = []
        bench_student = db.session.get(User, student_ids[0])
        open_ids = []
        for n in range(IN_PROGRESS):
            owner = bench_student if n < 20 else db.session.get(User, student_ids[n])
            blueprint = mock if n < 20 else terminology
            attempt = start_blueprint_attempt(
                owner, blueprint, mode=Mode.EXAM, accommodation=STANDARD, now=now, seed=n
            )
            open_ids.append(attempt.id)

        def exam_attempts(user, count):
            return [
                start_blueprint_attempt(
                    user,
                    terminology,
                    mode=Mode.EXAM,
                    accommodation=STANDARD,
                    now=now,
                    seed=IN_PROGRESS + n,
                ).id
                for n in range(count)
            ]

        submitter = db.session.get(User, student_ids[1])
        to_submit = exam_attempts(submitter, submits)
        to_grade = exam_attempts(bench_student, COLD_SAMPLES)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # as `flask optimize-db` does nightly
        db.session.commit()
        # A correct answer to every question of the benchmark student's open attempts.
        saves, pages = [], []
        for attempt_id in open_ids[:20]:
            for item in load_items(db.session.get(Attempt, attempt_id)):
                qtype = get_question_type(item.version.type)
                content = item.version.content
                state = qtype.form_state(content, item.slot.layout, qtype.correct_response(content))
                fields = [(k, v) for k, values in state.items() for v in values]
                saves.append((attempt_id, item.slot.position, fields))
                if attempt_id == open_ids[0] and qtype.present(content, item.slot.layout).get(
                    "choices"
                ):
                    pages.append(item.slot.position)
        return {
            "student": bench_student.email,
            "teacher": f"teacher{(student_ids.index(bench_student.id)) % CLASSES}@bench.test",
            "class_id": class_ids[0],
            "open_attempt": open_ids[0],
            # Question 7 as before, or the next choice question (the pages the peer renders).
            "question_position": min(p for p in pages if p >= 7),
            "submitter": submitter.email,
            "to_submit": to_submit,
            "to_grade": to_grade,
            "saves": saves,
        }


def sign_in(base: str, email: str) -> tuple[str, str]:
    """Sign in like a browser; return the session cookie and a CSRF token for form posts."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", body.encode())
    page = opener.open(f"{base}/practice").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}", token


def wrk(url: str, *, cookie: str = "", script: list[str] | None = None, duration: str) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
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


def fetch(url: str, cookie: str, body: str | None = None) -> tuple[int, dict, bytes]:
    """One request with wrk's headers, redirects not followed: status, headers, body."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc)
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request("POST" if body is not None else "GET", parts.path, body, headers)
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


def probe(url: str, cookie: str, body: str | None = None) -> bytes:
    """Check an endpoint serves the signed-in user before loading it (so errors are seen, not
    just counted): no error, no redirect to the sign-in page, and no new Set-Cookie (which
    would mean wrk's requests fail the session protection and get a fresh session)."""
    status, headers, content = fetch(url, cookie, body)
    if status >= 400:
        print(f"warning: {url} answered {status} before the load: {content[:300]!r}")
    if "/login" in headers.get("Location", ""):
        print(f"warning: {url} is not served as the signed-in user (redirected to sign in)")
    if "Set-Cookie" in headers:
        print(f"warning: {url} re-signed the session cookie: wrk's requests are not the user's")
    return content


def serve(app_path: str, port: int, env: dict, chdir: Path, stderr=None) -> subprocess.Popen:
    """Start gunicorn with the app's settings; wait until it answers /healthz. The app's log
    goes to `stderr` (a file) if given."""
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
        stderr=stderr or subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
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


def count_submitted(database_url: str, attempt_ids: list[int]) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(
            sa.select(sa.func.count()).where(
                Attempt.id.in_(attempt_ids), Attempt.finish_reason == "submitted"
            )
        )
    engine.dispose()
    return count


def time_reports(base: str, student: tuple, teacher_cookie: str, data: dict) -> dict:
    """Time each report from one client, cold and then warm. Cold: right after a grading
    changed its data; per sample, submit one of the student's open attempts, then fetch each
    report once. Warm: each report fetched 10 times first (untimed), with nothing changing."""
    cookie, token = student
    reports = {
        "student dashboard": (f"{base}/progress", cookie),
        "class report": (f"{base}/classes/{data['class_id']}", teacher_cookie),
        "item analysis": (f"{base}/classes/{data['class_id']}/items", teacher_cookie),
    }
    cold: dict[str, list[float]] = {name: [] for name in reports}
    warm: dict[str, list[float]] = {name: [] for name in reports}
    errors = 0

    def timed(url: str, report_cookie: str) -> float:
        nonlocal errors
        started = time.perf_counter()
        status, _, _ = fetch(url, report_cookie)
        errors += status != 200
        return 1000 * (time.perf_counter() - started)

    for attempt_id in data["to_grade"]:
        status, _, _ = fetch(f"{base}/attempts/{attempt_id}/submit", cookie, f"csrf_token={token}")
        errors += status != 302
        for name, (url, report_cookie) in reports.items():
            cold[name].append(timed(url, report_cookie))
    for name, (url, report_cookie) in reports.items():
        for _ in range(10):
            timed(url, report_cookie)
        warm[name] = [timed(url, report_cookie) for _ in range(COLD_SAMPLES)]
    return {"cold": cold, "warm": warm, "errors": errors}


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
    parser.add_argument("--duration", default="10s", help="of each wrk run (wrk's -d)")
    parser.add_argument(
        "--submits",
        type=int,
        default=1000,
        help="open attempts seeded per round for the submit run (it stops when all are graded)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: sudo apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    database_url = normalize_database_url(
        args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    )
    started = time.perf_counter()
    data = seed(database_url, args.rounds * args.submits + 1)
    print(f"seeded in {time.perf_counter() - started:.0f} s ({database_url.split(':')[0]})")
    env = os.environ | {
        "QUIZAPP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
    }
    app, hello = serve("wsgi:app", 8411, env, ROOT), serve("hello:app", 8412, env, HERE)
    peer = None
    try:
        base, peer_base = "http://127.0.0.1:8411", "http://127.0.0.1:8413"
        student_cookie, student_token = sign_in(base, data["student"])
        teacher_cookie, _ = sign_in(base, data["teacher"])
        submitter_cookie, submitter_token = sign_in(base, data["submitter"])
        question_path = f"/attempts/{data['open_attempt']}/{data['question_position']}"
        page = probe(base + question_path, student_cookie)
        # The peer shares the app's key, so the cookie works.
        peer = serve("bench.peer:app", 8413, env, ROOT)
        peer_page = probe(peer_base + question_path, student_cookie)
        print(f"question page: app {len(page)} bytes, peer {len(peer_page)} bytes")
        saves_file = workdir / "saves.tsv"
        write_saves(saves_file, database_url, data["saves"], student_token)
        path, body = saves_file.read_text().splitlines()[0].split("\t", 1)
        probe(base + path, student_cookie, body)
        write_saves(saves_file, database_url, data["saves"], student_token)
        probe(
            peer_base + path, student_cookie, saves_file.read_text().splitlines()[0].split("\t")[1]
        )
        to_submit = data["to_submit"]
        probe(
            f"{base}/attempts/{to_submit.pop()}/submit",
            submitter_cookie,
            f"csrf_token={submitter_token}",
        )
        class_page = f"{base}/classes/{data['class_id']}"
        for url in (f"{base}/progress", class_page, f"{class_page}/items"):
            probe(url, teacher_cookie if "classes" in url else student_cookie)

        def saving(server: str):
            def run():
                write_saves(saves_file, database_url, data["saves"], student_token)
                return wrk(
                    f"{server}/",
                    cookie=student_cookie,
                    script=[str(HERE / "autosave.lua"), str(saves_file), "2"],
                    duration=args.duration,
                )

            return run

        def submitting():
            ids = [to_submit.pop() for _ in range(args.submits)]
            submit_file = workdir / "submit.tsv"
            submit_file.write_text(
                "".join(f"/attempts/{a}/submit\tcsrf_token={submitter_token}\n" for a in ids)
            )
            result = wrk(
                f"{base}/",
                cookie=submitter_cookie,
                script=[str(HERE / "submit.lua"), str(submit_file), "2"],
                duration=args.duration,
            )
            return result | {"graded": count_submitted(database_url, ids)}

        def get(url: str, cookie: str):
            return lambda: wrk(url, cookie=cookie, duration=args.duration)

        endpoints = {
            "hello world": get("http://127.0.0.1:8412/", ""),
            "peer: question page": get(peer_base + question_path, student_cookie),
            "peer: save": saving(peer_base),
            "show a question": get(base + question_path, student_cookie),
            "save an answer": saving(base),
            "submit an attempt": submitting,
            "student dashboard": get(f"{base}/progress", student_cookie),
            "class report": get(class_page, teacher_cookie),
            "item analysis": get(f"{class_page}/items", teacher_cookie),
        }
        runs: dict[str, list[dict]] = {name: [] for name in endpoints}
        for _ in range(args.rounds):  # rounds, not repeats in a row: drifts hit every endpoint
            for name, run in endpoints.items():
                runs[name].append(run())
        reports = time_reports(base, (student_cookie, student_token), teacher_cookie, data)
    finally:
        for process in (app, hello, peer):
            if process is not None:
                process.terminate()
    rows = dict((name, median_run(results)) for name, results in runs.items())
    peers = {"show a question": "peer: question page", "save an answer": "peer: save"}
    print(
        f"\n{CONNECTIONS} connections, {args.duration} a run, median of {args.rounds} rounds "
        "(errors: all rounds), gunicorn settings from gunicorn.conf.py\n"
    )
    print("| endpoint | req/s | p50 ms | p99 ms | errors | vs hello world | vs peer |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        share = f"{100 * r['rps'] / rows[peers[name]]['rps']:.0f} %" if name in peers else ""
        print(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
            f"{100 * r['rps'] / rows['hello world']['rps']:.0f} % | {share} |"
        )
    graded = [r["graded"] for r in runs["submit an attempt"]]
    print(f"\nsubmit runs graded {graded} of {args.submits} open attempts each")
    print(
        f"\nreports from one client, {COLD_SAMPLES} samples each (errors {reports['errors']}): "
        "cold right after a grading, warm after 10 untimed fetches\n"
    )
    print("| report | cold p50 ms | cold max ms | warm p50 ms | warm max ms |")
    print("|---|---:|---:|---:|---:|")
    for name, cold in reports["cold"].items():
        warm = reports["warm"][name]
        print(
            f"| {name} | {statistics.median(cold):.1f} | {max(cold):.1f} | "
            f"{statistics.median(warm):.1f} | {max(warm):.1f} |"
        )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
