"""Start, answer, expire, submit and grade attempts.

Services take the user and the time explicitly, flush but never commit (the view or command
commits), and raise ExamError subclasses that views turn into messages.
"""

import logging
import secrets
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.accommodations import STANDARD, Accommodation
from quizapp.auth.models import User
from quizapp.banks import services as bank_services
from quizapp.banks.drawing import NotEnoughQuestionsError, compatible, draw_questions
from quizapp.banks.loader import BlueprintSection
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion, Topic
from quizapp.classes import services as class_services
from quizapp.classes.models import Enrollment
from quizapp.exams import rows
from quizapp.exams.models import (
    Attempt,
    AttemptQuestion,
    Mode,
    QuestionReport,
    Status,
)
from quizapp.exams.rows import AttemptRow, SlotRow, loaded
from quizapp.extensions import db
from quizapp.history import aggregates
from quizapp.item_stats import services as item_stats
from quizapp.review import cards as review_cards
from quizapp.scoring.question_types import (
    QUESTION_TYPES,
    InvalidResponseError,
    QuestionType,
    get_question_type,
)

logger = logging.getLogger(__name__)

MIN_CUSTOM_QUESTIONS = 5
MAX_CUSTOM_QUESTIONS = 265
CUSTOM_PASSING_PERCENT = 70.0
POOLS = ("all", "unseen", "missed", "flagged")
#: A peer median time is shown once this many other students answered the question.
MIN_PEER_TIMES = 5
#: The peer median uses each question's latest answers only (per group: class, everyone).
RECENT_PEER_TIMES = 50
#: How early the browser's countdown may reach zero: it counts from the whole seconds its page
#: was given and rounds, so its zero comes up to about 1.5 s before the server's deadline. What
#: it sends at zero, and the review asked for then, take the time as up this much early.
COUNTDOWN_LEAD = timedelta(seconds=3)


class ExamError(Exception):
    """Base of the errors a student sees as a message."""


class CannotStartError(ExamError):
    pass


class AttemptClosedError(ExamError):
    def __init__(self):
        super().__init__("This test is finished; its answers can no longer change.")


class AttemptExpiredError(ExamError):
    def __init__(self):
        super().__init__(
            "Time is up: this answer arrived after the deadline and was not saved. Your test "
            "was graded with the answers saved before the deadline."
        )


class StaleAnswerError(ExamError):
    def __init__(self):
        super().__init__(
            "This answer was changed in another tab or window. The page now shows the saved "
            "answer; change it again if you need to."
        )


class AnswerLockedError(ExamError):
    def __init__(self):
        super().__init__("You already answered this question in tutor mode; it is locked.")


class InvalidAnswerError(ExamError):
    pass


class SectionLockedError(ExamError):
    def __init__(self):
        super().__init__(
            "This question's section is closed: a finished section is locked, and the next "
            "one opens after the break. The answer was not saved."
        )


class SectionExpiredError(ExamError):
    def __init__(self):
        super().__init__(
            "Time is up for this section: this answer arrived after its deadline and was not "
            "saved. The section was closed with the answers saved before the deadline."
        )


@dataclass(frozen=True)
class PeerTime:
    """The median time other students took on a question, and whom it counts."""

    seconds: float
    group: str  # "class" (the student's classmates) or "all" (every other student)
    count: int


@dataclass(frozen=True)
class CustomTest:
    """What a student chose in the custom-test builder.

    `selections` pairs a bank id with one of its topic slugs, or with None for the whole bank.
    """

    selections: tuple[tuple[int, str | None], ...]
    count: int
    mode: Mode
    pool: str = "all"
    time_limit_minutes: int | None = None


@dataclass
class ItemView:
    """What one question of an attempt needs to be shown or reviewed."""

    slot: AttemptQuestion
    version: QuestionVersion
    topic: Topic | None = None

    @property
    def qtype(self):
        return get_question_type(self.version.type)


@dataclass
class TopicScore:
    title: str
    questions: int = 0
    points: float = 0.0
    correct: int = 0

    @property
    def percent(self) -> float:
        return 100 * self.points / self.questions if self.questions else 0.0


@dataclass
class Navigator:
    """The state of every position the student may visit (the current section's, or all),
    for the navigator and the review screen (one query)."""

    answered: Sequence[bool] = ()
    flagged: Sequence[bool] = ()
    scores: Sequence[float | None] = ()
    #: The position of the first entry.
    first: int = 1

    @property
    def unanswered_positions(self) -> list[int]:
        return [n for n, done in enumerate(self.answered, start=self.first) if not done]

    @property
    def flagged_positions(self) -> list[int]:
        return [n for n, flag in enumerate(self.flagged, start=self.first) if flag]

    @property
    def graded_count(self) -> int:
        return sum(score is not None for score in self.scores)

    @property
    def running_points(self) -> float:
        return sum(score or 0 for score in self.scores)


