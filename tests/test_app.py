"""Configuration, security headers, CSRF and error pages."""

import re
from zoneinfo import ZoneInfoNotFoundError

import pytest
from flask import abort

import config
from config import ConfigError, DevelopmentConfig, ProductionConfig, TestingConfig, config_from_env
from quizapp import create_app, warm_up
from quizapp.auth.models import User
from quizapp.extensions import db
from quizapp.utils import external_url


class ProductionWithoutSecret(ProductionConfig):
    SECRET_KEY = ""


class ProductionWithPlaceholderSecret(ProductionConfig):
    SECRET_KEY = "change-me"


class ProductionWithSecret(ProductionConfig):
    SECRET_KEY = "9f1c2b7e4d5a6c3b8e0f1a2d3c4b5a6e7f8091a2b3c4d5e6"
    SQLALCHEMY_DATABASE_URI = "sqlite://"


@pytest.mark.parametrize("config_class", [ProductionWithoutSecret, ProductionWithPlaceholderSecret])
def test_production_refuses_to_start_without_a_real_secret(config_class):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(config_class)


def test_development_needs_a_secret_too():
    class NoSecret(DevelopmentConfig):
        SECRET_KEY = ""

    with pytest.raises(ConfigError):
        create_app(NoSecret)


def test_production_cookies_are_secure():
    app = create_app(ProductionWithSecret)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_config_is_chosen_by_environment(monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "Testing")
    assert config_from_env() is TestingConfig
    monkeypatch.delenv("QUIZAPP_ENV")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("QUIZAPP_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        config_from_env()


class ProductionWithMail(ProductionWithSecret):
    MAIL_SERVER = "smtp.school.example"
    PUBLIC_BASE_URL = ""
    TRUSTED_HOSTS = None


def test_production_with_mail_refuses_to_start_without_a_public_base_url():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app(ProductionWithMail)


@pytest.mark.parametrize(
    "settings",
    [
        {"PUBLIC_BASE_URL": "https://exam.school.example"},
        {"TRUSTED_HOSTS": ["exam.school.example"]},
    ],
)
def test_production_with_mail_starts_with_a_base_url_or_trusted_hosts(settings):
    app = create_app(type("Configured", (ProductionWithMail,), settings))
    assert settings.items() <= app.config.items()


@pytest.mark.parametrize("url", ["exam.school.example", "ftp://exam.school.example", "https://"])
def test_a_public_base_url_must_be_a_web_address(url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app(type("BadBaseUrl", (TestingConfig,), {"PUBLIC_BASE_URL": url}))


@pytest.mark.parametrize(
    ("machine", "expected"),
    [("America/Chicago", "America/Chicago"), (None, "UTC"), ("Not/AZone", "UTC"), ("", "UTC")],
)
def test_without_timezone_the_site_uses_the_machines_zone_or_utc(monkeypatch, machine, expected):
    monkeypatch.setattr(config.tzlocal, "get_localzone_name", lambda: machine)
    assert config._machine_timezone() == expected


def test_an_unreadable_machine_zone_is_utc(monkeypatch):
    def conflicting():
        raise ZoneInfoNotFoundError("Multiple conflicting time zone configurations found")

    monkeypatch.setattr(config.tzlocal, "get_localzone_name", conflicting)
    assert config._machine_timezone() == "UTC"


def test_development_links_point_at_the_local_server():
    class Development(DevelopmentConfig):
        SECRET_KEY = "development-secret"

    assert create_app(Development).config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def test_external_links_start_with_the_public_base_url_and_its_path():
    app = create_app(
        type("Mounted", (TestingConfig,), {"PUBLIC_BASE_URL": "https://school.example/exams"})
    )
    with app.test_request_context(base_url="http://evil.example"):
        url = external_url("auth.reset_password", token="abc")
    assert url == "https://school.example/exams/reset-password/abc"


def test_unknown_host_is_refused_when_trusted_hosts_are_set():
    app = create_app(type("Trusting", (TestingConfig,), {"TRUSTED_HOSTS": ["exam.school.example"]}))
    client = app.test_client()
    assert client.get("/login", base_url="http://exam.school.example:8000").status_code == 200
    response = client.get("/login", base_url="http://evil.example")
    assert response.status_code == 400
    assert "evil.example" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_and_assets_are_local(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page
    assert " on" + "click=" not in page
    assets = re.findall(r'(?:href|src)="([^"#]+\.(?:css|js))"', page)
    assert len(assets) >= 3  # Bootstrap's CSS and JS bundle, and our own CSS
    for url in assets:
        assert url.startswith("/"), f"{url} is not served by this site"
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_base_layout_has_landmarks_and_skip_link(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main"' in page
    assert '<main id="main"' in page
    assert '<nav class="navbar' in page and 'aria-label="Main"' in page


def test_404_page_html_and_json(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    response = client.get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json["status"] == 404


@pytest.mark.parametrize("attempt_id", [str(2**31), str(2**63), str(2**64), "٣", "²"])
def test_an_id_the_database_cannot_hold_is_404(client, make_user, auth, attempt_id):
    auth.login(make_user())
    assert client.get(f"/attempts/{attempt_id}").status_code == 404


@pytest.mark.parametrize("page", [str(2**63), "-1", "0", "²", "٣", "x" * 10_000])
def test_a_page_number_out_of_range_shows_the_first_page(client, make_user, auth, page):
    auth.login(make_user("admin"))
    response = client.get("/admin/users", query_string={"page": page})
    assert response.status_code == 200 and "Admin 1" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("GET", "/banks/demo%00", None),
        ("GET", "/admin/users?q=a%00b", None),
        ("GET", "/?%00=1", None),
        ("POST", "/login", {"email": "a\x00@example.org", "password": "x"}),
    ],
)
def test_a_nul_character_anywhere_is_a_400(client, method, url, data):
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "Text cannot contain NUL characters." in response.get_data(as_text=True)


def test_413_page_for_oversized_upload(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "a@b.org", "password": "x" * 4096})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "That file is too large" in text
    assert "Traceback" not in text


class CsrfConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.mark.parametrize("config_class", [CsrfConfig])
def test_post_without_csrf_token_is_rejected(client, make_user, app):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302


@pytest.mark.parametrize("config_class", [CsrfConfig])
def test_post_with_csrf_token_from_the_form_is_accepted(client, make_user):
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": user.email, "password": user.password, "csrf_token": token}
    )
    assert response.status_code == 302


def test_csrf_tokens_do_not_expire_during_a_long_exam():
    assert TestingConfig.WTF_CSRF_TIME_LIMIT is None


class NoPropagationConfig(TestingConfig):
    PROPAGATE_EXCEPTIONS = False


@pytest.mark.parametrize("config_class", [NoPropagationConfig])
def test_500_rolls_back_and_shows_a_friendly_page(app, client, make_user):
    user = make_user()

    @app.get("/boom")
    def boom():
        db.session.get(User, user.id).display_name = "half-written"
        raise RuntimeError("kaboom")

    @app.get("/api/boom")
    def api_boom():
        abort(500)

    response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong on our side" in text
    assert "kaboom" not in text and "Traceback" not in text
    assert client.get("/api/boom").json["status"] == 500
    with app.app_context():
        assert db.session.get(User, user.id).display_name == user.display_name


def test_warm_up_compiles_every_template_before_the_first_request():
    app = create_app(ProductionWithSecret)
    ours = app.jinja_env.list_templates(extensions=("html", "txt"))
    assert "exams/question.html" in ours and "email/reset_password.txt" in ours
    warm_up(app)
    compiled = {name for _, name in app.jinja_env.cache}
    assert set(ours) <= compiled
