"""Classical item analysis: facility, discrimination, option use, flags, reliability.

Pure functions over plain numbers. Each statistic is computed from additive sums (counts, sums
and sums of squares), so sums kept up to date as attempts finish, or added up over a class's
students, give exactly what the responses themselves would. An item counts as correct when it
earned the full point; an examinee's total is the percent on the whole attempt.

Totals are summed as whole numbers (hundredths of a percent, ten-thousandths of a point), so
the sums are exact whatever their order, and "all totals equal" is an exact test.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

MIN_RESPONSES_TO_JUDGE = 20
NEAR_ZERO_DISCRIMINATION = 0.10
TOO_EASY = 0.95
TOO_HARD = 0.20
#: Options of the largest choice question (multiple response allows 10).
MAX_OPTIONS = 10
#: Types whose responses are option indexes, counted per option.
CHOICE_TYPES = frozenset({"single_best", "multiple_response"})
#: Percents are stored rounded to hundredths: summed as whole hundredths.
PERCENT_SCALE = 100
#: Points (sums of partial credits) are summed as whole ten-thousandths of a point.
POINTS_SCALE = 10_000


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def population_sd(values: Sequence[float]) -> float:
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def scaled(value: float | None, scale: int) -> int:
    """A total as a whole number of 1/scale units (None counts as 0)."""
    return round((value or 0.0) * scale)


@dataclass(frozen=True)
class ItemSums:
    """Sufficient statistics of one question version's responses; add them with `+`."""

    responses: int = 0
    #: Responses that earned the full point.
    correct: int = 0
    blank: int = 0
    #: Σ total, Σ total², Σ total over correct responses; totals in 1/PERCENT_SCALE units.
    total: int = 0
    total_sq: int = 0
    correct_total: int = 0
    #: How often each option index was chosen (choice types only).
    options: tuple[int, ...] = (0,) * MAX_OPTIONS

    def __add__(self, other: "ItemSums") -> "ItemSums":
        return ItemSums(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)[:-1]),
            options=tuple(a + b for a, b in zip(self.options, other.options, strict=True)),
        )


def response_sums(score: float | None, percent: float | None, response: Any, *, choice: bool):
    """The ItemSums of one response: its score, the attempt's percent and the raw response
    (an option index or a list of them when `choice`, counted per option).

    :return: ItemSums with responses == 1.
    """
    correct = 1 if (score or 0.0) >= 1.0 else 0
    total = scaled(percent, PERCENT_SCALE)
    options = [0] * MAX_OPTIONS
    if choice:
        chosen = response if isinstance(response, list) else [response]
        for index in chosen:
            if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < MAX_OPTIONS:
                options[index] += 1
    return ItemSums(
        responses=1,
        correct=correct,
        blank=1 if response is None else 0,
        total=total,
        total_sq=total * total,
        correct_total=correct * total,
        options=tuple(options),
    )


@dataclass(frozen=True)
class TotalSums:
    """Count, Σ x and Σ x² of whole-number totals; add them with `+`."""

    count: int = 0
    total: int = 0
    total_sq: int = 0

    def __add__(self, other: "TotalSums") -> "TotalSums":
        return TotalSums(
            self.count + other.count, self.total + other.total, self.total_sq + other.total_sq
        )

    def variance_numerator(self) -> int:
        """n² times the population variance, exact (zero exactly when all totals are equal)."""
        return self.count * self.total_sq - self.total * self.total


def point_biserial(sums: ItemSums) -> float | None:
    """r_pb = (M1 - M0) / s * sqrt(p * q), with s the population SD of the totals.

    None when it is undefined: everyone right, everyone wrong, or all totals equal.
    """
    n, right = sums.responses, sums.correct
    spread = TotalSums(n, sums.total, sums.total_sq).variance_numerator()
    if right in (0, n) or spread == 0:
        return None
    p = right / n
    s = math.sqrt(spread) / n
    m1 = sums.correct_total / right
    m0 = (sums.total - sums.correct_total) / (n - right)
    return (m1 - m0) / s * math.sqrt(p * (1 - p))


@dataclass
class ItemStats:
    responses: int
    facility: float
    point_biserial: float | None
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


def analyse_item(sums: ItemSums, *, min_responses: int = MIN_RESPONSES_TO_JUDGE) -> ItemStats:
    """Statistics of one question version from the sums of its responses (at least one)."""
    stats = ItemStats(
        responses=sums.responses,
        facility=sums.correct / sums.responses,
        point_biserial=point_biserial(sums),
        option_counts=Counter({i: c for i, c in enumerate(sums.options) if c}),
        blank=sums.blank,
    )
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


def kr21(sums: TotalSums, k: int, *, scale: int = POINTS_SCALE) -> float | None:
    """KR-21 from the sums of the number-correct totals (in 1/scale points) of a k-item test.

    Used when examinees saw different questions drawn from the same blueprint, so no common
    item matrix exists: it assumes items of equal difficulty and so underestimates KR-20.
    """
    spread = sums.variance_numerator()
    if sums.count < 2 or k < 2 or spread == 0:
        return None
    m = sums.total / (sums.count * scale)
    variance = spread / (sums.count * scale) ** 2
    return k / (k - 1) * (1 - m * (k - m) / (k * variance))


def standard_error_of_measurement(
    sums: TotalSums, reliability: float | None, *, scale: int = POINTS_SCALE
) -> float | None:
    """SEM = SD of the totals * sqrt(1 - reliability), in points."""
    if reliability is None or sums.count < 2:
        return None
    sd = math.sqrt(sums.variance_numerator()) / (sums.count * scale)
    return sd * math.sqrt(max(0.0, 1 - reliability))