# --- starting ---------------------------------------------------------------------------


def time_limit_seconds(accommodation: Accommodation, mode: Mode, minutes: int | None) -> int | None:
    """The time limit of a test (or section) of `minutes` in this mode; None for no limit."""
    if mode == Mode.TUTOR:
        return None
    return accommodation.seconds(minutes)


def _create_attempt(
    user: User,
    *,
    accommodation: Accommodation,
    title: str,
    question_ids: list[int],
    mode: Mode,
    minutes: int | None,
    passing_percent: float,
    settings: dict,
    now: datetime,
    rng: Random,
    blueprint_id: int | None = None,
    segments: list[dict] | None = None,
    assignment: tuple[int, int] | None = None,
) -> Attempt:
    # Share-locks the questions' banks (PostgreSQL), so a bank cannot be deleted or archived
    # between here and the commit: a deletion waits for this attempt and then keeps the bank.
    versions = {
        version.question_id: version
        for version in db.session.scalars(
            sa.select(QuestionVersion)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .join(Bank, Bank.id == Question.bank_id)
            .where(Question.id.in_(question_ids), Bank.archived_at.is_(None))
            .with_for_update(read=True, of=Bank)
        )
    }
    if len(versions) != len(set(question_ids)):
        # Their bank was deleted, or the questions retired, since they were drawn.
        raise CannotStartError(
            "Some of these questions were removed while your test was being drawn. "
            "Start it again to draw from the questions there are now."
        )
    limit = time_limit_seconds(accommodation, mode, minutes)
    sections = None
    if segments and mode == Mode.EXAM:  # tutor mode is untimed: its sections would lock only
        sections = [
            {
                "title": segment["title"],
                "questions": segment["questions"],
                "seconds": time_limit_seconds(accommodation, mode, segment["minutes"]),
            }
            for segment in segments
        ]
    first_limit = sections[0]["seconds"] if sections else limit
    attempt = Attempt(
        user_id=user.id,
        blueprint_id=blueprint_id,
        assignment_id=assignment[0] if assignment else None,
        assignment_try=assignment[1] if assignment else None,
        title=title,
        mode=mode.value,
        status=Status.IN_PROGRESS.value,
        settings=settings,
        question_count=len(question_ids),
        passing_percent=passing_percent,
        started_at=now,
        time_limit_seconds=limit,
        deadline=now + timedelta(seconds=first_limit) if first_limit else None,
        sections=sections,
        section_number=1 if sections else None,
        section_started_at=now if sections else None,
    )
    db.session.add(attempt)
    db.session.flush()
    order = list(question_ids)
    rng.shuffle(order)
    rows = []
    for position, question_id in enumerate(order, start=1):
        version = versions[question_id]
        rows.append(
            {
                "attempt_id": attempt.id,
                "position": position,
                "question_id": question_id,
                "version_id": version.id,
                "layout": get_question_type(version.type).make_layout(version.content, rng),
                "revision": 0,
                "flagged": False,
            }
        )
    db.session.execute(sa.insert(AttemptQuestion), rows)
    logger.info("Attempt %s started by %s: %s", attempt.id, user.email, title)
    return attempt


def start_blueprint_attempt(
    user: User,
    blueprint: Blueprint,
    *,
    mode: Mode,
    accommodation: Accommodation,
    now: datetime,
    seed: int | None = None,
    assignment: tuple[int, int] | None = None,
) -> Attempt:
    """Draw a test from a blueprint (honouring its sections) and start it.

    :param accommodation: the student's time accommodation for this start, as the caller
        resolved it (quizapp.classes.services: practice_accommodation for free practice,
        class_test_accommodation for a class's test).
    :param assignment: (assignment id, try number) when started from a class assignment.
    :raises CannotStartError: when the test is no longer offered (also through an assignment
        or an LMS link: retiring promises that no one starts it again), or when a section has
        too few questions.
    """
    if blueprint.retired_at is not None:
        raise CannotStartError(
            f"{blueprint.title} is no longer offered: its author stopped offering it. "
            "Your earlier results stay under Progress."
        )
    seed = secrets.randbits(48) if seed is None else seed
    try:
        question_ids = bank_services.draw_blueprint(blueprint, seed=seed)
    except NotEnoughQuestionsError as exc:
        raise CannotStartError(str(exc)) from exc
    return _create_attempt(
        user,
        accommodation=accommodation,
        title=blueprint.title,
        question_ids=question_ids,
        mode=mode,
        minutes=blueprint.time_limit_minutes,
        passing_percent=blueprint.passing_percent,
        settings={"kind": "blueprint", "blueprint": blueprint.slug, "seed": seed},
        now=now,
        rng=Random(seed),  # noqa: S311 (layout shuffles; the seed is chosen server-side)
        blueprint_id=blueprint.id,
        segments=blueprint.segments,
        assignment=assignment,
    )


