"""Uploads under gunicorn must not starve the server (issue 12): /healthz stays fast while
instructors upload huge files and page through big previews.

    make bench-uploads

Starts the app under gunicorn (settings from gunicorn.conf.py) on a temporary SQLite database,
signs an instructor in, and for ROUNDS seconds sends, from UPLOADERS threads at once, uploads of
a 50,000-question GIFT file (refused past IMPORT_MAX_QUESTIONS) and GETs of the pages of a
5,000-question preview, while another thread asks /healthz every 50 ms. Reports the uploads' and
pages' timings and /healthz's p50, p99 and worst latency. Goal: /healthz worst < 1 s, no 5xx.
"""

import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.import_files import gift_file  # noqa: E402
from bench.load import PASSWORD, seeding_app, serve, sign_in  # noqa: E402
from quizapp.auth.models import Role  # noqa: E402
from quizapp.auth.services import create_user  # noqa: E402
from quizapp.extensions import db  # noqa: E402

PORT = 8431
SECONDS = 20
UPLOADERS = 8
HEALTH_EVERY = 0.05
HEALTH_GOAL_SECONDS = 1.0


def multipart(fields: dict, file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def upload(base: str, cookie: str, token: str, data: bytes, filename: str) -> tuple[int, str]:
    body, boundary = multipart({"csrf_token": token, "format": ""}, "file", filename, data)
    request = urllib.request.Request(
        f"{base}/banks/upload",
        data=body,
        headers={"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, cookie: str = "") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-uploads-"))
    database_url = f"sqlite:///{workdir / 'bench.sqlite'}"

    app = seeding_app(database_url)
    with app.app_context():
        db.create_all()
        create_user("teacher@bench.test", "Teacher", PASSWORD, role=Role.INSTRUCTOR)
        db.session.commit()
    env = {
        "QUIZAPP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "0",
        "PATH": "/usr/bin:/bin",
    }
    server = serve("wsgi:app", PORT, env, HERE.parent)
    base = f"http://127.0.0.1:{PORT}"
    try:
        cookie, token = sign_in(base, "teacher@bench.test")
        huge, huge_name = gift_file(50_000)
        at_cap, cap_name = gift_file(5_000)
        status, preview = upload(base, cookie, token, at_cap, cap_name)
        assert status == 302, status
        pages = [f"{base}{preview}?page={n}" for n in range(1, 101)]
        stop = time.monotonic() + SECONDS
        timings: dict[str, list[float]] = {"upload 50,000": [], "preview page": [], "healthz": []}
        statuses: list[int] = []

        def uploader(n: int):
            while time.monotonic() < stop:
                started = time.perf_counter()
                if n % 2:
                    statuses.append(upload(base, cookie, token, huge, huge_name)[0])
                    timings["upload 50,000"].append(time.perf_counter() - started)
                else:
                    statuses.append(get(pages[len(statuses) % len(pages)], cookie))
                    timings["preview page"].append(time.perf_counter() - started)

        def health():
            while time.monotonic() < stop:
                started = time.perf_counter()
                statuses.append(get(f"{base}/healthz"))
                timings["healthz"].append(time.perf_counter() - started)
                time.sleep(HEALTH_EVERY)

        threads = [threading.Thread(target=uploader, args=(n,)) for n in range(UPLOADERS)]
        threads.append(threading.Thread(target=health))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait()
    print(
        f"{SECONDS} s, {UPLOADERS} clients (half uploading a {len(huge) / 2**20:.1f} MB "
        "50,000-question GIFT file, half paging a 5,000-question preview), /healthz every 50 ms"
    )
    print(f"{'request':<16}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'worst ms':>10}")
    for name, values in timings.items():
        print(
            f"{name:<16}{len(values):>7}{statistics.median(values) * 1000:>9.0f}"
            f"{percentile(values, 0.99) * 1000:>9.0f}{max(values) * 1000:>10.0f}"
        )
    errors = sum(status >= 500 for status in statuses)
    worst = max(timings["healthz"])
    print(f"5xx responses: {errors}")
    verdict = "met" if worst < HEALTH_GOAL_SECONDS and not errors else "NOT met"
    print(f"goal (/healthz worst < {HEALTH_GOAL_SECONDS:.0f} s, no 5xx): {verdict}")


if __name__ == "__main__":
    main()
