"""Many students submitting at the same moment, through the real views, on a database that
threads share (a SQLite file, or PostgreSQL under `make test-pg`): no count is lost, the kept
sums equal a rebuild from the responses."""

import random

import pytest
import sqlalchemy as sa

from quizapp.exams.models import Attempt, Status
from quizapp.extensions import db
from quizapp.item_stats.services import rebuild_item_stats
from tests.conftest import send_together, shared_database_config
from tests.exams.conftest import correct_form, slots, wrong_form
from tests.item_stats.helpers import snapshot

STUDENTS = 16


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def test_students_finishing_at_once_lose_no_counts(app, make_user, start_attempt, mixed):
    rng = random.Random(5)
    students = [make_user() for _ in range(STUDENTS)]
    clients, attempt_ids = [], []
    for n, student in enumerate(students):
        client = app.test_client()
        client.post("/login", data={"email": student.email, "password": student.password})
        attempt_id = start_attempt(student, mixed, seed=n)
        with app.app_context():
            for slot in slots(attempt_id):
                if rng.random() < 0.2:
                    continue  # left blank
                form = correct_form(slot) if rng.random() < 0.6 else wrong_form(slot)
                form["revision"] = "0"
                form["action"] = "save"
                response = client.post(f"/attempts/{attempt_id}/{slot.position}", data=form)
                assert response.status_code == 302
        clients.append(client)
        attempt_ids.append(attempt_id)

    responses = send_together(
        [
            (client, "POST", f"/attempts/{attempt_id}/submit", {})
            for client, attempt_id in zip(clients, attempt_ids, strict=True)
        ]
    )

    assert [r.status_code for r in responses] == [302] * STUDENTS
    with app.app_context():
        finished = db.session.scalar(
            sa.select(sa.func.count(Attempt.id)).where(Attempt.status == Status.FINISHED.value)
        )
        assert finished == STUDENTS
        kept = snapshot()
        assert sum(row[1] for row in kept["version_stats"]) == STUDENTS * 6
        rebuild_item_stats()
        db.session.commit()
        assert snapshot() == kept
