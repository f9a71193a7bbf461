"""A signed-in student with a bank to practise, and seeded history."""

import pytest

from quizapp.history.demo import seed_attempts


@pytest.fixture
def student(make_user, auth, make_bank):
    make_bank("demo", n_questions=12, topic_split=6)
    user = make_user(display_name="Stu Dent")
    auth.login(user)
    return user


def seed(app, user_ids, **kwargs):
    """Finished attempts for these users, inserted directly (quizapp.history.demo)."""
    with app.app_context():
        seed_attempts(user_ids, **kwargs)
