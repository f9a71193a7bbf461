"""The adaptive readiness check (CAT): start it, answer its current question, finish it.

The server picks every question with quizapp.scoring.cat.next_item, a pure function of the
blueprint's calibrated pool, the answers so far and the seed stored on the attempt; one question
is shown at a time and answered questions cannot be revisited. An answer is graded at once
(never shown to the student) and the next question appended, unless cat.outcome says the check
is over. A double submit or a second tab loses the compare-and-set on the question's revision;
the unique (attempt, position) makes a duplicate append harmless.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quizapp.auth.models import User
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion
from quizapp.classes import services as class_services
from quizapp.exams import services as exam_services
from quizapp.exams.models import Attempt, AttemptQuestion, Mode, Status
from quizapp.extensions import db
from quizapp.history import aggregates
from quizapp.readiness import services as readiness_services
from quizapp.review import cards as review_cards
from quizapp.scoring import cat
from quizapp.scoring.question_types import InvalidResponseError, get_question_type

logger = logging.getLogger(__name__)


def settings_of(attempt: Attempt) -> cat.CatSettings:
    return cat.CatSettings(
        min_items=attempt.settings["min_items"],
        max_items=attempt.settings["max_items"],
        confidence=attempt.settings["confidence"],
    )


def _pool(blueprint: Blueprint) -> readiness_services.BlueprintPool:
    return readiness_services.blueprint_pool(blueprint, readiness_services.current_calibration())


def start_adaptive_attempt(
    user: User, blueprint: Blueprint, *, now: datetime, seed: int | None = None
) -> Attempt:
    """Start the blueprint's adaptive check with its first question (free practice, so with
    the student's practice accommodation).

    :raises exam_services.CannotStartError: the blueprint offers none, or has no questions.
    """
    if not blueprint.adaptive:
        raise exam_services.CannotStartError("This test offers no adaptive readiness check.")
    pool = _pool(blueprint)
    if pool.cat_pool is None:
        raise exam_services.CannotStartError("This test has no questions to ask yet.")
    seed = secrets.randbits(48) if seed is None else seed
    settings = {"kind": "adaptive", "blueprint": blueprint.slug, "seed": seed, **blueprint.adaptive}
    limit = exam_services.time_limit_seconds(
        class_services.practice_accommodation(user),
        Mode.ADAPTIVE,
        blueprint.adaptive["time_limit_minutes"],
    )
    attempt = Attempt(
        user_id=user.id,
        blueprint_id=blueprint.id,
        title=f"{blueprint.title}: readiness check",
        mode=Mode.ADAPTIVE.value,
        status=Status.IN_PROGRESS.value,
        settings=settings,
        # The most it may ask; set to the number asked when it finishes.
        question_count=blueprint.adaptive["max_items"],
        passing_percent=blueprint.passing_percent,
        started_at=now,
        time_limit_seconds=limit,
        deadline=now + timedelta(seconds=limit) if limit else None,
    )
    db.session.add(attempt)
    db.session.flush()
    first = cat.next_item(pool.cat_pool, [], [], seed, settings_of(attempt))
    _append(attempt, 1, pool.cat_questions[first])
    logger.info("Adaptive check %s started by %s: %s", attempt.id, user.email, blueprint.title)
    return attempt


def _append(attempt: Attempt, position: int, question_id: int) -> None:
    """Add the question at `position` (its current version); a second insert of the same
    position (a racing request) is dropped by the unique (attempt, position)."""
    version = db.session.scalar(
        sa.select(QuestionVersion)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.id == question_id, Bank.archived_at.is_(None))
    )
    if version is None:
        raise exam_services.CannotStartError("This question was removed; start the check again.")
    rng = Random(f"{attempt.settings['seed']}:{position}")  # noqa: S311 (layout shuffle)
    row = {
        "attempt_id": attempt.id,
        "position": position,
        "question_id": question_id,
        "version_id": version.id,
        "layout": get_question_type(version.type).make_layout(version.content, rng),
        "revision": 0,
        "flagged": False,
    }
    try:
        with db.session.begin_nested():
            db.session.execute(sa.insert(AttemptQuestion), [row])
    except IntegrityError:
        logger.info("Adaptive check %s: position %s was already added", attempt.id, position)


def current_item(attempt: Attempt) -> exam_services.ItemView | None:
    """The question being asked: the last one added."""
    row = db.session.execute(
        sa.select(AttemptQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position.desc())
        .limit(1)
    ).first()
    return exam_services.ItemView(row[0], row[1]) if row else None


@dataclass(frozen=True)
class Progress:
    """The answers so far as the pool's item indices (answered questions only)."""

    administered: list[int]
    correct: list[bool]
    last_position: int


def _progress(attempt: Attempt, pool: readiness_services.BlueprintPool) -> Progress:
    index = {question_id: i for i, question_id in enumerate(pool.cat_questions)}
    administered, correct, last = [], [], 0
    for position, question_id, score, answered_at in db.session.execute(
        sa.select(
            AttemptQuestion.position,
            AttemptQuestion.question_id,
            AttemptQuestion.score,
            AttemptQuestion.answered_at,
        )
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ):
        last = position
        if answered_at is not None and question_id in index:
            administered.append(index[question_id])
            correct.append((score or 0) >= 1 - 1e-9)
    return Progress(administered, correct, last)