def _pool_filter(user: User, pool: str) -> tuple[set[int] | None, set[int]]:
    """The question ids a pool choice allows: (only these or None for any, never these)."""
    mine = (
        sa.select(AttemptQuestion.question_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.user_id == user.id)
    )
    if pool == "unseen":
        return None, set(db.session.scalars(mine))
    if pool == "flagged":
        return set(db.session.scalars(mine.where(AttemptQuestion.flagged))), set()
    if pool == "missed":
        # The latest graded answer to the question was not fully right.
        latest: dict[int, float] = {}
        for question_id, score in db.session.execute(
            mine.add_columns(AttemptQuestion.score)
            .where(AttemptQuestion.graded_at.is_not(None))
            .order_by(AttemptQuestion.graded_at, AttemptQuestion.id)
        ):
            latest[question_id] = score
        return {qid for qid, score in latest.items() if score < 1}, set()
    return None, set()


def custom_pool(
    user: User, selections: tuple[tuple[int, str | None], ...], pool_choice: str
) -> tuple[dict[int, Bank], set[int]]:
    """The banks named by a selection and the ids of the questions it allows for this user."""
    banks = {
        bank.id: bank
        for bank in db.session.scalars(
            sa.select(Bank).where(Bank.id.in_({bank_id for bank_id, _ in selections}))
        )
    }
    conditions = []
    for bank_id, topic_slug in selections:
        condition = Question.bank_id == bank_id
        topic_ids = bank_services.topic_subtree_ids(bank_id, topic_slug)
        if topic_ids is not None:
            condition = condition & QuestionVersion.topic_id.in_(topic_ids)
        conditions.append(condition)
    query = (
        sa.select(Question.id)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.retired_at.is_(None), sa.or_(*conditions))
    )
    only, exclude = _pool_filter(user, pool_choice)
    pool = set(db.session.scalars(query)) - exclude
    if only is not None:
        pool &= only
    return banks, pool


def start_custom_attempt(
    user: User, test: CustomTest, *, now: datetime, seed: int | None = None
) -> Attempt:
    """Start a test built by the student from one bank's topics and a question pool (free
    practice, so with the student's practice accommodation).

    :raises CannotStartError: when the choice leaves fewer questions than asked for.
    """
    if not MIN_CUSTOM_QUESTIONS <= test.count <= MAX_CUSTOM_QUESTIONS:
        raise CannotStartError(
            f"Choose between {MIN_CUSTOM_QUESTIONS} and {MAX_CUSTOM_QUESTIONS} questions."
        )
    if not test.selections:
        raise CannotStartError("Choose at least one bank or topic.")
    banks, pool = custom_pool(user, test.selections, test.pool)
    seed = secrets.randbits(48) if seed is None else seed
    titles = ", ".join(sorted(bank.title for bank in banks.values()))
    section = BlueprintSection(titles, None, test.count, "Your selection")
    try:
        question_ids = draw_questions(
            [section], [sorted(pool)], seed=seed, groups=bank_services.enemy_groups(pool)
        )
    except NotEnoughQuestionsError as exc:
        allowed = exc.shortfalls[0].available
        why = " that may share a test" if exc.shortfalls[0].by_groups else ""
        raise CannotStartError(
            f"Only {allowed} questions match your choices{why}; ask for {allowed} or fewer, "
            "or widen the topics or the pool."
            if pool
            else "No questions match your choices. Widen the topics or choose another pool."
        ) from exc
    minutes = test.time_limit_minutes
    return _create_attempt(
        user,
        accommodation=class_services.practice_accommodation(user),
        title=f"Custom test: {titles}",
        question_ids=question_ids,
        mode=test.mode,
        minutes=minutes,
        passing_percent=CUSTOM_PASSING_PERCENT,
        settings={
            "kind": "custom",
            "selections": [
                [banks[bank_id].slug, topic_slug] for bank_id, topic_slug in test.selections
            ],
            "pool": test.pool,
            "seed": seed,
        },
        now=now,
        rng=Random(seed),  # noqa: S311 (layout shuffles; the seed is chosen server-side)
    )


