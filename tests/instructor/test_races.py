"""Instructor actions racing students and each other, on a database threads share (a SQLite
file, or PostgreSQL under `make test-pg`): no error page, no lost work."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quizapp.banks import manage
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Bank, Question
from quizapp.banks.services import sync_bank
from quizapp.exams.models import AttemptQuestion
from quizapp.extensions import db
from tests.conftest import bank_yaml, send_together, shared_database_config

TRIALS = 8


@pytest.fixture
def config_class(tmp_path):
    return shared_database_config(tmp_path)


def _signed_in(app, user, count: int = 1) -> list:
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        client.post("/login", data={"email": user.email, "password": user.password})
    return clients


def _own_bank(app, owner, slug: str) -> None:
    with app.app_context():
        sync_bank(parse_bank(bank_yaml(slug, 6)), now=datetime.now(UTC), owner_id=owner.id)
        db.session.execute(sa.update(Bank).where(Bank.slug == slug).values(visibility="public"))
        db.session.commit()


def test_deleting_a_bank_while_students_start_tests_on_it(app, make_user):
    teacher = make_user("instructor")
    (owner_client,) = _signed_in(app, teacher)
    students = [_signed_in(app, make_user())[0] for _ in range(4)]
    for trial in range(TRIALS):
        slug = f"bank{trial}"
        _own_bank(app, teacher, slug)
        start = {"topics": slug, "count": "5", "mode": "exam", "pool": "all"}
        responses = send_together(
            [(owner_client, "POST", f"/banks/{slug}/delete", {})]
            + [(client, "POST", "/practice/custom", start) for client in students]
        )
        assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
        with app.app_context():
            bank = db.session.scalar(sa.select(Bank).where(Bank.slug == slug))
            used = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AttemptQuestion)
                .join(Question, Question.id == AttemptQuestion.question_id)
                .join(Bank, Bank.id == Question.bank_id)
                .where(Bank.slug == slug)
            )
            # Deleted only if no test drew from it; otherwise archived with its questions.
            assert (bank is None) == (used == 0), f"trial {trial}: {bank}, {used} drawn"
            assert bank is None or bank.archived_at is not None


def test_two_editors_saving_the_same_question_at_once(app, make_user):
    teacher = make_user("instructor")
    clients = _signed_in(app, teacher, 2)
    _own_bank(app, teacher, "edited")
    for trial in range(TRIALS):
        with app.app_context():
            question = db.session.scalar(sa.select(Question).where(Question.external_id == "q1"))
            source = manage.editable_source(question)
            stem, base = question.current_version.stem, question.current_version_id
        edits = [source.replace(stem, f"Edit {trial} by editor {n}?") for n in range(len(clients))]
        assert source not in edits
        responses = send_together(
            [
                (
                    client,
                    "POST",
                    "/banks/edited/questions/q1/yaml",
                    {"source": edit, "base_version": str(base)},
                )
                for client, edit in zip(clients, edits, strict=True)
            ]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [302, 400], f"trial {trial}: {statuses}"
        refused = next(r for r in responses if r.status_code == 400).get_data(as_text=True)
        assert "saved a newer version" in refused
        with app.app_context():
            question = db.session.scalar(sa.select(Question).where(Question.external_id == "q1"))
            saved = next(r for r in responses if r.status_code == 302)
            winner = edits[responses.index(saved)]
            assert question.current_version.number == trial + 2
            assert question.current_version.stem in winner
