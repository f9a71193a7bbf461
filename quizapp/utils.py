"""Small helpers with no better home."""

from urllib.parse import urlsplit


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
