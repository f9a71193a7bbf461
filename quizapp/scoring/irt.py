"""Item calibration and ability estimation with item response theory (Rasch / 2PL).

Pure numpy/scipy: no Flask, no SQLAlchemy. The app loads the responses, calls these functions
and stores what they return; `docs/readiness.md` explains the model.

Calibration is marginal maximum a posteriori by EM (Bock & Aitkin): students' abilities are
integrated out over a normal population (mean 0 by definition of the scale, spread estimated),
so the estimates stay unbiased with few answers per student, where joint estimation is not.
Each item's difficulty has a normal prior from its authored difficulty (easy / medium / hard).
The prior's mean and spread for each label are learned from the bank's own items (empirical
Bayes, held near the defaults by `PRIOR_PSEUDO_ITEMS` imaginary items), so a new question
starts at its label's typical difficulty and its own answers pull it away as they accumulate.
An item with at least `MIN_RESPONSES_FOR_2PL` responses also gets a discrimination
(log-normal prior around 1, their geometric mean held at 1 to fix the scale); the others keep
the Rasch discrimination of 1.

The data enter as two sparse student x item count matrices (right, wrong), so one EM step is
four sparse products with a (items x quadrature nodes) matrix: about 0.1 s for 1,000,000
responses. A previous calibration can be passed as the starting point (incremental nightly runs).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import expit, log_expit

#: Authored difficulty → (mean, sd) of the default prior on the logit difficulty.
#: 0 is the average student of the calibration sample; 1 logit ≈ 20 points of percent correct
#: near the middle of the scale.
DEFAULT_PRIORS = {"easy": (-1.0, 1.0), "medium": (0.0, 1.0), "hard": (1.0, 1.0)}
#: How many imaginary items at the default prior weigh against a label's own items when the
#: label's prior is learned from the bank.
PRIOR_PSEUDO_ITEMS = 5
#: A prior sd never learned narrower than this (keeps the prior from overruling data).
MIN_PRIOR_SD = 0.3
#: Responses an item needs before its discrimination is estimated (2PL). Below a few hundred
#: responses the discrimination's standard error exceeds ~0.2 and mostly adds noise.
MIN_RESPONSES_FOR_2PL = 300
#: Prior on log(discrimination): N(0, 0.5²), i.e. 95 % of discriminations between 0.38 and 2.7.
LOG_DISCRIMINATION_PRIOR_SD = 0.5
#: Quadrature nodes over the population, in population standard deviations.
NODES = np.linspace(-5.0, 5.0, 41)
LOG_NODE_WEIGHTS = -0.5 * NODES**2 - np.log(np.sum(np.exp(-0.5 * NODES**2)))
MAX_STEP = 1.0  # logits per Newton step


def probability(theta, difficulty, discrimination=1.0):
    """P(correct) for ability theta on items (broadcasts)."""
    return expit(np.asarray(discrimination) * (np.asarray(theta) - np.asarray(difficulty)))


def information(theta, difficulty, discrimination=1.0):
    """Fisher information of items at ability theta (broadcasts)."""
    p = probability(theta, difficulty, discrimination)
    return np.asarray(discrimination) ** 2 * p * (1.0 - p)


@dataclass(frozen=True)
class Calibration:
    """Item parameters, one entry per item (index = the caller's item index)."""

    difficulty: np.ndarray
    difficulty_se: np.ndarray
    #: 1.0 where the item is Rasch (fewer than MIN_RESPONSES_FOR_2PL responses).
    discrimination: np.ndarray
    #: NaN where the discrimination was not estimated.
    discrimination_se: np.ndarray
    responses: np.ndarray
    #: Spread of the students' abilities (their mean is 0 by definition).
    population_sd: float
    #: Learned prior per label: {label: (mean, sd)}.
    priors: dict[str, tuple[float, float]]
    iterations: int
    converged: bool


def _count_matrices(students, items, correct, item_count):
    _, student_index = np.unique(np.asarray(students), return_inverse=True)
    items = np.asarray(items, dtype=np.int64)
    correct = np.asarray(correct, dtype=bool)
    shape = (int(student_index.max()) + 1 if len(items) else 0, item_count)
    right = sparse.csr_matrix((correct.astype(np.float64), (student_index, items)), shape=shape)
    wrong = sparse.csr_matrix(((~correct).astype(np.float64), (student_index, items)), shape=shape)
    right.eliminate_zeros()
    wrong.eliminate_zeros()
    return right, wrong


def _learned_priors(labels, difficulty, difficulty_se, answered, defaults):
    priors = {}
    for label, (mean0, sd0) in defaults.items():
        mask = (labels == label) & answered
        n = int(mask.sum())
        b, se = difficulty[mask], difficulty_se[mask]
        mean = (b.sum() + PRIOR_PSEUDO_ITEMS * mean0) / (n + PRIOR_PSEUDO_ITEMS)
        var = (np.sum((b - mean) ** 2 + se**2) + PRIOR_PSEUDO_ITEMS * sd0**2) / (
            n + PRIOR_PSEUDO_ITEMS
        )
        priors[label] = (float(mean), max(float(np.sqrt(var)), MIN_PRIOR_SD))
    return priors


def calibrate(
    students: Sequence,
    items: Sequence[int],
    correct: Sequence[bool],
    labels: Sequence[str],
    *,
    start: Calibration | None = None,
    default_priors: dict[str, tuple[float, float]] = DEFAULT_PRIORS,
    min_responses_2pl: int = MIN_RESPONSES_FOR_2PL,
    max_iterations: int = 200,
    tolerance: float = 1e-3,
) -> Calibration:
    """Calibrate every item from responses (student id, item index, correct).

    `labels[i]` is item i's authored difficulty (a key of `default_priors`); items are numbered
    0..len(labels)-1 and may have no responses (they get their label's prior). A student's id may
    be anything hashable by numpy (ints are fastest). Pass last night's result as `start` to
    converge in a few iterations: it must list the same items in the same order, with NaN
    difficulty and discrimination for items new since (only its difficulty, discrimination,
    population_sd and priors are read).
    """
    labels = np.asarray(labels)
    item_count = len(labels)
    right, wrong = _count_matrices(students, items, correct, item_count)
    total = right + wrong
    right_t, total_t = right.T.tocsr(), total.T.tocsr()
    responses = np.asarray(total.sum(axis=0)).ravel().astype(np.int64)
    answered = responses > 0
    two_pl = responses >= min_responses_2pl

    priors = dict(default_priors) if start is None else dict(start.priors)
    prior_mean = np.array([priors[label][0] for label in labels])
    prior_sd = np.array([priors[label][1] for label in labels])
    if start is None:
        b, log_a, sigma = prior_mean.copy(), np.zeros(item_count), 1.0
    else:
        if len(start.difficulty) != item_count:
            raise ValueError("start must list the same items as labels (NaN for new ones)")
        known_a = np.isfinite(start.discrimination) & two_pl
        b = np.where(np.isfinite(start.difficulty), start.difficulty, prior_mean)
        log_a = np.where(known_a, np.log(np.where(known_a, start.discrimination, 1.0)), 0.0)
        sigma = start.population_sd

    converged, iteration = False, 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported below)
        theta = sigma * NODES
        a = np.exp(log_a)
        logit = a[:, None] * (theta[None, :] - b[:, None])  # items x nodes
        log_post = right @ log_expit(logit) + wrong @ log_expit(-logit) + LOG_NODE_WEIGHTS
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)  # students x nodes
        expected_right = right_t @ post  # items x nodes
        expected_total = total_t @ post
        new_b, new_log_a = b.copy(), log_a.copy()
        for _ in range(2):  # Newton steps of the M-step
            a = np.exp(new_log_a)
            deviation = theta[None, :] - new_b[:, None]
            p = expit(a[:, None] * deviation)
            residual = expected_right - expected_total * p
            weight = expected_total * p * (1 - p)
            grad_b = -a * residual.sum(axis=1) - (new_b - prior_mean) / prior_sd**2
            info_bb = a**2 * weight.sum(axis=1) + 1 / prior_sd**2
            grad_la = a * (residual * deviation).sum(axis=1) - new_log_a / (
                LOG_DISCRIMINATION_PRIOR_SD**2
            )
            info_ll = a**2 * (weight * deviation**2).sum(axis=1) + 1 / (
                LOG_DISCRIMINATION_PRIOR_SD**2
            )
            info_bl = -(a**2) * (weight * deviation).sum(axis=1)
            # Rasch items: one-dimensional step; 2PL items: solve the 2x2 system.
            step_b = grad_b / info_bb
            det = info_bb * info_ll - info_bl**2
            step_b_2pl = (info_ll * grad_b - info_bl * grad_la) / det
            step_la_2pl = (info_bb * grad_la - info_bl * grad_b) / det
            step_b = np.where(two_pl, step_b_2pl, step_b)
            new_b += np.clip(step_b, -MAX_STEP, MAX_STEP)
            new_log_a += np.where(two_pl, np.clip(step_la_2pl, -MAX_STEP / 2, MAX_STEP / 2), 0.0)
        if two_pl.any():
            # The scale: 2PL items discriminate as the Rasch items (1) on geometric average;
            # without this the students' spread and the discriminations trade off freely.
            new_log_a[two_pl] -= new_log_a[two_pl].mean()
        se_b = np.where(two_pl, np.sqrt(info_ll / det), 1 / np.sqrt(info_bb))
        se_log_a = np.where(two_pl, np.sqrt(info_bb / det), np.nan)
        change = np.max(np.abs(np.concatenate([new_b - b, new_log_a - log_a])), initial=0)
        b, log_a = new_b, new_log_a
        priors = _learned_priors(labels, b, se_b, answered, default_priors)
        prior_mean = np.array([priors[label][0] for label in labels])
        prior_sd = np.array([priors[label][1] for label in labels])
        if post.shape[0]:
            sigma = float(np.sqrt(np.mean(post @ theta**2)))
        if change < tolerance:
            converged = True
            break

    # Items without responses sit exactly at their label's (learned) prior.
    b = np.where(answered, b, prior_mean)
    se_b = np.where(answered, se_b, prior_sd)
    a = np.exp(log_a)
    return Calibration(
        difficulty=b,
        difficulty_se=se_b,
        discrimination=a,
        discrimination_se=a * se_log_a,
        responses=responses,
        population_sd=sigma,
        priors=priors,
        iterations=iteration,
        converged=converged,
    )


