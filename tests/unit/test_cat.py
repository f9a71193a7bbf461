"""Adaptive readiness check: selection, content balancing, determinism and the stopping rule."""

import dataclasses

import numpy as np
import pytest

from quizapp.scoring.cat import (
    CatSettings,
    Pool,
    expected_percent,
    next_item,
    outcome,
    passing_theta,
)
from quizapp.scoring.irt import probability

SHARES = np.array([0.5, 0.3, 0.2])


def make_pool(items=300, seed=0):
    rng = np.random.default_rng(seed)
    return Pool(
        difficulty=rng.normal(0, 1.2, items),
        discrimination=np.ones(items),
        topic=rng.choice(3, items, p=SHARES),
        topic_share=SHARES,
    )


def take_test(pool, theta, seed, settings, theta_cut):
    rng = np.random.default_rng(seed + 1000)
    administered, correct = [], []
    while True:
        item = next_item(pool, administered, correct, seed, settings)
        administered.append(item)
        correct.append(bool(rng.random() < probability(theta, pool.difficulty[item])))
        result = outcome(pool, administered, correct, theta_cut, settings)
        if result.finished:
            return result, administered


def test_first_item_is_near_the_starting_ability():
    pool = make_pool()
    item = next_item(pool, [], [], seed=1, settings=CatSettings(randomesque=1))
    assert pool.topic[item] == 0  # the largest share goes first
    topic_items = pool.difficulty[pool.topic == 0]
    assert abs(pool.difficulty[item]) == pytest.approx(np.min(np.abs(topic_items)))


def test_selection_follows_the_ability():
    pool = make_pool()
    settings = CatSettings(randomesque=1)
    strong = next_item(pool, list(range(10)), [True] * 10, seed=1, settings=settings)
    weak = next_item(pool, list(range(10)), [False] * 10, seed=1, settings=settings)
    assert pool.difficulty[strong] > 1 > -1 > pool.difficulty[weak]


def test_past_the_minimum_items_are_chosen_at_the_passing_standard():
    pool = make_pool()
    settings = CatSettings(min_items=10, randomesque=1)
    answered, all_right = list(range(10)), [True] * 10
    before = next_item(pool, answered[:9], all_right[:9], seed=1, settings=settings, theta_cut=-0.5)
    assert pool.difficulty[before] > 1  # at the (high) ability estimate until the minimum
    for cut in (-0.5, 0.4):
        item = next_item(pool, answered, all_right, seed=1, settings=settings, theta_cut=cut)
        topic_items = np.flatnonzero((pool.topic == pool.topic[item]) & (np.arange(300) >= 10))
        nearest = topic_items[np.argmin(np.abs(pool.difficulty[topic_items] - cut))]
        assert item == nearest  # then at the standard, whatever the answers


def test_selection_is_a_pure_function_of_answers_and_seed():
    pool = make_pool()
    answers = ([3, 40, 7], [True, False, True])
    first = next_item(pool, *answers, seed=42)
    assert all(next_item(pool, *answers, seed=42) == first for _ in range(5))
    assert len({next_item(pool, *answers, seed=seed) for seed in range(40)}) > 1


def test_never_repeats_an_item_and_returns_none_when_the_pool_is_used_up():
    pool = make_pool(items=12)
    administered = []
    for _ in range(12):
        item = next_item(pool, administered, [True] * len(administered), seed=3)
        assert item not in administered
        administered.append(item)
    assert next_item(pool, administered, [True] * 12, seed=3) is None


def test_content_balancing_keeps_the_blueprint_shares():
    pool = make_pool()
    result, administered = take_test(pool, 0.0, 5, CatSettings(min_items=100, max_items=100), 9)
    shares = np.bincount(pool.topic[administered], minlength=3) / len(administered)
    assert shares == pytest.approx(SHARES, abs=0.02)
    assert result.items == 100


def test_items_over_the_exposure_limit_are_set_aside():
    pool = make_pool()
    exposure = np.where(pool.topic == 0, 0.5, 0.0)
    exposure[np.flatnonzero(pool.topic == 0)[:3]] = 0.0  # three fresh items in topic 0
    limited = dataclasses.replace(pool, exposure=exposure)
    picks = {next_item(limited, [], [], seed=seed) for seed in range(30)}
    assert picks <= set(np.flatnonzero(pool.topic == 0)[:3].tolist())


def test_never_stops_before_the_minimum_and_always_by_the_maximum():
    pool = make_pool()
    settings = CatSettings(min_items=20, max_items=40)
    strong, administered = take_test(pool, 3.0, 1, settings, theta_cut=0.0)
    assert strong.finished and strong.verdict == "pass" and strong.items == 20
    assert strong.confidence > 0.95
    at_cut, administered = take_test(pool, 0.0, 2, settings, theta_cut=0.0)
    assert at_cut.items <= 40
    early = outcome(pool, administered[:19], [True] * 19, 0.0, settings)
    assert not early.finished and early.verdict is None


def test_all_wrong_fails_with_confidence_and_undecided_leans():
    pool = make_pool()
    settings = CatSettings(min_items=20, max_items=40)
    items = list(range(20))
    failing = outcome(pool, items, [False] * 20, 0.0, settings)
    assert failing.verdict == "fail" and failing.leaning == "fail"
    assert failing.confidence > 0.975
    mixed = outcome(
        pool,
        items,
        [True, False] * 10,
        float(np.mean(pool.difficulty[items])) + 0.05,
        settings,
        out_of_time=True,
    )
    assert mixed.finished and mixed.verdict == "undecided"
    assert 0.5 <= mixed.confidence < 0.975


def test_passing_theta_gives_the_passing_mark_on_the_pool():
    pool = make_pool()
    theta_cut = passing_theta(pool, 70)
    by_topic = [
        probability(theta_cut, pool.difficulty[pool.topic == topic]).mean() for topic in range(3)
    ]
    assert np.dot(SHARES, by_topic) == pytest.approx(0.70, abs=1e-6)
    assert passing_theta(pool, 80) > theta_cut


def test_expected_percent_rises_with_ability_and_meets_the_mark_at_the_cut():
    pool = make_pool()
    assert expected_percent(pool, -2) < expected_percent(pool, 0) < expected_percent(pool, 2)
    assert expected_percent(pool, passing_theta(pool, 65)) == pytest.approx(65)