def start_missed_attempt(user: User, attempt: Attempt, *, mode: Mode, now: datetime) -> Attempt:
    """A new attempt made of the questions this (finished) attempt missed or left blank
    (free practice, so with the student's practice accommodation)."""
    missed = list(
        db.session.scalars(
            sa.select(AttemptQuestion.question_id)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .join(Bank, Bank.id == Question.bank_id)
            .where(
                AttemptQuestion.attempt_id == attempt.id,
                sa.or_(AttemptQuestion.score.is_(None), AttemptQuestion.score < 1),
                Question.retired_at.is_(None),
                Bank.archived_at.is_(None),
            )
            .order_by(AttemptQuestion.position)
        )
    )
    if not missed:
        raise CannotStartError(
            "There is nothing to practice here: you missed no question of this test that is "
            "still offered."
        )
    # The attempt may predate an enemy group; a retake holds at most one question of each.
    missed = compatible(missed, bank_services.enemy_groups(missed))
    seed = secrets.randbits(48)
    return _create_attempt(
        user,
        accommodation=class_services.practice_accommodation(user),
        title=f"Missed questions: {attempt.title}",
        question_ids=missed,
        mode=mode,
        minutes=len(missed),  # a minute a question when taken as a timed exam
        passing_percent=attempt.passing_percent,
        settings={"kind": "missed", "from_attempt": attempt.id, "seed": seed},
        now=now,
        rng=Random(seed),  # noqa: S311 (layout shuffles; the seed is chosen server-side)
    )


def start_chosen_attempt(
    user: User,
    *,
    title: str,
    question_ids: list[int],
    settings: dict,
    now: datetime,
    seed: int,
) -> Attempt:
    """A tutor-mode attempt on questions another feature chose (today's review, a drill).

    :raises CannotStartError: when a question was removed meanwhile.
    """
    return _create_attempt(
        user,
        accommodation=STANDARD,  # tutor mode: no time limit to lengthen
        title=title,
        question_ids=question_ids,
        mode=Mode.TUTOR,
        minutes=None,
        passing_percent=CUSTOM_PASSING_PERCENT,
        settings=settings,
        now=now,
        rng=Random(seed),  # noqa: S311 (layout shuffles; the seed is chosen server-side)
    )


# --- loading ----------------------------------------------------------------------------


def get_user_attempt(user: User, attempt_id: int) -> Attempt | None:
    """The attempt, only if it belongs to `user` (anyone else's is simply not found)."""
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
    )


def get_user_attempt_item(
    user: User, attempt_id: int, position: int
) -> tuple[AttemptRow | None, ItemView | None]:
    """The user's attempt and its question at `position` (None where either is not found), in
    one prebuilt statement, as plain rows (exams.rows): every question page and save needs
    both, and the ORM would cost several times the statement."""
    row = (
        db.session.connection()
        .execute(
            rows.ATTEMPT_ITEM, {"attempt_id": attempt_id, "user_id": user.id, "position": position}
        )
        .first()
    )
    if row is None:
        return None, None
    attempt, slot, version = rows.split(row)
    return attempt, ItemView(slot, version) if slot is not None else None


def load_item(attempt: Attempt, position: int) -> ItemView | None:
    row = db.session.execute(
        sa.select(AttemptQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == position)
    ).first()
    return ItemView(row[0], row[1]) if row else None


def load_navigator(attempt: Attempt) -> Navigator:
    """The navigator of the positions the student may visit now (the current section's)."""
    positions = attempt.current_positions
    # Plain rows on the session's connection: 200 positions need no ORM objects.
    states = (
        db.session.connection()
        .execute(
            rows.NAVIGATOR,
            {"attempt_id": attempt.id, "first": positions.start, "last": positions.stop - 1},
        )
        .all()
    )
    answered, flagged, scores = zip(*states, strict=True) if states else ((), (), ())
    return Navigator(answered=answered, flagged=flagged, scores=scores, first=positions.start)


#: The types whose saved answer can be unfinished (an order with gaps or ties).
_CAN_BE_UNFINISHED = [
    name
    for name, qtype in QUESTION_TYPES.items()
    if type(qtype).incomplete is not QuestionType.incomplete
]


