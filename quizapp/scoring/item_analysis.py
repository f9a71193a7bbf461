"""Classical item analysis: facility, discrimination, option use, flags, reliability.

Pure functions over plain numbers. An item's responses come as (item score, examinee total)
pairs; an item counts as correct when it earned the full point. Totals are the examinee's
percent on the whole attempt.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

UPPER_LOWER_FRACTION = 0.27
MIN_RESPONSES_TO_JUDGE = 20
NEAR_ZERO_DISCRIMINATION = 0.10
TOO_EASY = 0.95
TOO_HARD = 0.20


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def population_sd(values: Sequence[float]) -> float:
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def facility(correct: Sequence[int]) -> float:
    """Proportion of examinees who answered the item correctly (the p value)."""
    return mean(correct)


def point_biserial(correct: Sequence[int], totals: Sequence[float]) -> float | None:
    """r_pb = (M1 - M0) / s * sqrt(p * q), with s the population SD of the totals.

    None when it is undefined: everyone right, everyone wrong, or all totals equal.
    """
    p = facility(correct)
    s = population_sd(totals)
    if p in (0.0, 1.0) or s == 0:
        return None
    right = [t for c, t in zip(correct, totals, strict=True) if c]
    wrong = [t for c, t in zip(correct, totals, strict=True) if not c]
    return (mean(right) - mean(wrong)) / s * math.sqrt(p * (1 - p))


def upper_lower_index(correct: Sequence[int], totals: Sequence[float]) -> float | None:
    """D = p(upper 27%) - p(lower 27%), groups formed by total score (at least one each)."""
    n = len(correct)
    if n < 2:
        return None
    size = max(1, round(UPPER_LOWER_FRACTION * n))
    ranked = sorted(zip(totals, correct, strict=True), key=lambda pair: pair[0])
    lower = [c for _, c in ranked[:size]]
    upper = [c for _, c in ranked[-size:]]
    return mean(upper) - mean(lower)


@dataclass
class ItemStats:
    responses: int
    facility: float
    point_biserial: float | None
    upper_lower: float | None
    #: How many chose each option index (choice types only), and how many left it blank.
    option_counts: Counter = field(default_factory=Counter)
    blank: int = 0
    flags: list[str] = field(default_factory=list)


def item_flags(stats: ItemStats, *, min_responses: int = MIN_RESPONSES_TO_JUDGE) -> list[str]:
    """Why an item looks broken; nothing is judged below `min_responses` responses."""
    if stats.responses < min_responses:
        return []
    flags = []
    r = stats.point_biserial
    if r is not None and r < 0:
        flags.append("negative discrimination")
    elif r is None or r < NEAR_ZERO_DISCRIMINATION:
        flags.append("near-zero discrimination")
    if stats.facility > TOO_EASY:
        flags.append("too easy")
    if stats.facility < TOO_HARD:
        flags.append("too hard")
    return flags


def analyse_item(
    scores: Sequence[float],
    totals: Sequence[float],
    responses: Iterable | None = None,
    *,
    min_responses: int = MIN_RESPONSES_TO_JUDGE,
) -> ItemStats:
    """Statistics of one question version from its scores and the examinees' totals.

    :param responses: the raw responses (option index, list of indexes or None) to count
        how often each option was chosen; omit for types without options.
    """
    correct = [1 if s >= 1.0 else 0 for s in scores]
    stats = ItemStats(
        responses=len(correct),
        facility=facility(correct),
        point_biserial=point_biserial(correct, totals),
        upper_lower=upper_lower_index(correct, totals),
    )
    for response in responses or ():
        if response is None:
            stats.blank += 1
        elif isinstance(response, list):
            stats.option_counts.update(response)
        elif isinstance(response, int) and not isinstance(response, bool):
            stats.option_counts[response] += 1
    stats.flags = item_flags(stats, min_responses=min_responses)
    return stats


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha for examinees (rows) by items (columns); KR-20 when items are 0/1.

    alpha = k / (k - 1) * (1 - sum of item variances / variance of totals), population variances.
    """
    if len(matrix) < 2 or len(matrix[0]) < 2:
        return None
    k = len(matrix[0])
    item_variance = sum(population_sd([row[i] for row in matrix]) ** 2 for i in range(k))
    totals = [sum(row) for row in matrix]
    total_variance = population_sd(totals) ** 2
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - item_variance / total_variance)


def kr21(totals: Sequence[float], k: int) -> float | None:
    """KR-21 from the number-correct totals of a k-item test.

    Used when examinees saw different questions drawn from the same blueprint, so no common
    item matrix exists: it assumes items of equal difficulty and so underestimates KR-20.
    """
    if len(totals) < 2 or k < 2:
        return None
    m = mean(totals)
    variance = population_sd(totals) ** 2
    if variance == 0:
        return None
    return k / (k - 1) * (1 - m * (k - m) / (k * variance))


def standard_error_of_measurement(
    totals: Sequence[float], reliability: float | None
) -> float | None:
    """SEM = SD of the totals * sqrt(1 - reliability)."""
    if reliability is None or len(totals) < 2:
        return None
    return population_sd(totals) * math.sqrt(max(0.0, 1 - reliability))
