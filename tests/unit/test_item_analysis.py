"""Item analysis formulas against a small example worked out by hand, and the statistics from
sums against the same statistics computed response by response."""

import math
import random
from collections import Counter
from functools import reduce
from operator import add

import pytest

from quizapp.scoring.item_analysis import (
    PERCENT_SCALE,
    POINTS_SCALE,
    ItemSums,
    TotalSums,
    analyse_item,
    cronbach_alpha,
    item_flags,
    kr21,
    mean,
    point_biserial,
    population_sd,
    response_sums,
    scaled,
    standard_error_of_measurement,
)

# Five examinees, four dichotomous items (rows: examinees A-E; columns: items 1-4).
#        i1 i2 i3 i4   total
# A       1  1  1  1   4
# B       1  1  1  0   3
# C       1  1  0  0   2
# D       1  0  0  0   1
# E       0  0  0  1   1
MATRIX = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
TOTALS = [4, 3, 2, 1, 1]


def column(i):
    return [row[i] for row in MATRIX]


def sums_of(scores, totals, responses=None, *, choice=True) -> ItemSums:
    """The sums of one item's responses (totals are percents)."""
    responses = responses or [0] * len(scores)
    return reduce(
        add,
        (
            response_sums(s, t, r, choice=choice)
            for s, t, r in zip(scores, totals, responses, strict=True)
        ),
    )


def points_sums(totals) -> TotalSums:
    return reduce(
        add, (TotalSums(1, scaled(t, POINTS_SCALE), scaled(t, POINTS_SCALE) ** 2) for t in totals)
    )


# The statistics as they were computed before sums were kept: from every response.
def reference_point_biserial(correct, totals):
    p = mean(correct)
    s = population_sd(totals)
    if p in (0.0, 1.0) or s == 0:
        return None
    right = [t for c, t in zip(correct, totals, strict=True) if c]
    wrong = [t for c, t in zip(correct, totals, strict=True) if not c]
    return (mean(right) - mean(wrong)) / s * math.sqrt(p * (1 - p))


def reference_options(responses):
    counts, blank = Counter(), 0
    for response in responses:
        if response is None:
            blank += 1
        elif isinstance(response, list):
            counts.update(response)
        elif isinstance(response, int) and not isinstance(response, bool):
            counts[response] += 1
    return counts, blank


def reference_kr21(totals, k):
    if len(totals) < 2 or k < 2:
        return None
    m = mean(totals)
    variance = population_sd(totals) ** 2
    if variance == 0:
        return None
    return k / (k - 1) * (1 - m * (k - m) / (k * variance))


def test_facility():
    assert analyse_item(sums_of(column(0), TOTALS)).facility == 0.8
    assert analyse_item(sums_of(column(2), TOTALS)).facility == 0.4


def test_point_biserial_by_hand():
    # Item 2: right = A, B, C (totals 4, 3, 2; M1 = 3); wrong = D, E (1, 1; M0 = 1).
    # Totals: mean 2.2, population variance = (3.24 + 0.64 + 0.04 + 1.44 + 1.44) / 5 = 1.36,
    # s = 1.16619; p = 0.6, q = 0.4: r = (3 - 1) / 1.16619 * sqrt(0.24) = 0.84017.
    assert point_biserial(sums_of(column(1), TOTALS)) == pytest.approx(0.84017, abs=1e-5)
    # Item 4: right = A, E (4, 1; M1 = 2.5); wrong = B, C, D (3, 2, 1; M0 = 2); p = 0.4:
    # r = 0.5 / 1.16619 * sqrt(0.24) = 0.21004.
    assert point_biserial(sums_of(column(3), TOTALS)) == pytest.approx(0.21004, abs=1e-5)


def test_point_biserial_undefined_when_everyone_agrees():
    assert point_biserial(sums_of([1, 1, 1], [3, 2, 1])) is None
    assert point_biserial(sums_of([1, 0, 1], [2, 2, 2])) is None
    # Equal totals that are not whole numbers are still exactly equal in hundredths.
    assert point_biserial(sums_of([1, 0, 1], [66.67, 66.67, 66.67])) is None


def test_cronbach_alpha_kr20_by_hand():
    # Item variances p*q: 0.16, 0.24, 0.24, 0.24 -> sum 0.88; total variance 1.36; k = 4:
    # alpha = 4/3 * (1 - 0.88 / 1.36) = 0.47059.
    assert cronbach_alpha(MATRIX) == pytest.approx(0.47059, abs=1e-5)


