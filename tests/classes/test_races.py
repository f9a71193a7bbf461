"""Joining a class when requests race (a SQLite file, or PostgreSQL under `make test-pg`)."""

import pytest
import sqlalchemy as sa

from quizapp.classes.models import Classroom, Enrollment
from quizapp.extensions import db
from tests.conftest import send_together, shared_database_config


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def test_a_double_click_on_join_enrols_once_without_an_error_page(app, make_user, make_class):
    student = make_user()
    class_id = make_class(make_user("instructor"))
    with app.app_context():
        code = db.session.get(Classroom, class_id).join_code
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        client.post("/login", data={"email": student.email, "password": student.password})
    responses = send_together(
        [(client, "POST", "/classes/join", {"code": code}) for client in clients]
    )
    assert [r.status_code for r in responses] == [302] * len(clients)
    with app.app_context():
        enrolled = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrollment)
            .where(Enrollment.class_id == class_id)
        )
    assert enrolled == 1