def answer(
    attempt: Attempt,
    item: exam_services.ItemView,
    form,
    *,
    revision: int,
    now: datetime,
    grace: timedelta,
) -> None:
    """Grade the answer to the current question, then add the next one or finish.

    :raises exam_services.AttemptExpiredError: time ran out; the check is now finished.
    :raises exam_services.AttemptClosedError: the check is over.
    :raises exam_services.StaleAnswerError: not the current question, or an older form.
    :raises exam_services.InvalidAnswerError: no answer, an incomplete one (it is final), or
        one that does not fit.
    """
    exam_services.check_open(attempt, now=now, grace=grace)
    slot = item.slot
    if slot.graded or revision != slot.revision:
        raise exam_services.StaleAnswerError()
    try:
        response = item.qtype.parse_response(item.version.content, slot.layout, form)
    except InvalidResponseError as exc:
        raise exam_services.InvalidAnswerError(str(exc)) from exc
    if response is None:
        raise exam_services.InvalidAnswerError(
            "Answer this question to go on: the check has no going back."
        )
    if missing := item.qtype.incomplete(item.version.content, response):
        raise exam_services.InvalidAnswerError(f"{missing} The check has no going back.")
    values = {
        "response": response,
        "revision": slot.revision + 1,
        "answered_at": now,
        "answer_seconds": (
            max(0, int((now - slot.first_shown_at).total_seconds()))
            if slot.first_shown_at is not None
            else None
        ),
        "score": item.qtype.grade(item.version.content, response).score,
        "graded_at": now,
    }
    exam_services.update_open_slot(attempt, slot, values, expected_revision=revision)
    # Mastery and review cards wait for the end (see finish): moving with each answer, they
    # would tell the student, on other pages, whether it was right.
    db.session.expire(slot)
    _advance(attempt, now=now)


def _attempt_pool(attempt: Attempt) -> readiness_services.BlueprintPool | None:
    """The pool of the check's blueprint; None if the blueprint was deleted or has no questions
    left (the check then ends undecided)."""
    blueprint = db.session.get(Blueprint, attempt.blueprint_id) if attempt.blueprint_id else None
    pool = _pool(blueprint) if blueprint is not None else None
    return pool if pool is not None and pool.cat_pool is not None else None


def _advance(attempt: Attempt, *, now: datetime) -> None:
    pool = _attempt_pool(attempt)
    if pool is None:
        exam_services.finish_attempt(attempt, now=now)
        return
    progress = _progress(attempt, pool)
    settings = settings_of(attempt)
    state = cat.outcome(
        pool.cat_pool, progress.administered, progress.correct, pool.theta_cut, settings
    )
    following = None
    if not state.finished:
        following = cat.next_item(
            pool.cat_pool,
            progress.administered,
            progress.correct,
            attempt.settings["seed"],
            settings,
            theta_cut=pool.theta_cut,
        )
    if following is None:
        exam_services.finish_attempt(attempt, now=now)
    else:
        _append(attempt, progress.last_position + 1, pool.cat_questions[following])


def finish(attempt: Attempt, *, now: datetime, reason: str) -> bool:
    """Close the check exactly once and store its verdict (exam_services.finish_attempt
    calls this for adaptive attempts, also when the server expires one)."""
    if not exam_services.claim_finish(attempt, now=now, reason=reason):
        return False
    # A question shown but not answered when time ran out counts as not answered.
    db.session.execute(
        sa.update(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.graded_at.is_(None))
        .values(score=0.0, graded_at=now)
        .execution_options(synchronize_session=False)
    )
    pool = _attempt_pool(attempt)
    result = _undecided(attempt, reason) if pool is None else _result(attempt, pool, reason)
    seconds = db.session.scalar(
        sa.select(sa.func.avg(AttemptQuestion.answer_seconds)).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.answer_seconds.is_not(None)
        )
    )
    graded = {
        "question_count": result["items"],
        "score_points": result.pop("points"),
        "percent": result["expected_percent"],
        "passed": result["verdict"] == "pass",
        "seconds_per_question": round(float(seconds), 1) if seconds is not None else None,
        "settings": {**attempt.settings, "result": result},
    }
    db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(**graded)
        .execution_options(synchronize_session=False)
    )
    exam_services._set_loaded(attempt, **graded)
    aggregates.record_finished_attempt(attempt.id)
    review_cards.record_reviews(
        AttemptQuestion.attempt_id == attempt.id, user_id=attempt.user_id, now=now
    )
    logger.info("Adaptive check %s %s: %s", attempt.id, reason, result["verdict"])
    return True


def _result(attempt: Attempt, pool: readiness_services.BlueprintPool, reason: str) -> dict:
    progress = _progress(attempt, pool)
    state = cat.outcome(
        pool.cat_pool,
        progress.administered,
        progress.correct,
        pool.theta_cut,
        settings_of(attempt),
        out_of_time=True,  # ends it now: decided by the interval, else undecided
    )
    return {
        "verdict": state.verdict,
        "leaning": state.leaning,
        "confidence": round(state.confidence, 4),
        "expected_percent": round(cat.expected_percent(pool.cat_pool, state.theta), 1),
        "items": len(progress.administered),
        "points": float(sum(progress.correct)),
        "out_of_time": reason == "expired",
    }


def _undecided(attempt: Attempt, reason: str) -> dict:
    """The result when the blueprint is gone: the share right, no verdict."""
    scores = (
        db.session.execute(
            sa.select(AttemptQuestion.score).where(
                AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.answered_at.is_not(None)
            )
        )
        .scalars()
        .all()
    )
    points = float(sum(score or 0 for score in scores))
    return {
        "verdict": "undecided",
        "leaning": "fail",
        "confidence": 0.5,
        "expected_percent": round(100 * points / len(scores), 1) if scores else 0.0,
        "items": len(scores),
        "points": points,
        "out_of_time": reason == "expired",
    }
