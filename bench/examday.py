"""Exam day: a class signs in, starts a timed exam at once, answers it with autosave, and submits.

    make bench-examday                                   # SQLite in a temporary folder
    make bench-examday DATABASE_URL=postgresql://user:pw@localhost/empty_db
    PYTHONPATH=. python bench/examday.py --students 30 --questions 10 --minutes 2   # short

The app runs under gunicorn with its own settings. Each student is a thread with its own
connection and cookie: it signs in as it arrives, at a random moment of the `--arrival` seconds
before the exam opens (as in a proctored room; `--arrival 0` signs everyone in within the start
window instead, on top of the starts: the worst case), starts the exam within the first
`--start-window` seconds, loads each question page and autosaves an answer after a think time
of 1-3 s, and
submits at a random moment of the last minute (stopping early if that comes first); one in ten
sends its submit twice at once (a double click). Afterwards the database is compared with what
was sent: an answer is LOST when the last save the server confirmed is not what the graded
attempt holds, and an attempt is graded twice when the app logged its grading more than once.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from load import ROOT, seeding_app, serve

from config import normalize_database_url
from quizapp.auth.models import Role, User
from quizapp.auth.passwords import hash_password
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion
from quizapp.banks.services import sync_directory
from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.scoring.question_types import get_question_type

PASSWORD = "exam day pass phrase"
SLUG = "exam-day"
PORT = 8421
USER_AGENT = "quizapp-examday/1"


def seed(database_url: str, students: int, questions: int, minutes: int) -> None:
    """Fill an empty database: the shipped banks, the students, and a one-part exam drawn from
    the largest bank whose time limit outlasts the run (no attempt expires)."""

    app = seeding_app(database_url)
    with app.app_context():
        db.create_all()
        sync_directory(ROOT / "question_banks", now=datetime.now(UTC))
        password_hash = hash_password(PASSWORD)
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"examinee{n}@bench.test",
                    "display_name": f"Examinee {n}",
                    "password_hash": password_hash,
                    "role": Role.STUDENT.value,
                }
                for n in range(students)
            ],
        )
        bank = db.session.execute(
            sa.select(Bank.slug, sa.func.count(Question.id))
            .join(Question, Question.bank_id == Bank.id)
            .group_by(Bank.slug)
            .order_by(sa.func.count(Question.id).desc())
        ).first()
        if bank[1] < questions:
            raise SystemExit(f"the largest bank has {bank[1]} questions, fewer than {questions}")
        db.session.add(
            Blueprint(
                slug=SLUG,
                title="Exam day",
                time_limit_minutes=minutes + 10,
                passing_percent=70,
                sections=[{"bank": bank[0], "topic": None, "questions": questions}],
            )
        )
        db.session.commit()


class Student:
    """One browser: its own connection and session cookie, timing every request."""

    def __init__(self, number: int, log: list, errors: Counter):
        self.email = f"examinee{number}@bench.test"
        self.cookie = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.log, self.errors = log, errors

    def request(self, kind: str, method: str, path: str, fields=None, expect=200):
        headers = {"User-Agent": USER_AGENT, "Cookie": self.cookie}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            content = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            return None, {}, ""
        self.log.append((kind, 1000 * (time.perf_counter() - started), started))
        for cookie in response.msg.get_all("Set-Cookie") or ():
            if cookie.startswith("session="):
                self.cookie = cookie.split(";", 1)[0]
        if response.status != expect:
            self.errors[f"{kind}: HTTP {response.status}"] += 1
        return response.status, dict(response.getheaders()), content


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)


def choose_answer(page: str, rng: random.Random) -> list[tuple[str, str]]:
    """Form fields answering the question on `page`, whatever its type."""
    choices = re.findall(r'type="(?:radio|checkbox)" name="answer" value="([^"]+)"', page)
    if choices:
        return [("answer", rng.choice(choices))]
    if 'type="text" name="answer"' in page:
        return [("answer", rng.choice(["cardiology", "x", "hypertension"]))]
    fields = []
    selects = re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', page, re.S)
    positions = list(range(1, len(selects) + 1))
    rng.shuffle(positions)
    for name, options in selects:
        values = [v for v in re.findall(r'<option value="([^"]*)"', options) if v]
        fields.append((name, str(positions.pop()) if name.startswith("rank-") else values[0]))
    return fields


def take_exam(number: int, plan: dict, out: dict) -> None:
    """One student's exam, its confirmed saves recorded in out["confirmed"]."""
    rng = random.Random(number)
    student = Student(number, out["log"], out["errors"])
    starts_at = plan["start"] + rng.uniform(0, plan["window"])
    arrives_at = plan["start"] - rng.uniform(0, plan["arrival"]) if plan["arrival"] else starts_at
    time.sleep(max(0.0, arrives_at - time.monotonic()))
    _, _, page = student.request("sign-in page", "GET", "/login")
    fields = {"email": student.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    student.request("sign in", "POST", "/login", fields, expect=302)
    time.sleep(max(0.0, starts_at - time.monotonic()))
    _, _, page = student.request("practice page", "GET", "/practice")
    token = csrf_token(page)
    _, headers, _ = student.request(
        "start", "POST", f"/practice/{SLUG}/start", {"csrf_token": token, "mode": "exam"}, 302
    )
    match = re.search(r"/attempts/(\d+)/1$", headers.get("Location", ""))
    if match is None:
        out["errors"]["start: no attempt"] += 1
        return
    attempt = int(match.group(1))
    submit_at = plan["end"] - rng.uniform(0, 60)  # in the last minute
    for position in range(1, plan["questions"] + 1):
        if time.monotonic() >= submit_at:
            out["unanswered"].append(plan["questions"] - position + 1)
            break
        _, _, page = student.request("question page", "GET", f"/attempts/{attempt}/{position}")
        revision = re.search(r'name="revision" value="(\d+)"', page)
        if revision is None:
            continue
        answer = choose_answer(page, rng)
        time.sleep(rng.uniform(1, 3))
        fields = [("csrf_token", token), ("revision", revision.group(1)), *answer]
        status, _, content = student.request(
            "save", "POST", f"/attempts/{attempt}/{position}/autosave", fields
        )
        if status == 200 and '"saved":true' in content.replace(" ", ""):
            out["confirmed"][attempt, position] = answer
    time.sleep(max(0.0, submit_at - time.monotonic()))
    double = rng.random() < 0.1
    submits = [student] + ([Student(number, out["log"], out["errors"])] if double else [])
    for extra in submits[1:]:
        extra.cookie = student.cookie
    threads = [
        threading.Thread(
            target=s.request,
            args=("submit", "POST", f"/attempts/{attempt}/submit", {"csrf_token": token}, 302),
        )
        for s in submits
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["attempts"].append(attempt)
    out["double"].append(double)


def check(database_url: str, confirmed: dict, attempts: list) -> tuple[int, int]:
    """Answers lost (confirmed but not held as sent) and attempts left ungraded."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                AttemptQuestion.attempt_id,
                AttemptQuestion.position,
                AttemptQuestion.layout,
                AttemptQuestion.response,
                QuestionVersion.type,
                QuestionVersion.content,
            )
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
            .where(AttemptQuestion.attempt_id.in_(attempts))
        ).all()
        ungraded = connection.scalar(
            sa.select(sa.func.count()).where(
                Attempt.id.in_(attempts), Attempt.finished_at.is_(None)
            )
        )
    engine.dispose()
    lost = 0
    for attempt, position, layout, response, qtype, content in rows:
        sent = confirmed.get((attempt, position))
        if sent is None:
            continue
        held = (
            {}
            if response is None
            else get_question_type(qtype).form_state(content, layout, response)
        )
        expected = defaultdict(list)
        for name, value in sent:
            expected[name].append(value)
        lost += {k: sorted(v) for k, v in held.items() if v} != {
            k: sorted(v) for k, v in expected.items()
        }
    return lost, ungraded


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument(
        "--minutes", type=float, default=4, help="from the exam's opening to the end (>= 2)"
    )
    parser.add_argument("--start-window", type=float, default=30, help="seconds")
    parser.add_argument(
        "--arrival",
        type=float,
        default=120,
        help="seconds before the opening over which students sign in (0: within the start window)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-examday-"))
    database_url = normalize_database_url(
        args.database_url or f"sqlite:///{workdir / 'examday.sqlite'}"
    )
    seed(database_url, args.students, args.questions, int(args.minutes) + 1)
    env = os.environ | {
        "QUIZAPP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
    }
    app_log = workdir / "app.log"
    with app_log.open("w") as stderr:
        server = serve("wsgi:app", PORT, env, ROOT, stderr=stderr)
        try:
            start = time.monotonic() + 2 + args.arrival
            plan = {
                "arrival": args.arrival,
                "start": start,
                "end": start + 60 * args.minutes,
                "window": args.start_window,
                "questions": args.questions,
            }
            out = {
                "log": [],
                "errors": Counter(),
                "confirmed": {},
                "attempts": [],
                "unanswered": [],
                "double": [],
            }
            threads = [
                threading.Thread(target=take_exam, args=(n, plan, out), daemon=True)
                for n in range(args.students)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.terminate()
            server.wait()
    gradings = Counter(re.findall(r"Attempt (\d+) (?:submitted|expired)", app_log.read_text()))
    lost, ungraded = check(database_url, out["confirmed"], out["attempts"])
    by_kind = defaultdict(list)
    for kind, ms, _ in out["log"]:
        by_kind[kind].append(ms)
    print(
        f"\n{args.students} students, {args.questions} questions, {args.minutes:g} minutes, "
        f"sign-ins over the {args.arrival:g} s before the opening"
        f"{'' if args.arrival else ' (in the start window)'}, "
        f"{database_url.split(':')[0]}, gunicorn settings from gunicorn.conf.py\n"
    )
    print("| request | count | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, values in by_kind.items():
        print(
            f"| {kind} | {len(values)} | {statistics.median(values):.0f} | "
            f"{percentile(values, 0.99):.0f} | {max(values):.0f} |"
        )
    print_after_sign_ins(out["log"])
    print(
        f"\nerrors: {sum(out['errors'].values())} {dict(out['errors'])}\n"
        f"answers confirmed: {len(out['confirmed'])}, LOST: {lost}, "
        f"left unanswered at the submit time: {sum(out['unanswered'])}\n"
        f"attempts submitted: {len(out['attempts'])} ({sum(out['double'])} twice at once), "
        f"not graded: {ungraded}, gradings logged: {sum(gradings.values())}, "
        f"graded more than once: {sum(1 for n in gradings.values() if n > 1)}"
    )


def print_after_sign_ins(log: list) -> None:
    """The exam pages' latencies once every student has signed in: whether the tail comes from
    the sign-in rush (password hashing on the same cores) or from the pages themselves."""
    first = min(started for _, _, started in log)
    signed_in = max(started + ms / 1000 for kind, ms, started in log if kind == "sign in")
    print(f"\nafter the last sign-in ({signed_in - first:.0f} s into the run):\n")
    print("| request | count | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for kind in ("question page", "save"):
        later = [ms for k, ms, started in log if k == kind and started > signed_in]
        if later:
            print(
                f"| {kind} | {len(later)} | {statistics.median(later):.0f} | "
                f"{percentile(later, 0.99):.0f} | {max(later):.0f} |"
            )


if __name__ == "__main__":
    main()
