"""Two tabs submit the adaptive check's current answer at the same moment, on a database the
threads share: one answer counts and one next question is added."""

import pytest
import sqlalchemy as sa

from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db
from tests.conftest import AuthActions, send_together, shared_database_config
from tests.readiness.conftest import answer_form, start_check


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def test_racing_tabs_add_one_next_question(app, make_user, adaptive_test, clock):
    user = make_user()
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        AuthActions(tab).login(user)
    attempt_id = start_check(tabs[0])
    page = tabs[0].get(f"/adaptive/{attempt_id}").get_data(as_text=True)
    form = answer_form(page, right=True)
    responses = send_together([(tab, "POST", f"/adaptive/{attempt_id}", form) for tab in tabs])
    # One answer is taken; the other tabs are told so (409) on the next question.
    assert sorted(r.status_code for r in responses) == [302, 409, 409, 409]
    with app.app_context():
        slots = db.session.execute(
            sa.select(AttemptQuestion.position, AttemptQuestion.revision)
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.position)
        ).all()
    assert [tuple(slot) for slot in slots] == [(1, 1), (2, 0)]
