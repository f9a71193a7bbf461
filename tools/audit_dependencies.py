"""Audit the installed packages with pip-audit, when its vulnerability database answers.

`make test` runs this. pip-audit asks PyPI's JSON API about each installed release. A machine
that reaches no PyPI, or only a mirror without that API, gets every package reported as "not
found" and still the words "No known vulnerabilities found". So a release with a published
advisory is looked up first; only when the answer lists the advisory does the audit run, and then
a finding fails. Otherwise one line says the audit was skipped, and the exit status is 0.
"""

import json
import subprocess
import sys
import urllib.request

# gunicorn 22.0.0 has a published request-smuggling advisory (CVE-2024-6827, fixed in 23.0).
CANARY_RELEASE_URL = "https://pypi.org/pypi/gunicorn/22.0.0/json"
PROBE_TIMEOUT_SECONDS = 5
AUDIT_TIMEOUT_SECONDS = 300
AUDIT_COMMAND = [
    sys.executable,
    "-m",
    "pip_audit",
    "--skip-editable",  # this project itself, which is not on PyPI
    "--progress-spinner",
    "off",
    "--timeout",
    "15",
]


def vulnerability_database_problem(
    url: str = CANARY_RELEASE_URL, timeout: float = PROBE_TIMEOUT_SECONDS
) -> str | None:
    """Why the vulnerability database cannot be used, or None when it lists advisories."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https)
            release = json.load(response)
    except (OSError, ValueError) as exc:  # unreachable, HTTP error, timeout, not JSON
        return f"{url}: {exc}"
    if not release.get("vulnerabilities"):
        return f"{url} lists no advisory for a release known to have one"
    return None


def main() -> int:
    problem = vulnerability_database_problem()
    if problem:
        print(f"pip-audit skipped: no route to the vulnerability database ({problem})")
        return 0
    try:
        audit = subprocess.run(AUDIT_COMMAND, timeout=AUDIT_TIMEOUT_SECONDS, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        print(
            "pip-audit skipped: the vulnerability database stopped answering "
            f"(no result within {AUDIT_TIMEOUT_SECONDS} s)"
        )
        return 0
    return audit.returncode


if __name__ == "__main__":
    sys.exit(main())
