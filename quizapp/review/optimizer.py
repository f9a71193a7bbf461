"""Fit a student's FSRS parameters to their own review history (`flask review optimize`).

The optimizer is optional: `pip install "quizapp[optimizer]"` brings fsrs-rs-python, a
small compiled wheel (about 0.6 MB; the `fsrs` package's own optimizer needs PyTorch, hundreds
of megabytes). Without it, or before a student has REVIEW_OPTIMIZE_MIN_REVIEWS reviews, the
scheduler keeps FSRS's default parameters.

The history is rebuilt from the graded answers themselves (rated as when they were graded,
Easy against the student's answer times before each one), so nothing extra is logged per
answer.
"""

import importlib
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from fsrs import Rating, Scheduler

from quizapp.exams.models import Attempt, AttemptQuestion
from quizapp.extensions import db
from quizapp.review.cards import RECENT_TIMES
from quizapp.review.models import ReviewSettings
from quizapp.scoring import spaced
from quizapp.utils import dialect_insert

OPTIMIZER_MODULE = "fsrs_rs_python"


class OptimizerError(Exception):
    """Why a student's parameters were not fitted; the message says it to the operator."""


class OptimizerMissingError(OptimizerError):
    def __init__(self):
        super().__init__(
            "The FSRS optimizer is not installed: pip install 'quizapp[optimizer]' "
            "(fsrs-rs-python). Students keep the default parameters meanwhile."
        )


@dataclass(frozen=True)
class Fit:
    reviews: int
    parameters: list[float]


def load_optimizer():
    """The fsrs-rs-python module. :raises OptimizerMissingError: when it is not installed."""
    try:
        return importlib.import_module(OPTIMIZER_MODULE)
    except ImportError as exc:
        raise OptimizerMissingError() from exc


def review_histories(user_id: int) -> dict[int, list[tuple[datetime, Rating]]]:
    """Per question, the student's graded answers in order, each with its rating."""
    rows = db.session.execute(
        sa.select(
            AttemptQuestion.question_id,
            AttemptQuestion.graded_at,
            AttemptQuestion.score,
            AttemptQuestion.answer_seconds,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(
            Attempt.user_id == user_id,
            AttemptQuestion.graded_at.is_not(None),
            AttemptQuestion.answered_at.is_not(None),
        )
        .order_by(AttemptQuestion.graded_at, AttemptQuestion.id)
    ).all()
    times: deque[int] = deque(maxlen=RECENT_TIMES)
    histories: dict[int, list[tuple[datetime, Rating]]] = defaultdict(list)
    for row in rows:
        if row.answer_seconds is not None:
            times.append(row.answer_seconds)
        rating = spaced.rating_for(row.score or 0.0, spaced.quick_among(row.answer_seconds, times))
        histories[row.question_id].append((row.graded_at, rating))
    return histories


def training_items(histories, module) -> list:
    """FSRSItems as fsrs-rs expects them: for each card, every prefix of its history that
    ends in a review on a later day, with the days elapsed before each review."""
    items = []
    for history in histories.values():
        reviews = []
        for number, (moment, rating) in enumerate(history):
            elapsed = 0 if number == 0 else (moment.date() - history[number - 1][0].date()).days
            reviews.append(module.FSRSReview(int(rating), elapsed))
            if number > 0 and elapsed > 0:
                items.append(module.FSRSItem(list(reviews)))
    return items


def fit_parameters(user_id: int, *, min_reviews: int) -> Fit:
    """Fit FSRS parameters to the student's reviews.

    :raises OptimizerMissingError: when fsrs-rs-python is not installed.
    :raises OptimizerError: with too few reviews, or when the fit is not usable.
    """
    module = load_optimizer()
    histories = review_histories(user_id)
    reviews = sum(len(history) for history in histories.values())
    if reviews < min_reviews:
        raise OptimizerError(f"{reviews} reviews; at least {min_reviews} are needed to fit")
    items = training_items(histories, module)
    if not items:
        raise OptimizerError("no question was reviewed on two different days yet")
    model = module.FSRS(module.DEFAULT_PARAMETERS)
    parameters = [float(value) for value in model.compute_parameters(items)]
    try:
        Scheduler(parameters=parameters)  # validates their number and bounds
    except ValueError as exc:
        raise OptimizerError(f"the fitted parameters are not usable: {exc}") from exc
    return Fit(reviews, parameters)


def store_fit(user_id: int, fit: Fit, *, now: datetime) -> None:
    """Keep the fitted parameters with the student's settings (one upsert)."""
    values = {"parameters": fit.parameters, "fitted_at": now, "fitted_reviews": fit.reviews}
    insert = dialect_insert(ReviewSettings).values(user_id=user_id, **values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"], set_={name: insert.excluded[name] for name in values}
        )
    )


def students_with_reviews(min_reviews: int) -> list[int]:
    """Ids of the students with at least `min_reviews` graded answers."""
    answered = sa.func.count(AttemptQuestion.id)
    return list(
        db.session.scalars(
            sa.select(Attempt.user_id)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .where(AttemptQuestion.graded_at.is_not(None), AttemptQuestion.answered_at.is_not(None))
            .group_by(Attempt.user_id)
            .having(answered >= min_reviews)
            .order_by(Attempt.user_id)
        )
    )
