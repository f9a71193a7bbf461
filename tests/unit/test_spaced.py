"""The answer -> rating mapping and FSRS reviews (quizapp.scoring.spaced), with time passed in."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from fsrs import Rating

from quizapp.scoring import spaced

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("score", "seconds", "median", "rating"),
    [
        (0.0, 5, 40.0, Rating.Again),
        (0.5, 5, 40.0, Rating.Again),  # partly right is not right
        (1.0, 30, 40.0, Rating.Good),
        (1.0, 20, 40.0, Rating.Easy),  # half the median or quicker
        (1.0, 5, None, Rating.Good),  # no median yet
        (1.0, None, 40.0, Rating.Good),  # not timed
    ],
)
def test_rating_for(score, seconds, median, rating):
    assert spaced.rating_for(score, seconds, median) == rating


def test_a_median_needs_enough_times():
    assert spaced.median_seconds([10] * (spaced.MIN_TIMES_FOR_EASY - 1)) is None
    assert spaced.median_seconds([10, 20, 30] * 4) == 20


def test_intervals_grow_and_a_miss_brings_the_card_back_within_a_day():
    card, now, intervals = None, NOW, []
    for _ in range(5):
        card = spaced.review(card, Rating.Good, now=now)
        intervals.append(card.due - now)
        now = card.due
    assert all(a < b for a, b in pairwise(intervals))
    missed = spaced.review(card, Rating.Again, now=now)
    assert missed.due - now <= timedelta(days=1)
    assert (missed.reviews, missed.misses) == (6, 1)
    after = spaced.review(missed, Rating.Good, now=missed.due)
    assert after.due - missed.due < intervals[-1]


def test_easy_waits_longer_than_good_and_higher_retention_sooner():
    good = spaced.review(None, Rating.Good, now=NOW)
    easy = spaced.review(None, Rating.Easy, now=NOW)
    assert easy.due > good.due
    strict = spaced.review(good, Rating.Good, now=good.due, retention=0.97)
    relaxed = spaced.review(good, Rating.Good, now=good.due, retention=0.8)
    assert strict.due < relaxed.due


def test_fitted_parameters_change_the_schedule():
    slow_start = list(spaced._scheduler(0.9, None).parameters)
    slow_start[2] = 0.5  # initial stability after Good
    assert (
        spaced.review(None, Rating.Good, now=NOW, parameters=slow_start).due
        < spaced.review(None, Rating.Good, now=NOW).due
    )


def test_the_key_digest_follows_the_key_only():
    assert spaced.key_digest("Apical") == spaced.key_digest("Apical")
    assert spaced.key_digest("Apical") != spaced.key_digest("Radial")
