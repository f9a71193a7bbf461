"""MA Exam Prep: practice exams for medical assistants."""

import logging

import sqlalchemy.orm as so
from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from quizapp import cli, errors, layout, models
from quizapp.admin.views import bp as admin_bp
from quizapp.api.views import bp as api_bp
from quizapp.assignments.views import bp as assignments_bp
from quizapp.auth.views import bp as auth_bp
from quizapp.banks.views import bp as banks_bp
from quizapp.classes.views import bp as classes_bp
from quizapp.exams.views import bp as exams_bp
from quizapp.extensions import bootstrap, csrf, db, login_manager, mail, migrate, talisman
from quizapp.history.views import bp as history_bp
from quizapp.instructor.views import bp as instructor_bp
from quizapp.lti import framing as lti_framing
from quizapp.lti.cli import lti_cli
from quizapp.lti.views import bp as lti_bp
from quizapp.main.views import bp as main_bp
from quizapp.readiness.views import bp as readiness_bp
from quizapp.review.commands import review_cli
from quizapp.review.views import bp as review_bp
from quizapp.sqlite_writers import TurnTakingConnection
from quizapp.tokens.views import bp as tokens_bp
from quizapp.utils import DatabaseIntegerConverter, refuse_nul_characters

# Scripts only from our own origin: no inline script anywhere (SECURITY.md).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config_class: type[Config] = Config) -> Flask:
    """Build an application; nothing here touches the database or the network."""
    config_class.validate()
    app = Flask(__name__)
    # Every template, unbounded: Jinja's bounded cache moves a template to the back of a list
    # on each use (O(templates), and warm_up loads them all), four times a question page.
    app.jinja_options = {**app.jinja_options, "cache_size": -1}
    app.config.from_object(config_class)
    register_extensions(app)
    register_url_converters(app)
    register_request_guards(app)
    register_blueprints(app)
    errors.register_errorhandlers(app)
    register_commands(app)
    register_shellcontext(app)
    register_proxy_fix(app)
    register_cache_policy(app)
    register_logging(app)
    lti_framing.init_app(app)  # after Talisman: it rewrites frame-ancestors for LMS frames
    return app


def warm_up(app: Flask) -> None:
    """Do once, in a server's master process before it forks its workers, what every worker
    would otherwise repeat on its first requests and after each restart: compile the templates
    and configure the ORM mappers."""
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)
    so.configure_mappers()


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Writers to a SQLite file wait for their turn instead of polling (sqlite_writers).
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        connect_args = {**options.get("connect_args", {}), "factory": TurnTakingConnection}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}
    db.init_app(app)
    layout.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite, which cannot ALTER most things in place.
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    # "basic", not "strong": students' networks change mid-exam.
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )


def register_url_converters(app: Flask) -> None:
    # Before the blueprints, whose rules are compiled with the converters known when they are added.
    app.url_map.converters["int"] = DatabaseIntegerConverter


def register_request_guards(app: Flask) -> None:
    app.before_request(refuse_nul_characters)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(banks_bp)
    app.register_blueprint(exams_bp)
    app.register_blueprint(history_bp)
    app.register_blueprint(readiness_bp)
    app.register_blueprint(classes_bp)
    app.register_blueprint(instructor_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(lti_bp)
    app.register_blueprint(assignments_bp)


def register_commands(app: Flask) -> None:
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.banks_cli)
    app.cli.add_command(cli.exams_cli)
    app.cli.add_command(cli.stats_cli)
    app.cli.add_command(cli.optimize_db_command)
    app.cli.add_command(review_cli)
    app.cli.add_command(lti_cli)


def register_shellcontext(app: Flask) -> None:
    app.shell_context_processor(
        lambda: {"db": db, "User": models.User, "Bank": models.Bank, "Question": models.Question}
    )


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from the configured number of proxies, so throttling sees real IPs."""
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_cache_policy(app: Flask) -> None:
    """No browser or proxy keeps a page: any of them may show answers, scores, a class roster or
    just a flash naming the user. Static files (ours and Bootstrap's) stay cacheable."""

    @app.after_request
    def never_store_pages(response: Response) -> Response:
        endpoint = request.endpoint or ""
        if endpoint in ("banks.image", "api.image") and response.status_code in (200, 304):
            return response  # immutable pictures, served to allowed viewers only
        if endpoint != "static" and not endpoint.endswith(".static"):
            response.headers["Cache-Control"] = "no-store"
        return response


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("quizapp").setLevel(logging.INFO)