def unfinished_positions(attempt: Attempt) -> list[int]:
    """The current section's positions whose saved answer is unfinished: saved, and graded as
    it stands, but worth finishing before submitting (one query, of those types only)."""
    positions = attempt.current_positions
    rows_ = db.session.execute(
        sa.select(AttemptQuestion.position, AttemptQuestion.response, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(
            AttemptQuestion.attempt_id == attempt.id,
            AttemptQuestion.position.between(positions.start, positions.stop - 1),
            AttemptQuestion.response.is_not(None),
            QuestionVersion.type.in_(_CAN_BE_UNFINISHED),
        )
        .order_by(AttemptQuestion.position)
    ).all()
    return [
        position
        for position, response, version in rows_
        if get_question_type(version.type).incomplete(version.content, response) is not None
    ]


def load_items(attempt: Attempt) -> list[ItemView]:
    """Every question of the attempt with its version and topic, in one query."""
    rows = db.session.execute(
        sa.select(AttemptQuestion, QuestionVersion, Topic)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ).all()
    return [ItemView(slot, version, topic) for slot, version, topic in rows]


# --- answering --------------------------------------------------------------------------


def _past_grace(attempt: Attempt, now: datetime, grace: timedelta) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + grace


def is_overdue(attempt: Attempt, *, now: datetime, grace: timedelta) -> bool:
    """True while an attempt is open past its deadline plus grace (expire_if_due grades it).
    A negative grace takes the time as up that much before the deadline."""
    return attempt.is_open and _past_grace(attempt, now, grace)


def expire_if_due(attempt: Attempt, *, now: datetime, grace: timedelta) -> bool:
    """Close what the deadline (plus grace) ended: the attempt, or only the current section
    when a later one follows (the attempt then stays open, on the break). True if it did."""
    if not is_overdue(attempt, now=now, grace=grace):
        return False
    if not isinstance(attempt, AttemptRow):
        return end_section(attempt, now=now, reason="expired")
    # Grading needs the ORM object; the row then takes the values it ended with.
    record = db.session.get(Attempt, attempt.id)
    ended = end_section(record, now=now, reason="expired")
    loaded(attempt, **{name: getattr(record, name) for name in AttemptRow.columns})
    return ended


def check_open(
    attempt: Attempt, *, now: datetime, grace: timedelta, position: int | None = None
) -> None:
    """Raise unless the attempt still takes answers (to the question at `position`, in a
    sectioned attempt), expiring the attempt or its section first if their time ran out.

    :raises AttemptExpiredError: the deadline and grace passed; the attempt is now graded.
    :raises SectionExpiredError: the section's deadline and grace passed; it is now locked.
    :raises AttemptClosedError: the attempt was already finished.
    :raises SectionLockedError: the position is not in the section being taken.
    """
    if expire_if_due(attempt, now=now, grace=grace):
        raise AttemptExpiredError() if not attempt.is_open else SectionExpiredError()
    if not attempt.is_open:
        raise AttemptClosedError()
    if position is not None and not takes_answers_at(attempt, position):
        raise SectionLockedError()


def takes_answers_at(attempt: Attempt, position: int) -> bool:
    """True if the (open) attempt's question at `position` may be shown and answered now."""
    return not attempt.on_break and position in attempt.current_positions


def mark_shown(item: ItemView, *, now: datetime) -> bool:
    """Record when a question was first shown: one UPDATE the first time, none after (the
    loaded row says whether it was shown; the condition settles two racing first views).

    :return: whether it wrote (the caller commits).
    """
    slot = item.slot
    if slot.first_shown_at is not None:
        return False
    db.session.execute(
        sa.update(AttemptQuestion)
        .where(AttemptQuestion.id == slot.id, AttemptQuestion.first_shown_at.is_(None))
        .values(first_shown_at=now)
        .execution_options(synchronize_session=False)
    )
    loaded(slot, first_shown_at=now)
    return True


def save_answer(
    attempt: Attempt,
    item: ItemView,
    form,
    *,
    revision: int,
    now: datetime,
    grace: timedelta,
    grade: bool = True,
    toggle_strike: str | None = None,
) -> None:
    """Store an answer and its struck options as given (the answer graded at once in tutor
    mode when `grade`, which locks it, unless it is incomplete: see `unchecked_reason`).

    An incomplete answer (an order with items left out or sharing a position) is saved as it
    stands, like any other: nothing a student enters is refused for being unfinished.

    The form's "struck" values are the options struck through; `toggle_strike` strikes or
    restores one more (the per-option button of the page without JavaScript).

    :raises AttemptExpiredError: after the deadline and grace; the attempt is then graded.
    :raises AttemptClosedError: the attempt is finished.
    :raises AnswerLockedError: a tutor-mode answer was already graded.
    :raises StaleAnswerError: the form came from an older revision (another tab).
    :raises InvalidAnswerError: the values do not fit the question as shown.
    """
    slot = item.slot
    check_open(attempt, now=now, grace=grace, position=slot.position)
    if slot.graded:
        raise AnswerLockedError()
    if revision != slot.revision:
        raise StaleAnswerError()
    struck_tokens = set(form.getlist("struck"))
    if toggle_strike:
        struck_tokens ^= {toggle_strike}
    try:
        response = item.qtype.parse_response(item.version.content, slot.layout, form)
        struck = item.qtype.parse_struck(slot.layout, sorted(struck_tokens))
    except InvalidResponseError as exc:
        raise InvalidAnswerError(str(exc)) from exc
    values = {
        "response": response,
        "struck": struck or None,
        "revision": slot.revision + 1,
        "answered_at": now if response is not None else None,
        "answer_seconds": (
            max(0, int((now - slot.first_shown_at).total_seconds()))
            if response is not None and slot.first_shown_at is not None
            else None
        ),
    }
    complete = response is not None and not item.qtype.incomplete(item.version.content, response)
    if grade and attempt.is_tutor and complete:
        values["score"] = item.qtype.grade(item.version.content, response).score
        values["graded_at"] = now
    # Compare-and-set on the revision (of two racing saves from one revision, one wins), and
    # only while the attempt is open (an answer racing the submit never lands after grading).
    update_open_slot(attempt, slot, values, expected_revision=revision)
    if "graded_at" in values:
        aggregates.record_graded_answer(slot.id)
        review_cards.record_reviews(AttemptQuestion.id == slot.id, user_id=attempt.user_id, now=now)
    loaded(slot, **values)


def unchecked_reason(item: ItemView) -> str | None:
    """Why the saved answer was not checked in tutor mode although given: what it lacks (an
    order with items left out or sharing a position), or None (no answer, or a complete one)."""
    if item.slot.response is None:
        return None
    return item.qtype.incomplete(item.version.content, item.slot.response)


def save_at_time_up(
    attempt: Attempt, item: ItemView, form, *, revision: int, now: datetime, grace: timedelta
) -> tuple[bool, str | None]:
    """Store the answer the countdown posted at zero if it can be, then close what its time
    ended (the attempt, graded, or the current section) as expired, counting the time as up
    COUNTDOWN_LEAD before the deadline. An answer that cannot be stored (not one the page
    could send, or saved over from another tab) is left out: the time is up all the same.

    :return: whether the time was up (False: the server's deadline is further off than the
        countdown's) and why the answer was not stored, or None.
    :raises: what check_open raises, when the attempt or the section was already closed.
    """
    problem = None
    try:  # refused before anything is written
        if not item.slot.graded:
            save_answer(attempt, item, form, revision=revision, now=now, grace=grace, grade=False)
    except InvalidAnswerError as exc:
        problem = str(exc)
    except StaleAnswerError:
        problem = "it was changed in another tab or window, whose answer was kept."
    ended = expire_if_due(attempt, now=now, grace=-COUNTDOWN_LEAD)
    return ended, problem


def set_flag(attempt: Attempt, item: ItemView, flagged: bool, *, now, grace) -> None:
    check_open(attempt, now=now, grace=grace, position=item.slot.position)
    update_open_slot(attempt, item.slot, {"flagged": flagged})
    loaded(item.slot, flagged=flagged)


def update_open_slot(
    attempt: Attempt | AttemptRow,
    slot: AttemptQuestion | SlotRow,
    values: dict,
    *,
    expected_revision: int | None = None,
) -> None:
    """Update one question of an attempt only while the attempt is open (and, given
    `expected_revision`, only at that revision), with the prebuilt `rows.open_slot_update`
    on the session's connection and transaction.

    :raises AttemptClosedError: the attempt was finished meanwhile (nothing written).
    :raises SectionLockedError: the question's section ended meanwhile (nothing written).
    :raises StaleAnswerError: the revision no longer held.
    """
    statement = rows.open_slot_update(
        sectioned=attempt.is_sectioned,
        compare_revision=expected_revision is not None,
        columns=tuple(sorted(values)),
    )
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"slot_id": slot.id, "open_attempt_id": attempt.id}
    if attempt.is_sectioned:
        params["open_section"] = attempt.section_of(slot.position)
    if expected_revision is not None:
        params["expected_revision"] = expected_revision
    result = db.session.connection().execute(statement, params)
    if result.rowcount == 1:
        return
    _read_again(attempt)
    if not attempt.is_open:
        raise AttemptClosedError()
    if not takes_answers_at(attempt, slot.position):
        raise SectionLockedError()
    raise StaleAnswerError()


