"""A bank of 60 questions, a 20-question blueprint at 70 %, and a signed-in student."""

import pytest
import sqlalchemy as sa

from quizapp.banks.models import Blueprint
from quizapp.extensions import db
from quizapp.history.demo import seed_attempts


@pytest.fixture
def blueprint_id(app, make_bank, make_blueprint):
    make_bank("demo", 60)
    make_blueprint("demo-test", "demo", 20)
    with app.app_context():
        return db.session.scalar(sa.select(Blueprint.id).where(Blueprint.slug == "demo-test"))


@pytest.fixture
def student(make_user, auth, blueprint_id):
    user = make_user(display_name="Stu Dent")
    auth.login(user)
    return user


def seed(app, user_ids, blueprint_id, **kwargs):
    with app.app_context():
        seed_attempts(user_ids, blueprint_id=blueprint_id, **kwargs)