#: Grid of abilities on which posteriors are computed (logits).
THETA_GRID = np.linspace(-6.0, 6.0, 241)


@dataclass(frozen=True)
class Ability:
    """A posterior for one student's ability on THETA_GRID."""

    theta: float  # posterior mean (EAP)
    se: float  # posterior standard deviation
    answers: int
    #: Σ weights: the number of answers the estimate is worth after recency weighting.
    effective_answers: float
    posterior: np.ndarray  # probabilities on THETA_GRID, summing to 1

    def quantile(self, q: float) -> float:
        cumulative = np.cumsum(self.posterior)
        return float(np.interp(q, cumulative, THETA_GRID))

    def probability_above(self, theta_cut: float) -> float:
        return float(self.posterior[theta_cut < THETA_GRID].sum())


#: Recency weighting: an answer counts half as much once this many newer answers follow it.
RECENCY_HALF_LIFE = 150
#: Answers older than this many newer ones weigh under 1 %: the caller need not load them.
RECENCY_WINDOW = 1_000


def recency_weights(count: int, half_life: float = RECENCY_HALF_LIFE) -> np.ndarray:
    """Weights for `count` answers listed oldest first: 1 for the newest, halving every
    `half_life` answers back."""
    age = np.arange(count - 1, -1, -1, dtype=np.float64)
    return 0.5 ** (age / half_life)


def estimate_ability(
    difficulty: Sequence[float],
    discrimination: Sequence[float] | float,
    correct: Sequence[bool],
    *,
    weights: Sequence[float] | None = None,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
) -> Ability:
    """Expected a posteriori ability from answers to calibrated items, with a normal prior
    (the calibrated population: mean 0, sd `Calibration.population_sd`).

    `weights` multiply each answer's log-likelihood (see `recency_weights`); None = all 1.
    """
    difficulty = np.asarray(difficulty, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    weights = np.ones(len(difficulty)) if weights is None else np.asarray(weights, np.float64)
    a = np.broadcast_to(np.asarray(discrimination, dtype=np.float64), difficulty.shape)
    signed = np.where(correct, 1.0, -1.0)
    logit = a[:, None] * (THETA_GRID[None, :] - difficulty[:, None]) * signed[:, None]
    log_post = weights @ log_expit(logit) - 0.5 * ((THETA_GRID - prior_mean) / prior_sd) ** 2
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    mean = float(post @ THETA_GRID)
    sd = float(np.sqrt(post @ (THETA_GRID - mean) ** 2))
    return Ability(mean, sd, len(difficulty), float(weights.sum()), post)
