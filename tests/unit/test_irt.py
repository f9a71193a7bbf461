"""IRT calibration and ability estimation on simulated data with known parameters."""

import dataclasses

import numpy as np
import pytest

from quizapp.scoring.irt import (
    DEFAULT_PRIORS,
    RECENCY_WINDOW,
    THETA_GRID,
    calibrate,
    estimate_ability,
    information,
    probability,
    recency_weights,
)


def simulate(seed, items=200, students=600, per_student=40, discrimination=None):
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, 1, items)
    a = np.ones(items) if discrimination is None else discrimination
    labels = np.where(difficulty < -0.43, "easy", np.where(difficulty > 0.43, "hard", "medium"))
    ability = rng.normal(0, 1, students)
    item = np.concatenate([rng.choice(items, per_student, replace=False) for _ in range(students)])
    student = np.repeat(np.arange(students), per_student)
    correct = rng.random(item.size) < probability(ability[student], difficulty[item], a[item])
    return difficulty, labels, student, item, correct


def test_probability_and_information_at_the_difficulty():
    assert probability(1.0, 1.0) == pytest.approx(0.5)
    assert information(1.0, 1.0) == pytest.approx(0.25)
    assert information(1.0, 1.0, 2.0) == pytest.approx(1.0)
    assert probability(3.0, 0.0) > probability(2.0, 0.0)


def test_calibration_recovers_simulated_difficulties():
    difficulty, labels, student, item, correct = simulate(seed=1)
    fit = calibrate(student, item, correct, labels)
    assert fit.converged
    assert np.corrcoef(difficulty, fit.difficulty)[0, 1] > 0.95
    assert abs(np.mean(fit.difficulty - difficulty)) < 0.1
    assert fit.population_sd == pytest.approx(1.0, abs=0.15)
    assert np.all(fit.difficulty_se > 0) and np.all(fit.difficulty_se < 0.6)
    assert fit.responses.sum() == item.size
    # Too few responses per item for 2PL: every discrimination is the Rasch 1.
    assert np.all(fit.discrimination == 1.0) and np.all(np.isnan(fit.discrimination_se))


def test_items_without_responses_sit_at_their_labels_prior():
    labels = ["easy", "medium", "hard", "hard"]
    fit = calibrate([1, 1, 2, 2], [0, 1, 0, 1], [True, True, True, False], labels)
    assert fit.responses.tolist() == [2, 2, 0, 0]
    hard_mean, hard_sd = fit.priors["hard"]
    assert fit.difficulty[2] == fit.difficulty[3] == pytest.approx(hard_mean)
    assert fit.difficulty_se[2] == pytest.approx(hard_sd)
    # Two answers move an item little from its prior.
    assert fit.difficulty[0] == pytest.approx(DEFAULT_PRIORS["easy"][0], abs=0.6)


def test_no_responses_give_the_default_priors_and_any_student_ids_work():
    empty = calibrate([], [], [], ["easy", "hard"])
    assert empty.difficulty.tolist() == [DEFAULT_PRIORS["easy"][0], DEFAULT_PRIORS["hard"][0]]
    assert empty.responses.tolist() == [0, 0]
    by_name = calibrate(["ann", "bob", "ann"], [0, 0, 1], [True, False, True], ["easy", "hard"])
    by_number = calibrate([7, 9, 7], [0, 0, 1], [True, False, True], ["easy", "hard"])
    assert by_name.difficulty == pytest.approx(by_number.difficulty)


def test_data_pull_an_item_away_from_its_prior():
    rng = np.random.default_rng(5)
    students = np.arange(2000)
    ability = rng.normal(0, 1, students.size)
    # Item 0 is labelled easy but is truly hard; item 1 anchors the scale.
    correct0 = rng.random(students.size) < probability(ability, 1.5)
    correct1 = rng.random(students.size) < probability(ability, 0.0)
    fit = calibrate(
        np.concatenate([students, students]),
        np.repeat([0, 1], students.size),
        np.concatenate([correct0, correct1]),
        ["easy", "medium"],
    )
    assert fit.difficulty[0] == pytest.approx(1.5, abs=0.25)
    assert fit.difficulty_se[0] < 0.1


def test_discrimination_estimated_only_with_enough_responses():
    discrimination = np.array([0.5, 2.0] * 10)
    _, labels, student, item, correct = simulate(
        seed=3, items=20, students=1500, per_student=10, discrimination=discrimination
    )
    fit = calibrate(student, item, correct, labels, min_responses_2pl=300)
    assert np.all(fit.responses >= 300)
    low, high = fit.discrimination[::2], fit.discrimination[1::2]
    assert np.mean(low) == pytest.approx(0.5, abs=0.2)
    assert np.mean(high) == pytest.approx(2.0, abs=0.5)
    assert np.all(np.isfinite(fit.discrimination_se))


def test_warm_start_converges_in_few_iterations_to_the_same_answer():
    _, labels, student, item, correct = simulate(seed=4)
    cold = calibrate(student, item, correct, labels)
    warm = calibrate(student, item, correct, labels, start=cold)
    assert warm.iterations < cold.iterations / 3
    assert np.max(np.abs(warm.difficulty - cold.difficulty)) < 0.02


def test_warm_start_takes_new_items_as_nan():
    _, labels, student, item, correct = simulate(seed=6)
    cold = calibrate(student, item, correct, labels)
    known = cold.difficulty.copy()
    known[:5] = np.nan
    start = dataclasses.replace(cold, difficulty=known)
    warm = calibrate(student, item, correct, labels, start=start)
    assert np.max(np.abs(warm.difficulty - cold.difficulty)) < 0.02
    with pytest.raises(ValueError, match="same items"):
        shorter = dataclasses.replace(cold, difficulty=cold.difficulty[:-1])
        calibrate(student, item, correct, labels, start=shorter)


def test_ability_all_right_and_all_wrong_stay_finite_and_ordered():
    difficulty = np.zeros(40)
    all_right = estimate_ability(difficulty, 1.0, [True] * 40)
    all_wrong = estimate_ability(difficulty, 1.0, [False] * 40)
    half = estimate_ability(difficulty, 1.0, [True, False] * 20)
    assert all_wrong.theta < -1.5 < half.theta < 1.5 < all_right.theta
    assert np.isfinite(all_right.se) and all_right.se > half.se
    assert half.theta == pytest.approx(0.0, abs=1e-9)
    assert all_right.posterior.sum() == pytest.approx(1.0)
    assert THETA_GRID.min() < all_wrong.quantile(0.025) < all_right.quantile(0.975)


def test_ability_recovers_a_known_ability_with_a_shrinking_se():
    rng = np.random.default_rng(7)
    difficulty = rng.normal(0, 1, 400)
    correct = rng.random(400) < probability(0.8, difficulty)
    few = estimate_ability(difficulty[:40], 1.0, correct[:40])
    many = estimate_ability(difficulty, 1.0, correct)
    assert many.theta == pytest.approx(0.8, abs=3 * many.se)
    assert many.se < few.se
    assert many.se == pytest.approx(1 / np.sqrt(np.sum(information(0.8, difficulty))), rel=0.15)


def test_recency_weights_halve_every_half_life():
    assert recency_weights(RECENCY_WINDOW)[0] < 0.01
    weights = recency_weights(301, half_life=150)
    assert weights[-1] == 1.0
    assert weights[-151] == pytest.approx(0.5)
    assert weights[0] == pytest.approx(0.25)
    estimate = estimate_ability(np.zeros(301), 1.0, [True] * 301, weights=weights)
    assert estimate.effective_answers == pytest.approx(weights.sum())
