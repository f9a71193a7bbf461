"""The answer -> rating mapping and FSRS reviews (quizapp.scoring.spaced), with time passed in."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from fsrs import Rating

from quizapp.scoring import spaced

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


TIMES = [40] * 12  # a student's recent answers: median 40 s


@pytest.mark.parametrize(
    ("score", "seconds", "times", "rating"),
    [
        (0.0, 5, TIMES, Rating.Again),
        (0.5, 5, TIMES, Rating.Again),  # partly right is not right
        (1.0, 30, TIMES, Rating.Good),
        (1.0, 21, TIMES, Rating.Good),
        (1.0, 20, TIMES, Rating.Easy),  # half the median or quicker
        (1.0, 5, [40] * 9, Rating.Good),  # too few times to judge
        (1.0, None, TIMES, Rating.Good),  # not timed
        (1.0, 20, [40] * 6 + [39] * 6, Rating.Easy),  # half of them took twice as long
        (1.0, 20, [40] * 5 + [39] * 7, Rating.Good),  # fewer than half did
    ],
)
def test_rating_for(score, seconds, times, rating):
    assert spaced.rating_for(score, spaced.quick_among(seconds, times)) == rating


def test_quick_from_counts_as_the_database_gives_them():
    assert spaced.is_quick(10, timed=12, twice_as_long=6)
    assert not spaced.is_quick(10, timed=12, twice_as_long=5)
    assert not spaced.is_quick(10, timed=9, twice_as_long=9)
    assert not spaced.is_quick(None, timed=12, twice_as_long=12)


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
