"""`make test`'s dependency audit: run when the vulnerability database answers, else say so."""

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tools import audit_dependencies


@pytest.fixture
def release_server():
    """A local stand-in for PyPI's release JSON; set `.status` and `.body` before asking it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(server.status)
            self.end_headers()
            self.wfile.write(server.body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.status, server.body = 200, b"{}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_port}/pypi/gunicorn/22.0.0/json"


def test_a_database_that_lists_the_known_advisory_is_usable(release_server):
    release_server.body = json.dumps({"vulnerabilities": [{"id": "GHSA-hc5x-x2vx-497g"}]}).encode()
    assert audit_dependencies.vulnerability_database_problem(_url(release_server)) is None


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, b"", "404"),  # a mirror without the per-release API (this build machine)
        (200, b'{"vulnerabilities": []}', "lists no advisory"),
        (200, b"<html>captive portal</html>", "Expecting value"),
    ],
)
def test_a_database_that_cannot_answer_is_reported(release_server, status, body, reason):
    release_server.status, release_server.body = status, body
    assert reason in audit_dependencies.vulnerability_database_problem(_url(release_server))


def test_an_unreachable_database_is_reported_quickly(release_server):
    url = _url(release_server)
    release_server.shutdown()
    release_server.server_close()
    assert "Connection refused" in audit_dependencies.vulnerability_database_problem(url, 1)


def test_skipping_says_so_and_passes(monkeypatch, capsys):
    monkeypatch.setattr(audit_dependencies, "vulnerability_database_problem", lambda: "no DNS")
    assert audit_dependencies.main() == 0
    assert capsys.readouterr().out == (
        "pip-audit skipped: no route to the vulnerability database (no DNS)\n"
    )


@pytest.mark.parametrize("audit_status", [0, 1])
def test_a_finding_fails_the_audit(monkeypatch, audit_status):
    monkeypatch.setattr(audit_dependencies, "vulnerability_database_problem", lambda: None)
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda command, **kwargs: subprocess.CompletedProcess(command, audit_status),
    )
    assert audit_dependencies.main() == audit_status


def test_an_audit_that_stops_answering_is_skipped(monkeypatch, capsys):
    def hang(command, *, timeout, check):
        raise subprocess.TimeoutExpired(command, timeout)

    monkeypatch.setattr(audit_dependencies, "vulnerability_database_problem", lambda: None)
    monkeypatch.setattr(subprocess, "run", hang)
    assert audit_dependencies.main() == 0
    assert capsys.readouterr().out.startswith("pip-audit skipped: the vulnerability database")
