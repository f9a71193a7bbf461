"""gunicorn settings for `make serve` and production (`gunicorn -c gunicorn.conf.py wsgi:app`).

Every value can be set from the environment; the defaults suit a 2-core machine.
"""

import gc
import json
import multiprocessing
import os

bind = os.environ.get(
    "BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# Workers are processes: page rendering is CPU-bound, and one thread per worker (gunicorn's sync
# worker) gave the same throughput as two threads with a third of the p99 latency under load, on
# SQLite and PostgreSQL (`make bench`). Sync workers need a buffering proxy in front for slow
# clients (docs/deploying.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Load the app before forking so workers share its memory (the app keeps no per-server state).
preload_app = True
max_requests = 5000  # recycle workers now and then, with jitter so they do not restart together
max_requests_jitter = 500


def when_ready(server):
    """Before the first fork: warm the app up once in the master, so every worker (and every
    replacement) starts warm; then freeze the objects that live as long as the process out of
    the garbage collector's sight, which spares collections and keeps their memory shared."""
    app = server.app.wsgi()
    if getattr(app, "import_name", None) == "quizapp":
        from quizapp import warm_up

        warm_up(app)
    gc.freeze()


# One JSON object per request on stdout: easy to ship to any log store.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "agent": "%(a)s",
    }
)
