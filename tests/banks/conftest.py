"""Fixtures of the bank tests."""

import pytest
import sqlalchemy as sa

from quizapp.banks.models import Bank
from quizapp.extensions import db
from tests.conftest import bank_yaml
from tests.instructor.test_views import _upload


@pytest.fixture
def owned_bank(app, make_user, auth, client):
    teacher = make_user("instructor")
    auth.login(teacher)
    client.post(
        _upload(client, bank_yaml("mine", 2).encode(), "mine.yaml").headers["Location"] + "/confirm"
    )
    with app.app_context():
        return db.session.scalar(sa.select(Bank.slug))
