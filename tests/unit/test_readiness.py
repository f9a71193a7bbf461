"""Pass probability on a fresh form, the evidence threshold and percentile ranks."""

import numpy as np
import pytest

from quizapp.scoring.irt import THETA_GRID, estimate_ability, probability
from quizapp.scoring.readiness import (
    MIN_ANSWERS,
    MIN_PEERS,
    Section,
    number_right_moments,
    pass_curve,
    pass_probability_at,
    passing_count,
    percentile_rank,
    readiness,
    readiness_from_ability,
    topic_shortfalls,
)

POOL = np.linspace(-2, 2, 101)


def test_passing_count_rounds_up_to_the_mark():
    assert passing_count(200, 70) == 140
    assert passing_count(50, 70) == 35
    assert passing_count(7, 70) == 5  # 4.9 → 5
    assert passing_count(3, 100 / 3) == 1


def test_number_right_moments_match_a_simulation_of_random_forms():
    rng = np.random.default_rng(2)
    sections = [Section(20, POOL)]
    mean, variance = number_right_moments(np.array([0.3]), sections)
    totals = []
    for _ in range(20_000):
        items = rng.choice(POOL.size, 20, replace=False)
        totals.append((rng.random(20) < probability(0.3, POOL[items])).sum())
    assert mean[0] == pytest.approx(np.mean(totals), abs=0.05)
    assert variance[0] == pytest.approx(np.var(totals), rel=0.05)


def test_pass_probability_rises_with_ability():
    sections = [Section(120, POOL), Section(80, POOL + 0.5)]
    at = pass_probability_at(np.linspace(-3, 3, 61), sections, 70)
    assert np.all(np.diff(at) >= 0)
    assert at[0] < 0.001 and at[-1] > 0.999


def test_pass_probability_matches_simulated_forms_at_a_fixed_ability():
    rng = np.random.default_rng(3)
    sections = [Section(50, POOL)]
    theta = 1.0
    expected = pass_probability_at(np.array([theta]), sections, 70)[0]
    passes = [
        (rng.random(50) < probability(theta, POOL[rng.choice(POOL.size, 50, replace=False)])).sum()
        >= 35
        for _ in range(20_000)
    ]
    assert expected == pytest.approx(np.mean(passes), abs=0.02)


def test_readiness_hidden_below_the_evidence_threshold():
    curve = pass_curve([Section(200, POOL)], 70)
    few = MIN_ANSWERS - 1
    assert readiness(np.zeros(few), 1.0, [True] * few, curve) is None
    shown = readiness(np.zeros(MIN_ANSWERS), 1.0, [True, False] * (MIN_ANSWERS // 2), curve)
    assert shown is not None
    assert 0 <= shown.low <= shown.probability <= shown.high <= 1


def test_readiness_interval_narrows_with_evidence():
    curve = pass_curve([Section(200, POOL)], 60)
    rng = np.random.default_rng(4)
    difficulty = rng.choice(POOL, 600)
    correct = rng.random(600) < probability(0.5, difficulty)
    short = readiness(difficulty[:40], 1.0, correct[:40], curve)
    long = readiness(difficulty, 1.0, correct, curve)
    assert long.high - long.low < short.high - short.low


def test_all_right_is_ready_and_all_wrong_is_not():
    curve = pass_curve([Section(200, POOL)], 70)
    assert readiness(POOL[:60], 1.0, [True] * 60, curve).probability > 0.95
    assert readiness(POOL[:60], 1.0, [False] * 60, curve).probability < 0.05


def test_readiness_from_ability_averages_the_curve_over_the_posterior():
    curve = pass_curve([Section(100, POOL)], 50)
    ability = estimate_ability(np.zeros(100), 1.0, [True, False] * 50)
    result = readiness_from_ability(ability, curve)
    assert result.probability == pytest.approx(float(ability.posterior @ curve))
    assert result.probability == pytest.approx(0.5, abs=0.05)
    assert curve.shape == THETA_GRID.shape


def test_topic_shortfalls_put_the_weak_topic_first():
    overall = estimate_ability(np.zeros(100), 1.0, [True, False] * 50)
    sections = {"anatomy": Section(60, POOL), "billing": Section(40, POOL)}
    answers = {
        "anatomy": (np.zeros(30), 1.0, [False] * 25 + [True] * 5),
        "billing": (np.zeros(30), 1.0, [True] * 15 + [False] * 15),
    }
    ranked = topic_shortfalls(overall, sections, answers)
    assert ranked[0][0] == "anatomy" and ranked[0][1] > 1
    assert ranked[1] == ("billing", pytest.approx(0.0, abs=0.5))


def test_percentile_rank_needs_enough_peers_and_counts_ties_half():
    assert percentile_rank(80, [70] * (MIN_PEERS - 1)) is None
    others = [50] * 10 + [80] * 10 + [90] * 10
    assert percentile_rank(80, others) == pytest.approx(100 * (10 + 5) / 30)
    assert percentile_rank(100, others) == 100.0
    assert percentile_rank(0, others) == 0.0
