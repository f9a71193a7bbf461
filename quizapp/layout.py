"""The parts of the page layout that depend only on the page and the role (the navigation, the
stylesheet and script tags): rendered once per page and role, then reused by every request.
Likewise the fixed URLs pages link to (static files, pages without parameters)."""

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from quizapp.utils import local


def layout_part(name: str) -> Markup:
    """`templates/_layout/<name>.html` for this page and role, from the app's cache.

    The parts see only the page's endpoint and the role, never the user's own data, so any
    user of that role may be shown them. Debug mode renders them afresh (templates change).
    """
    signed_in = current_user.is_authenticated
    is_admin = signed_in and current_user.is_admin
    key = (name, request.endpoint, request.script_root, signed_in, is_admin)
    cache = current_app.extensions["layout_parts"]
    html = cache.get(key)
    if html is None:
        template = current_app.jinja_env.get_template(f"_layout/{name}.html")
        rendered = template.render(
            endpoint=request.endpoint, signed_in=signed_in, is_admin=is_admin
        )
        # An .html template's output, escaped by Jinja's autoescape: safe as it is.
        html = Markup(rendered)  # noqa: S704  # nosec B704
        if not current_app.debug:
            cache[key] = html
    return html


def fixed_url(endpoint: str, **values) -> str:
    """`url_for` for arguments written in a template or in code (a static file, a page without
    parameters), never for a request's own values: built once per mount point, then read from
    the app's cache (url_for costs about 10 µs a call; a question page had seven)."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    cache = current_app.extensions["fixed_urls"]
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for(endpoint, **values)
    return url


def init_app(app: Flask) -> None:
    app.extensions["layout_parts"] = {}
    app.extensions["fixed_urls"] = {}
    app.jinja_env.globals["layout_part"] = layout_part
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.filters["local"] = local