def test_kr21_and_sem_by_hand():
    # KR-21: M = 2.2, variance 1.36, k = 4: 4/3 * (1 - 2.2 * 1.8 / (4 * 1.36)) = 0.36275.
    assert kr21(points_sums(TOTALS), 4) == pytest.approx(0.36275, abs=1e-5)
    # SEM = 1.16619 * sqrt(1 - 0.47059) = 0.84853.
    sem = standard_error_of_measurement(points_sums(TOTALS), 0.47059)
    assert sem == pytest.approx(0.84853, abs=1e-4)


def test_reliability_undefined_cases():
    assert cronbach_alpha([[1, 1]]) is None
    assert cronbach_alpha([[1, 0], [1, 0]]) is None
    assert kr21(points_sums([3, 3, 3]), 4) is None
    assert kr21(points_sums([2.5]), 4) is None
    assert standard_error_of_measurement(points_sums([3, 2]), None) is None


def test_option_counts_and_blanks():
    stats = analyse_item(sums_of([1, 0, 0, 1], [90, 40, 50, 80], [2, 0, None, 2]))
    assert stats.option_counts == {2: 2, 0: 1} and stats.blank == 1
    multi = analyse_item(sums_of([1, 0], [90, 40], [[0, 2], [1]]))
    assert multi.option_counts == {0: 1, 2: 1, 1: 1}
    typed = analyse_item(sums_of([1, 0], [90, 40], ["word", None], choice=False))
    assert typed.option_counts == {} and typed.blank == 1


def test_partial_credit_is_not_correct():
    assert analyse_item(sums_of([0.5, 1.0], [50, 90])).facility == 0.5


@pytest.mark.parametrize(
    ("scores", "totals", "expected"),
    [
        ([1] * 10 + [0] * 10, [90] * 10 + [30] * 10, []),  # a good item
        ([0] * 10 + [1] * 10, [90] * 10 + [30] * 10, ["negative discrimination"]),
        ([1] * 20, list(range(20)), ["near-zero discrimination", "too easy"]),
        ([1] * 3 + [0] * 17, [90] * 3 + list(range(17)), ["too hard"]),
    ],
)
def test_flags(scores, totals, expected):
    assert analyse_item(sums_of(scores, totals)).flags == expected


def test_no_judgement_below_the_minimum_number_of_responses():
    stats = analyse_item(sums_of([0, 1], [90, 10]))
    assert stats.point_biserial < 0 and item_flags(stats) == []


def _random_response(rng, options: int):
    kind = rng.random()
    if kind < 0.15:
        return None
    if kind < 0.5:
        return sorted(rng.sample(range(options), rng.randint(1, options)))
    return rng.randrange(options)


@pytest.mark.parametrize("seed", range(40))
def test_sums_give_the_per_response_statistics(seed):
    """Sums added up in any grouping (students, classes) give what the responses give."""
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    options = rng.randint(2, 10)
    scores = [rng.choice([0.0, 1.0, 1.0, 0.5, 1 / 3]) for _ in range(n)]
    # Attempt percents as finish_attempt stores them: rounded to hundredths.
    totals = [round(100 * rng.randint(0, 150) / 150, 2) for _ in range(n)]
    responses = [_random_response(rng, options) for _ in range(n)]
    parts = [
        response_sums(s, t, r, choice=True)
        for s, t, r in zip(scores, totals, responses, strict=True)
    ]
    rng.shuffle(parts)
    split = rng.randint(0, n)
    sums = (reduce(add, parts[:split], ItemSums())) + reduce(add, parts[split:], ItemSums())

    stats = analyse_item(sums)
    correct = [1 if s >= 1.0 else 0 for s in scores]
    counts, blank = reference_options(responses)
    assert stats.responses == n
    assert stats.facility == mean(correct)
    expected_r = reference_point_biserial(correct, totals)
    if expected_r is None:
        assert stats.point_biserial is None
    else:
        assert stats.point_biserial == pytest.approx(expected_r, rel=1e-9, abs=1e-12)
    assert stats.option_counts == counts and stats.blank == blank
    assert sums.total == sum(scaled(t, PERCENT_SCALE) for t in totals)


@pytest.mark.parametrize("seed", range(20))
def test_total_sums_give_the_per_attempt_kr21(seed):
    rng = random.Random(seed)
    k = rng.randint(2, 60)
    # Points as sums of partial credits, as stored on attempts.
    totals = [
        sum(rng.choice([0.0, 1.0, 0.5, 1 / 3, 2 / 3]) for _ in range(k))
        for _ in range(rng.randint(1, 80))
    ]
    sums = points_sums(totals)
    # Points are summed in ten-thousandths: the same totals so rounded, response by response.
    expected = reference_kr21([scaled(t, POINTS_SCALE) / POINTS_SCALE for t in totals], k)
    if expected is None:
        assert kr21(sums, k) is None
    else:
        assert kr21(sums, k) == pytest.approx(expected, rel=1e-6, abs=1e-9)
