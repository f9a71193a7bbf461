"""Running in production: the health check."""

from config import TestingConfig
from quizapp import create_app


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database():
    class NoDatabase(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:////nonexistent-dir/none.sqlite"

    response = create_app(NoDatabase).test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
