"""The parts of the page layout that depend only on the page and the role (the navigation, the
stylesheet and script tags): rendered once per page and role, then reused by every request."""

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup


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


def init_app(app: Flask) -> None:
    app.extensions["layout_parts"] = {}
    app.jinja_env.globals["layout_part"] = layout_part
