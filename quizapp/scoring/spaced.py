"""Spaced review with FSRS (the `fsrs` package): how an answer rates, and what it does to a card.

Pure: values in, values out; time is passed in. The mapping (docs/review.md):
- not fully right (score < 1) -> Again;
- right -> Good;
- right and quick -> Easy: at most half the student's own median answer time, that is at least
  half of their latest timed answers took twice as long or longer (only once they have
  MIN_TIMES_FOR_EASY timed answers). Counting lets the database judge it in the query that
  reads the cards.

Reviews happen days apart, so there are no minute-long learning steps: a first answer goes
straight to a whole-day interval, and a miss brings the card back after MISSED_CARD_DELAY.
"""

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

DEFAULT_RETENTION = 0.9
MIN_RETENTION, MAX_RETENTION = 0.7, 0.97
MIN_TIMES_FOR_EASY = 10
MISSED_CARD_DELAY = timedelta(days=1)
MAXIMUM_INTERVAL_DAYS = 3650


@dataclass(frozen=True)
class CardState:
    """One card's FSRS memory state and counters, as stored."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int
    misses: int


def is_quick(seconds: int | None, *, timed: int, twice_as_long: int) -> bool:
    """True when an answer took at most half the student's median time: of their `timed`
    recent timed answers, `twice_as_long` took at least twice `seconds`, and that is half or
    more of them."""
    return seconds is not None and timed >= MIN_TIMES_FOR_EASY and 2 * twice_as_long >= timed


def quick_among(seconds: int | None, times: Sequence[int]) -> bool:
    """is_quick, counted here from the student's recent answer times."""
    if seconds is None:
        return False
    twice = sum(other >= 2 * seconds for other in times)
    return is_quick(seconds, timed=len(times), twice_as_long=twice)


def rating_for(score: float, quick: bool) -> Rating:
    """The FSRS rating of a graded answer (see the module docstring)."""
    if score < 1:
        return Rating.Again
    return Rating.Easy if quick else Rating.Good


@functools.lru_cache(maxsize=128)
def _scheduler(retention: float, parameters: tuple[float, ...] | None) -> Scheduler:
    options = {"parameters": parameters} if parameters else {}
    return Scheduler(
        **options,
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(MISSED_CARD_DELAY,),
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=False,
    )


def review(
    card: CardState | None,
    rating: Rating,
    *,
    now: datetime,
    retention: float = DEFAULT_RETENTION,
    parameters: Sequence[float] | None = None,
) -> CardState:
    """The card after one review at `now` (a new card when `card` is None)."""
    scheduler = _scheduler(retention, tuple(parameters) if parameters else None)
    before = (
        Card(card_id=0)
        if card is None
        else Card(
            card_id=0,
            state=State(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
        )
    )
    after, _ = scheduler.review_card(before, rating, now)
    return CardState(
        state=int(after.state),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        last_review=after.last_review,
        reviews=(card.reviews if card else 0) + 1,
        misses=(card.misses if card else 0) + (rating == Rating.Again),
    )


def key_digest(key_text: str) -> str:
    """A short fingerprint of a question's key as a reader would say it: a new version of a
    question keeps its card while this stays the same."""
    return hashlib.sha256(json.dumps(key_text).encode()).hexdigest()[:16]
