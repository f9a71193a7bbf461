"""Readiness: the probability of reaching a blueprint's passing mark on a fresh form, and
percentile ranks. Pure numpy/scipy; `docs/readiness.md` explains the model.

A fresh form draws `count` questions at random from each section's pool. Given an ability θ,
the number right on it has mean Σ count·p̄ and variance (per section)
    count·(p̄ - mean p²) + count·var(p)·(N - count)/(N - 1),
the answer-by-answer (Bernoulli) variance plus the variance from which questions are drawn
(without replacement from N). The pass probability at θ is its normal approximation with a
continuity correction; integrated over the student's posterior for θ it carries the uncertainty
about the student, and its values at the ends of a credible interval of θ give the interval.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from quizapp.scoring.irt import THETA_GRID, Ability, estimate_ability, probability

#: Below this many answers to calibrated questions the readiness is not shown.
MIN_ANSWERS = 30
#: … nor while the ability's standard error is above this (logits).
MAX_ABILITY_SE = 0.6
#: Credible level of the interval around the pass probability.
INTERVAL_LEVEL = 0.90
#: Percentile ranks need at least this many other scores.
MIN_PEERS = 30


@dataclass(frozen=True)
class Section:
    """A section of a blueprint: `count` questions drawn from the pool's calibrated items."""

    count: int
    difficulty: np.ndarray
    discrimination: np.ndarray | float = 1.0


@dataclass(frozen=True)
class Readiness:
    probability: float  # of passing a fresh form, averaged over the ability's posterior
    low: float  # the interval: pass probability at the ends of the ability's credible interval
    high: float
    ability: Ability


def passing_count(question_count: int, passing_percent: float) -> int:
    """Fewest right answers whose percent reaches the passing mark."""
    return math.ceil(question_count * passing_percent / 100 - 1e-9)


def number_right_moments(theta: np.ndarray, sections: Sequence[Section]):
    """Mean and variance of the number right on a fresh form, for each ability in `theta`."""
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    mean = np.zeros_like(theta)
    variance = np.zeros_like(theta)
    for section in sections:
        difficulty = np.asarray(section.difficulty, dtype=np.float64)
        discrimination = np.broadcast_to(section.discrimination, difficulty.shape)
        p = probability(theta[:, None], difficulty[None, :], discrimination[None, :])
        pool = difficulty.size
        p_mean, p_sq_mean = p.mean(axis=1), (p**2).mean(axis=1)
        finite = (pool - section.count) / (pool - 1) if pool > 1 else 0.0
        mean += section.count * p_mean
        variance += section.count * (p_mean - p_sq_mean)
        variance += section.count * (p_sq_mean - p_mean**2) * finite
    return mean, variance


def pass_probability_at(
    theta: np.ndarray, sections: Sequence[Section], passing_percent: float
) -> np.ndarray:
    """P(number right ≥ passing count | θ) for each θ (normal approximation)."""
    mean, variance = number_right_moments(theta, sections)
    needed = passing_count(sum(s.count for s in sections), passing_percent)
    return ndtr((mean - (needed - 0.5)) / np.sqrt(np.maximum(variance, 1e-12)))


def has_enough_evidence(ability: Ability) -> bool:
    return ability.answers >= MIN_ANSWERS and ability.se <= MAX_ABILITY_SE


def pass_curve(sections: Sequence[Section], passing_percent: float) -> np.ndarray:
    """P(pass a fresh form | θ) on THETA_GRID: computed once per blueprint and calibration."""
    return pass_probability_at(THETA_GRID, sections, passing_percent)


def readiness(
    difficulty: Sequence[float],
    discrimination: Sequence[float] | float,
    correct: Sequence[bool],
    curve: np.ndarray,
    *,
    weights: Sequence[float] | None = None,
    population_sd: float = 1.0,
) -> Readiness | None:
    """Readiness from a student's answers (oldest first) to calibrated items, given the
    blueprint's `pass_curve`, or None when the evidence is too thin ("not enough answers yet").
    """
    ability = estimate_ability(
        difficulty, discrimination, correct, weights=weights, prior_sd=population_sd
    )
    if not has_enough_evidence(ability):
        return None
    return readiness_from_ability(ability, curve)


def readiness_from_ability(ability: Ability, curve: np.ndarray) -> Readiness:
    tail = (1 - INTERVAL_LEVEL) / 2
    low, high = np.interp([ability.quantile(tail), ability.quantile(1 - tail)], THETA_GRID, curve)
    chance = float(ability.posterior @ curve)
    # Where the curve is steep at one end, the average can fall just outside: widen to hold it.
    return Readiness(chance, min(float(low), chance), max(float(high), chance), ability)


def topic_shortfalls(
    ability: Ability, topic_sections: dict[str, Section], topic_answers: dict[str, tuple]
) -> list[tuple[str, float]]:
    """Topics ordered by the right answers a fresh form would gain if the student did as well
    in the topic as in the rest, most first: [(topic, points), ...].

    `topic_answers[topic]` = (difficulty, discrimination, correct) of the student's answers in
    that topic. The student's ability in a topic is estimated with their overall ability as the
    prior (sd 0.5 logit), so a few bad answers move it little.
    """
    gains = []
    for topic, section in topic_sections.items():
        difficulty, discrimination, correct = topic_answers.get(topic, ((), 1.0, ()))
        topic_ability = estimate_ability(
            difficulty, discrimination, correct, prior_mean=ability.theta, prior_sd=0.5
        )
        overall, in_topic = (
            number_right_moments(np.array([value]), [section])[0][0]
            for value in (ability.theta, topic_ability.theta)
        )
        gains.append((topic, float(max(overall - in_topic, 0.0))))
    return sorted(gains, key=lambda gain: -gain[1])


def percentile_rank(score: float, others: Sequence[float]) -> float | None:
    """Percent of the other scores below this one (ties count half), or None with fewer than
    MIN_PEERS others."""
    below = sum(1 for other in others if other < score)
    equal = sum(1 for other in others if other == score)
    return percentile_from_counts(below, equal, len(others))


def percentile_from_counts(below: int, equal: int, others: int) -> float | None:
    """`percentile_rank` from counts of the other scores (below, equal, all), as a database
    counts them; None with fewer than MIN_PEERS others."""
    if others < MIN_PEERS:
        return None
    return 100.0 * (below + 0.5 * equal) / others