def _read_again(attempt: Attempt | AttemptRow) -> None:
    """Read the attempt's columns afresh (another request changed them)."""
    if isinstance(attempt, AttemptRow):
        values = db.session.connection().execute(rows.ATTEMPT, {"attempt_id": attempt.id}).one()
        loaded(attempt, **dict(zip(AttemptRow.columns, values, strict=True)))
    else:
        db.session.expire(attempt)


def report_problem(user: User, attempt: Attempt, item: ItemView, message: str) -> QuestionReport:
    report = QuestionReport(
        user_id=user.id, version_id=item.version.id, attempt_id=attempt.id, message=message.strip()
    )
    db.session.add(report)
    db.session.flush()
    logger.info("Problem reported on question version %s by %s", item.version.id, user.email)
    return report


# --- finishing and grading --------------------------------------------------------------


def _set_loaded(attempt: Attempt, **values) -> None:
    """Give the attempt the values an UPDATE just stored, as if read back (no re-select)."""
    for key, value in values.items():
        so.attributes.set_committed_value(attempt, key, value)


def end_section(attempt: Attempt, *, now: datetime, reason: str = "submitted") -> bool:
    """End the current section (submitted, or "expired" by its deadline): it locks and the
    break before the next one begins; the final section's end (or an unsectioned attempt's)
    finishes and grades the attempt. Exactly once however many requests race to do it.

    :return: True if this call ended it.
    """
    if attempt.is_final_section:
        return finish_attempt(attempt, now=now, reason=reason)
    number = attempt.section_number
    values = {"section_number": number + 1, "section_started_at": None, "deadline": None}
    claimed = db.session.execute(
        sa.update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == Status.IN_PROGRESS.value,
            Attempt.section_number == number,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.expire(attempt)  # another request ended it: read what it stored
        return False
    _set_loaded(attempt, **values)
    logger.info("Attempt %s: section %s %s", attempt.id, number, reason)
    return True


def start_section(attempt: Attempt, *, now: datetime) -> bool:
    """Start the clock of the section the break leads to; True if this call started it."""
    if not attempt.on_break:
        return False
    seconds = attempt.current_section["seconds"]
    values = {
        "section_started_at": now,
        "deadline": now + timedelta(seconds=seconds) if seconds else None,
    }
    claimed = db.session.execute(
        sa.update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == Status.IN_PROGRESS.value,
            Attempt.section_number == attempt.section_number,
            Attempt.section_started_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.expire(attempt)
        return False
    _set_loaded(attempt, **values)
    return True


def claim_finish(attempt: Attempt, *, now: datetime, reason: str) -> bool:
    """Mark the attempt finished if it is still open: one UPDATE decides which of the racing
    requests grades it. An expired attempt finishes at its deadline.

    :return: True if this call claimed it (the attempt then holds the stored values), False if
        another request had finished it (the attempt is reloaded).
    """
    finished_at = now
    if reason == "expired" and attempt.deadline is not None:
        finished_at = min(now, attempt.deadline)
    claimed = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == Status.IN_PROGRESS.value)
        .values(status=Status.FINISHED.value, finished_at=finished_at, finish_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.expire(attempt)  # another request finished it: read what it stored
        return False
    _set_loaded(
        attempt, status=Status.FINISHED.value, finished_at=finished_at, finish_reason=reason
    )
    return True


def finish_attempt(attempt: Attempt, *, now: datetime, reason: str = "submitted") -> bool:
    """Close and grade an attempt exactly once, however many requests race to do it.

    :return: True if this call finished it, False if it was already finished.
    """
    if attempt.mode == Mode.ADAPTIVE.value:
        # Imported here: the adaptive check builds on this module.
        from quizapp.readiness import adaptive

        return adaptive.finish(attempt, now=now, reason=reason)
    if not claim_finish(attempt, now=now, reason=reason):
        return False
    items = load_items(attempt)
    updates, total = [], 0.0
    times = [item.slot.answer_seconds for item in items if item.slot.answer_seconds is not None]
    for item in items:
        slot = item.slot
        if slot.graded:
            total += slot.score or 0.0
            continue
        score = item.qtype.grade(item.version.content, slot.response).score
        total += score
        updates.append({"id": slot.id, "score": score, "graded_at": now})
    if updates:
        db.session.execute(sa.update(AttemptQuestion), updates)
    percent = round(100 * total / len(items), 2) if items else 0.0
    graded = {
        "score_points": total,
        "percent": percent,
        "passed": percent >= attempt.passing_percent,
        "seconds_per_question": round(statistics.fmean(times), 1) if times else None,
    }
    db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(**graded)
        .execution_options(synchronize_session=False)
    )
    _set_loaded(attempt, **graded)
    aggregates.record_finished_attempt(attempt.id, [update["id"] for update in updates])
    item_stats.record_finished_attempts([attempt.id])
    if updates:
        review_cards.record_reviews(
            AttemptQuestion.id.in_([update["id"] for update in updates]),
            user_id=attempt.user_id,
            now=now,
        )
    logger.info("Attempt %s %s: %.1f%%", attempt.id, reason, percent)
    return True


def expire_overdue(*, now: datetime, grace: timedelta) -> int:
    """Grade every open attempt whose deadline has passed (for `flask exams expire`); a
    sectioned attempt's earlier section only ends (its student finds the break). Returns how
    many attempts were graded."""
    overdue = db.session.scalars(
        sa.select(Attempt).where(
            Attempt.status == Status.IN_PROGRESS.value,
            Attempt.deadline.is_not(None),
            Attempt.deadline < now - grace,
        )
    ).all()
    return sum(end_section(a, now=now, reason="expired") and not a.is_open for a in overdue)


def topic_scores(items: list[ItemView]) -> list[TopicScore]:
    """Per-topic results of a graded attempt, in the bank's topic order."""
    by_topic: dict[int, TopicScore] = {}
    order: dict[int, int] = {}
    for item in items:
        topic = item.topic
        entry = by_topic.setdefault(topic.id, TopicScore(topic.title))
        order[topic.id] = topic.position
        entry.questions += 1
        entry.points += item.slot.score or 0.0
        entry.correct += (item.slot.score or 0.0) >= 1.0
    return [by_topic[t] for t in sorted(by_topic, key=order.__getitem__)]


def peer_median_times(user: User, items: list[ItemView]) -> dict[int, PeerTime]:
    """Per question id, the median time other students took on the questions of these items:
    the student's classmates' if at least MIN_PEER_TIMES of them answered it, else every other
    student's if that many did (questions with fewer are left out).

    One query, bounded by the items: each question's RECENT_PEER_TIMES latest timed answers
    per group, from finished attempts; the median is taken here (portable SQL has none).
    """
    question_ids = [item.slot.question_id for item in items]
    if not question_ids:
        return {}
    classmates = sa.select(Enrollment.student_id).where(
        Enrollment.class_id.in_(
            sa.select(Enrollment.class_id).where(Enrollment.student_id == user.id)
        )
    )
    timed = (
        sa.select(
            AttemptQuestion.question_id,
            AttemptQuestion.answer_seconds,
            Attempt.user_id.in_(classmates).label("classmate"),
            AttemptQuestion.id,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(
            AttemptQuestion.question_id.in_(question_ids),
            AttemptQuestion.answer_seconds.is_not(None),
            Attempt.user_id != user.id,
            Attempt.status == Status.FINISHED.value,
        )
        .subquery()
    )
    ranked = sa.select(
        timed.c.question_id,
        timed.c.answer_seconds,
        timed.c.classmate,
        sa.func.row_number()
        .over(partition_by=(timed.c.question_id, timed.c.classmate), order_by=timed.c.id.desc())
        .label("recent"),
    ).subquery()
    groups: dict[tuple[int, bool], list[int]] = {}
    for question_id, seconds, classmate in db.session.execute(
        sa.select(ranked.c.question_id, ranked.c.answer_seconds, ranked.c.classmate).where(
            ranked.c.recent <= RECENT_PEER_TIMES
        )
    ):
        groups.setdefault((question_id, bool(classmate)), []).append(seconds)
    medians = {}
    for question_id in question_ids:
        in_class = groups.get((question_id, True), [])
        everyone = in_class + groups.get((question_id, False), [])
        if len(in_class) >= MIN_PEER_TIMES:
            medians[question_id] = PeerTime(statistics.median(in_class), "class", len(in_class))
        elif len(everyone) >= MIN_PEER_TIMES:
            medians[question_id] = PeerTime(statistics.median(everyone), "all", len(everyone))
    return medians


def in_progress_attempts(user: User) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.status == Status.IN_PROGRESS.value)
            .order_by(Attempt.started_at.desc())
        )
    )


def recent_attempts(user: User, *, limit: int = 10) -> tuple[list[Attempt], list[Attempt]]:
    """The user's attempts in progress and latest finished ones."""
    finished = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.status == Status.FINISHED.value)
        .order_by(Attempt.finished_at.desc())
        .limit(limit)
    ).all()
    return in_progress_attempts(user), list(finished)


def attempts_page(user: User, *, before: int | None, limit: int) -> list[Attempt]:
    """Up to limit + 1 of the user's attempts, newest first, with ids below `before` (the
    extra one tells the caller a further page exists)."""
    query = sa.select(Attempt).where(Attempt.user_id == user.id)
    if before is not None:
        query = query.where(Attempt.id < before)
    return list(db.session.scalars(query.order_by(Attempt.id.desc()).limit(limit + 1)))
