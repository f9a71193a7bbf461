"""Small helpers with no better home."""

import csv
import io
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_safe_redirect(target: str | None) -> bool:
    """True for a path on this site; false for anything that could leave it.

    Browsers treat `//host`, `/\\host` and `\\\\host` as other sites, and some strip tabs
    and newlines, so only a plain absolute path passes.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\t\r\n"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def csv_safe(value):
    """Neutralise text a spreadsheet would run as a formula; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Headers hold user text too (blueprint and bank titles in class reports).
    writer.writerow([csv_safe(name) for name in header])
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
