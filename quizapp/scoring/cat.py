"""Adaptive readiness check (computerized adaptive testing). Pure numpy/scipy.

Every choice is a pure function of the calibrated pool, the answers so far and a seed, so a
double submit or a second tab asks for the next item again and gets the same one.

- Selection: the unused item with the most Fisher information at the current ability (for a
  Rasch item, the one the student has about a 50 % chance of answering right), from the topic
  furthest behind its share of the blueprint (content balancing, Kingsbury & Zara 1989), picked
  at random among the `randomesque` best (also Kingsbury & Zara); items already shown in more than
  `max_exposure` of recent checks are set aside while the topic has others (restricted maximum
  information, Revuelta & Ponsoda 1998). Randomesque alone is not enough: students near the
  passing standard take long tests that sweep the items nearest to it in the same order.
  Past the minimum length the information is taken at the passing standard instead of the
  ability estimate (Spray & Reckase 1994): the test goes on only while the interval holds the
  standard, and which side the student is on is all that is left to settle.
- Enemies: an item that shares an enemy group with an item already asked is never chosen.
- Stopping (NCLEX's rules): never before `min_items`; then as soon as the 95 % interval of the
  ability lies wholly above or below the passing standard θ_cut; at `max_items` the test ends
  undecided, leaning to the side of the ability estimate.
"""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtri

from quizapp.scoring.irt import estimate_ability, information, probability


@dataclass(frozen=True)
class CatSettings:
    """Blueprint settings. For a 200-question MA exam: at least 60 items (30 % of the form,
    enough to cover every topic several times and keep one unlucky streak from deciding), at
    most 150 (NCLEX's maximum; ¾ of the fixed form), 95 % confidence as NCLEX."""

    min_items: int = 60
    max_items: int = 150
    confidence: float = 0.95
    randomesque: int = 5
    #: Items shown in more than this share of adaptive checks are set aside while others are
    #: left (the "restricted" method, Revuelta & Ponsoda 1998).
    max_exposure: float = 0.2


@dataclass(frozen=True)
class Pool:
    """Calibrated items a blueprint may draw; `topic[i]` indexes `topic_share`."""

    difficulty: np.ndarray
    discrimination: np.ndarray
    topic: np.ndarray
    #: The blueprint's share of each topic (sums to 1).
    topic_share: np.ndarray
    population_sd: float = 1.0
    #: Share of recent adaptive checks that showed each item (None: not counted yet).
    exposure: np.ndarray | None = None
    #: Item index -> indices of the items it must never share a check with (its enemy
    #: groups); items without enemies are left out.
    enemies: Mapping[int, Sequence[int]] = field(default_factory=dict)


def enemy_indices(groups: Sequence[Collection[str]]) -> dict[int, tuple[int, ...]]:
    """Per item (given each item's enemy groups), the other items sharing a group with it."""
    members: dict[str, list[int]] = {}
    for index, item_groups in enumerate(groups):
        for group in item_groups:
            members.setdefault(group, []).append(index)
    enemies: dict[int, set[int]] = {}
    for indices in members.values():
        for index in indices:
            enemies.setdefault(index, set()).update(i for i in indices if i != index)
    return {index: tuple(sorted(others)) for index, others in enemies.items() if others}


@dataclass(frozen=True)
class Outcome:
    finished: bool
    #: "pass", "fail" or "undecided" once finished, else None.
    verdict: str | None
    #: The side an undecided test leans to: "pass" or "fail".
    leaning: str
    #: Posterior probability that the ability is on the verdict's (or leaning's) side.
    confidence: float
    theta: float
    se: float
    items: int


def expected_percent(pool: Pool, theta: float) -> float:
    """Expected percent right over the pool at ability theta, each topic weighted by its share:
    the readable scale for an ability ("you answer like someone who scores 74 %")."""
    p = probability(theta, pool.difficulty, pool.discrimination)
    by_topic = np.bincount(pool.topic, weights=p, minlength=len(pool.topic_share))
    counts = np.bincount(pool.topic, minlength=len(pool.topic_share))
    shares = pool.topic_share * (counts > 0)
    return float(100 * np.sum(shares * by_topic / np.maximum(counts, 1)) / shares.sum())


def passing_theta(pool: Pool, passing_percent: float) -> float:
    """θ_cut: the ability whose expected percent right over the pool equals the passing mark."""
    return brentq(lambda theta: expected_percent(pool, theta) - passing_percent, -10.0, 10.0)


def _rng(seed: int, position: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{position}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _ability(pool: Pool, administered: Sequence[int], correct: Sequence[bool]):
    index = np.asarray(administered, dtype=np.int64)
    return estimate_ability(
        pool.difficulty[index],
        pool.discrimination[index],
        correct,
        prior_sd=pool.population_sd,
    )


def next_item(
    pool: Pool,
    administered: Sequence[int],
    correct: Sequence[bool],
    seed: int,
    settings: CatSettings = CatSettings(),
    *,
    theta_cut: float | None = None,
) -> int | None:
    """Index of the next item to ask, or None when the pool is used up. An enemy of an item
    already asked counts as used: it is never chosen.

    With `theta_cut`, items past the minimum length are chosen for their information at the
    passing standard rather than at the ability estimate: only a student whose interval still
    holds the standard goes on, and what is left to settle is the side of it.
    """
    rng = _rng(seed, len(administered))
    used = np.zeros(len(pool.difficulty), dtype=bool)
    used[np.asarray(administered, dtype=np.int64)] = True
    for index in administered:
        used[list(pool.enemies.get(index, ()))] = True
    if used.all():
        return None
    if theta_cut is not None and len(administered) >= settings.min_items:
        theta = theta_cut
    else:
        theta = _ability(pool, administered, correct).theta
    given = np.bincount(
        pool.topic[np.asarray(administered, dtype=np.int64)], minlength=len(pool.topic_share)
    )
    available = np.bincount(pool.topic[~used], minlength=len(pool.topic_share)) > 0
    deficit = pool.topic_share * (len(administered) + 1) - given
    deficit = np.where(available, deficit + rng.random(len(deficit)) * 1e-9, -np.inf)
    topic = int(np.argmax(deficit))
    candidates = np.flatnonzero((pool.topic == topic) & ~used)
    if pool.exposure is not None:
        fresh = candidates[pool.exposure[candidates] < settings.max_exposure]
        candidates = fresh if fresh.size else candidates
    info = information(theta, pool.difficulty[candidates], pool.discrimination[candidates])
    best = candidates[np.argsort(-info, kind="stable")[: settings.randomesque]]
    return int(rng.choice(best))


def outcome(
    pool: Pool,
    administered: Sequence[int],
    correct: Sequence[bool],
    theta_cut: float,
    settings: CatSettings = CatSettings(),
    *,
    out_of_time: bool = False,
) -> Outcome:
    """Whether the test stops after these answers, and its verdict."""
    ability = _ability(pool, administered, correct)
    count = len(administered)
    z = float(ndtri(0.5 + settings.confidence / 2))
    above = ability.theta - z * ability.se > theta_cut
    below = ability.theta + z * ability.se < theta_cut
    p_above = ability.probability_above(theta_cut)
    leaning = "pass" if ability.theta >= theta_cut else "fail"
    confidence = p_above if leaning == "pass" else 1 - p_above
    decided = count >= settings.min_items and (above or below)
    exhausted = count >= min(settings.max_items, len(pool.difficulty))
    finished = decided or exhausted or out_of_time
    verdict = None
    if finished:
        verdict = leaning if decided else "undecided"
    return Outcome(finished, verdict, leaning, confidence, ability.theta, ability.se, count)
