"""Sums kept as exam attempts are graded equal a rebuild from the responses, after a realistic
history: several students, exam and tutor attempts, partial credit, blanks, expired attempts and
question edits that create new versions."""

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Bank, Blueprint
from quizapp.banks.services import sync_bank
from quizapp.exams import services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.extensions import db
from quizapp.history.services import blueprint_reliability, item_analysis, item_analysis_page
from quizapp.item_stats.models import VersionStats
from quizapp.item_stats.services import rebuild_item_stats, version_sums
from tests.exams.conftest import MIXED_BANK, START, correct_form, slots, wrong_form
from tests.item_stats.helpers import snapshot

pytestmark = pytest.mark.usefixtures("app_ctx", "mixed")

GRACE = timedelta(seconds=30)


def _take(user_id: int, *, mode: Mode, now, rng: random.Random, finish: bool = True) -> Attempt:
    """Start an attempt and answer each question right, wrong or not at all."""
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "mixed-test"))
    attempt = services.start_blueprint_attempt(
        db.session.get(User, user_id),
        test,
        mode=mode,
        accommodation=STANDARD,
        now=now,
        seed=rng.randrange(10**6),
    )
    db.session.commit()
    for slot in slots(attempt.id):
        choice = rng.random()
        if choice < 0.2:
            continue  # left blank
        form = correct_form(slot) if choice < 0.6 else wrong_form(slot)
        item = services.load_item(attempt, slot.position)
        services.save_answer(attempt, item, form, revision=item.slot.revision, now=now, grace=GRACE)
        db.session.commit()
    if finish:
        services.finish_attempt(attempt, now=now + timedelta(minutes=5))
        db.session.commit()
    return attempt


def _history(make_user, rounds: int = 4) -> list[int]:
    rng = random.Random(3)
    students = [make_user().id for _ in range(5)]
    now = START
    for n in range(rounds):
        for user_id in students:
            mode = Mode.TUTOR if rng.random() < 0.3 else Mode.EXAM
            _take(user_id, mode=mode, now=now, rng=rng, finish=rng.random() < 0.9)
            now += timedelta(hours=1)
        # Edits make new versions of two questions; older attempts keep theirs.
        edited = MIXED_BANK.replace("RATIONALE-SB", f"EDIT {n} SB").replace(
            "RATIONALE-MR", f"EDIT {n} MR"
        )
        sync_bank(parse_bank(edited), now=now)
        db.session.commit()
    # Abandoned attempts past their deadline are graded by `flask exams expire`.
    services.expire_overdue(now=now + timedelta(days=1), grace=GRACE)
    db.session.commit()
    return students


def test_kept_sums_equal_a_rebuild_after_a_realistic_history(make_user):
    _history(make_user)
    kept = snapshot()
    exam_answers = db.session.scalar(
        sa.select(sa.func.count(AttemptQuestion.id))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.mode == Mode.EXAM.value, Attempt.status == "finished")
    )
    assert sum(row[1] for row in kept["version_stats"]) == exam_answers > 0
    assert any(row[3] for row in kept["version_stats"])  # some blanks
    assert len(kept["version_stats"]) > 6  # edited questions were answered in two versions

    assert rebuild_item_stats() == exam_answers
    db.session.commit()
    assert snapshot() == kept


def test_a_class_adds_up_its_students(make_user):
    students = _history(make_user, rounds=2)
    bank_id = db.session.scalar(sa.select(Bank.id))
    assert version_sums(bank_id, students) == version_sums(bank_id)
    first, rest = version_sums(bank_id, students[:2]), version_sums(bank_id, students[2:])
    for version_id, sums in version_sums(bank_id).items():
        parts = [s[version_id] for s in (first, rest) if version_id in s]
        assert sum(parts[1:], parts[0]) == sums
    whole = [(r.version.id, r.stats) for r in item_analysis(bank_id=bank_id)]
    assert whole == [
        (r.version.id, r.stats) for r in item_analysis(bank_id=bank_id, user_ids=students)
    ]
    assert blueprint_reliability() == blueprint_reliability(students)
    assert blueprint_reliability()[0].attempts == db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(
            Attempt.mode == Mode.EXAM.value, Attempt.status == "finished"
        )
    )


def test_tutor_attempts_are_not_counted(make_user):
    student = make_user()
    _take(student.id, mode=Mode.TUTOR, now=START, rng=random.Random(1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VersionStats)) == 0
    _take(student.id, mode=Mode.EXAM, now=START, rng=random.Random(1))
    assert db.session.scalar(sa.select(sa.func.sum(VersionStats.responses))) == 6


def test_stats_rebuild_command(app, make_user):
    student = make_user()
    _take(student.id, mode=Mode.EXAM, now=START, rng=random.Random(2))
    kept = snapshot()
    db.session.execute(sa.delete(VersionStats))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt item analysis" in result.output
    db.session.expire_all()
    assert snapshot() == kept


def test_item_analysis_pages_keep_the_order_and_load_only_their_rows(make_user):
    _history(make_user)
    bank_id = db.session.scalar(sa.select(Bank.id))
    whole = [(r.version.id, r.stats) for r in item_analysis(bank_id=bank_id)]
    pages = [item_analysis_page(bank_id=bank_id, page=n, per_page=3) for n in (1, 2, 3, 4)]
    assert pages[0].total == len(whole) > 6 and pages[0].pages == -(-len(whole) // 3)
    assert all(len(p.items) <= 3 for p in pages)
    paged = [(r.version.id, r.stats) for p in pages for r in p.items]
    assert paged == whole[: len(paged)]  # flagged first, then by question, page after page
    assert item_analysis_page(bank_id=bank_id, page=99, per_page=3).items == []
