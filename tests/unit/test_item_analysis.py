"""Item analysis formulas against a small example worked out by hand."""

import pytest

from quizapp.scoring.item_analysis import (
    analyse_item,
    cronbach_alpha,
    facility,
    item_flags,
    kr21,
    point_biserial,
    standard_error_of_measurement,
    upper_lower_index,
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


def test_facility():
    assert facility(column(0)) == 0.8
    assert facility(column(2)) == 0.4


def test_point_biserial_by_hand():
    # Item 2: right = A, B, C (totals 4, 3, 2; M1 = 3); wrong = D, E (1, 1; M0 = 1).
    # Totals: mean 2.2, population variance = (3.24 + 0.64 + 0.04 + 1.44 + 1.44) / 5 = 1.36,
    # s = 1.16619; p = 0.6, q = 0.4: r = (3 - 1) / 1.16619 * sqrt(0.24) = 0.84017.
    assert point_biserial(column(1), TOTALS) == pytest.approx(0.84017, abs=1e-5)
    # Item 4: right = A, E (4, 1; M1 = 2.5); wrong = B, C, D (3, 2, 1; M0 = 2); p = 0.4:
    # r = 0.5 / 1.16619 * sqrt(0.24) = 0.21004.
    assert point_biserial(column(3), TOTALS) == pytest.approx(0.21004, abs=1e-5)


def test_point_biserial_undefined_when_everyone_agrees():
    assert point_biserial([1, 1, 1], [3, 2, 1]) is None
    assert point_biserial([1, 0, 1], [2, 2, 2]) is None


def test_upper_lower_index_by_hand():
    # 27% of 5 = 1.35, so one examinee per group: upper = A (total 4), lower = the lowest total.
    assert upper_lower_index(column(1), TOTALS) == 1.0  # A right, D wrong
    # Ties at the bottom: D and E both total 1; the sort keeps the first of equals (D) lowest.
    assert upper_lower_index(column(0), TOTALS) == 0.0  # A right, D right


def test_cronbach_alpha_kr20_by_hand():
    # Item variances p*q: 0.16, 0.24, 0.24, 0.24 -> sum 0.88; total variance 1.36; k = 4:
    # alpha = 4/3 * (1 - 0.88 / 1.36) = 0.47059.
    assert cronbach_alpha(MATRIX) == pytest.approx(0.47059, abs=1e-5)


def test_kr21_and_sem_by_hand():
    # KR-21: M = 2.2, variance 1.36, k = 4: 4/3 * (1 - 2.2 * 1.8 / (4 * 1.36)) = 0.36275.
    assert kr21(TOTALS, 4) == pytest.approx(0.36275, abs=1e-5)
    # SEM = 1.16619 * sqrt(1 - 0.47059) = 0.84853.
    assert standard_error_of_measurement(TOTALS, 0.47059) == pytest.approx(0.84853, abs=1e-4)


def test_reliability_undefined_cases():
    assert cronbach_alpha([[1, 1]]) is None
    assert cronbach_alpha([[1, 0], [1, 0]]) is None
    assert kr21([3, 3, 3], 4) is None


def test_option_counts_and_blanks():
    stats = analyse_item([1, 0, 0, 1], [90, 40, 50, 80], responses=[2, 0, None, 2])
    assert stats.option_counts == {2: 2, 0: 1} and stats.blank == 1
    multi = analyse_item([1, 0], [90, 40], responses=[[0, 2], [1]])
    assert multi.option_counts == {0: 1, 2: 1, 1: 1}


def test_partial_credit_is_not_correct():
    assert analyse_item([0.5, 1.0], [50, 90]).facility == 0.5


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
    assert analyse_item(scores, totals).flags == expected


def test_no_judgement_below_the_minimum_number_of_responses():
    stats = analyse_item([0, 1], [90, 10])
    assert stats.point_biserial < 0 and item_flags(stats) == []
