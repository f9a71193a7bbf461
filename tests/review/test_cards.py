"""Every graded answer moves its question's FSRS card, in the answer's transaction."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from quizapp.accommodations import STANDARD
from quizapp.auth.models import User
from quizapp.banks.loader import parse_bank
from quizapp.banks.models import Blueprint
from quizapp.banks.services import sync_bank
from quizapp.exams import services
from quizapp.exams.models import Mode
from quizapp.extensions import db
from quizapp.review.models import ReviewCard
from quizapp.review.services import due_counts, end_of_day
from tests.conftest import bank_yaml
from tests.exams.conftest import correct_form
from tests.review.conftest import DAY1, GRACE, answer, card, question_id

pytestmark = pytest.mark.usefixtures("app_ctx", "bank")


def test_intervals_grow_with_right_answers_and_shrink_after_a_miss(student):
    qid = question_id("q1")
    now, intervals = DAY1, []
    for _ in range(4):
        answer(student.id, [qid], right=True, now=now)
        due = card(student.id, qid).due
        intervals.append(due - now)
        now = due
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]
    assert intervals[0] >= timedelta(days=1)
    answer(student.id, [qid], right=False, now=now)
    missed = card(student.id, qid)
    assert missed.due - now <= timedelta(days=1)  # a card missed today is due within a day
    assert missed.misses == 1 and missed.reviews == 5
    answer(student.id, [qid], right=True, now=missed.due)
    assert card(student.id, qid).due - missed.due < intervals[-1]


def test_a_first_miss_is_due_again_within_a_day(student):
    qid = question_id("q2")
    answer(student.id, [qid], right=False, now=DAY1)
    assert card(student.id, qid).due - DAY1 <= timedelta(days=1)


def test_a_quick_right_answer_rates_easy_once_the_student_has_enough_times(student):
    slow, quick = question_id("q1"), question_id("q2")
    others = [question_id(f"q{n}") for n in range(3, 13)]
    answer(student.id, others, right=True, now=DAY1, seconds=40)  # ten answers of 40 s
    answer(student.id, [slow], right=True, now=DAY1, seconds=40)
    answer(student.id, [quick], right=True, now=DAY1, seconds=5)
    assert card(student.id, quick).due > card(student.id, slow).due


def test_exam_mode_answers_update_cards_at_submission(student, make_blueprint):
    make_blueprint("demo-test", "demo", 3)
    user = db.session.get(User, student.id)
    test = db.session.scalar(sa.select(Blueprint).where(Blueprint.slug == "demo-test"))
    attempt = services.start_blueprint_attempt(
        user, test, mode=Mode.EXAM, accommodation=STANDARD, now=DAY1, seed=3
    )
    item = services.load_item(attempt, 1)
    services.save_answer(attempt, item, correct_form(item.slot), revision=0, now=DAY1, grace=GRACE)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard)) == 0
    services.finish_attempt(attempt, now=DAY1 + timedelta(minutes=1))
    db.session.commit()
    # Only the answered question is reviewed; the blank ones were never met.
    assert db.session.scalars(sa.select(ReviewCard.question_id)).all() == [item.slot.question_id]


def test_one_upsert_writes_the_card(student, count_queries):
    qid = question_id("q1")
    answer(student.id, [qid], right=False, now=DAY1)
    with count_queries() as statements:
        answer(student.id, [qid], right=False, now=DAY1 + timedelta(days=1))
    touching = [s for s in statements if "review_cards" in s]
    writes = [s for s in touching if s.lstrip().startswith(("INSERT", "UPDATE", "DELETE"))]
    # One read (the answer with its card and how quick it was) and one upsert.
    assert len(touching) == 2 and len(writes) == 1 and "ON CONFLICT" in writes[0]


def _edit(q1_key: str):
    text = bank_yaml("demo", 12).replace("key: right 1\n", f"key: {q1_key}\n")
    text = text.replace("Right 1 is right", "Right 1 is right (edited)")
    sync_bank(parse_bank(text), now=DAY1)
    db.session.commit()


def test_a_new_version_keeps_the_card_unless_its_key_changed(student):
    qid = question_id("q1")
    answer(student.id, [qid], right=True, now=DAY1)
    _edit("right 1")  # a new version, same key
    assert card(student.id, qid) is not None
    _edit("wrong 1")  # the key changed: the card is dropped
    assert card(student.id, qid) is None


def test_rebuild_replays_the_answers_into_the_same_cards(student, runner):
    first, second = question_id("q1"), question_id("q2")
    answer(student.id, [first, second], right=True, now=DAY1)
    answer(student.id, [first], right=False, now=DAY1 + timedelta(days=2))
    answer(student.id, [second], right=True, now=DAY1 + timedelta(days=3))
    columns = ("key_digest", "state", "stability", "difficulty", "due", "reviews", "misses")

    def snapshot():
        db.session.expire_all()
        return {
            (row.question_id, *(getattr(row, name) for name in columns))
            for row in db.session.scalars(sa.select(ReviewCard))
        }

    before = snapshot()
    db.session.execute(sa.delete(ReviewCard))
    db.session.commit()
    result = runner.invoke(args=["review", "rebuild"])
    assert "review cards: 2 written" in result.output
    assert snapshot() == before


def test_the_day_ends_at_the_sites_midnight_not_utcs(student):
    chicago = ZoneInfo("America/Chicago")
    evening = datetime(2026, 3, 2, 20, 0, tzinfo=chicago)  # 02:00 UTC on March 3
    assert end_of_day(evening, chicago) == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    assert end_of_day(evening.astimezone(UTC), UTC) == datetime(2026, 3, 4, tzinfo=UTC)
    qid = question_id("q1")
    answer(student.id, [qid], right=False, now=DAY1)
    # Due at 4 a.m. tomorrow in Chicago: not today's review there, though it is March 3 in UTC.
    card(student.id, qid).due = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    db.session.commit()
    now = evening.astimezone(UTC)
    assert due_counts(student.id, now=now, zone=chicago) == (0, 1)
    assert due_counts(student.id, now=now, zone=UTC) == (1, 1)
