"""Draw the questions of a test from a blueprint: pure, seeded, honouring each section's count."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from quizapp.banks.loader import BlueprintSection


@dataclass(frozen=True)
class Shortfall:
    section: BlueprintSection
    available: int

    def __str__(self) -> str:
        where = self.section.bank_slug + (
            f" / {self.section.topic_slug}" if self.section.topic_slug else ""
        )
        return (
            f"{self.section.title or where} needs {self.section.questions} questions "
            f"but only {self.available} are available in {where}"
        )


class NotEnoughQuestionsError(ValueError):
    """One or more sections of a blueprint cannot be filled."""

    def __init__(self, shortfalls: list[Shortfall]):
        self.shortfalls = shortfalls
        super().__init__(
            "This test cannot be drawn: " + "; ".join(str(s) for s in shortfalls) + "."
        )


def draw_questions(
    sections: Sequence[BlueprintSection], pools: Sequence[Sequence[int]], *, seed: int
) -> list[int]:
    """Pick each section's number of questions at random from its pool, with no repeats.

    :param pools: the ids of the questions each section may use, in the order of `sections`.
    :param seed: the same seed always gives the same test.
    :raises NotEnoughQuestionsError: naming every section that has too few questions.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible draws; the seed is chosen server-side)
    chosen: list[int] = []
    taken: set[int] = set()
    shortfalls = []
    for section, pool in zip(sections, pools, strict=True):
        available = sorted(set(pool) - taken)
        if len(available) < section.questions:
            shortfalls.append(Shortfall(section, len(available)))
            continue
        picked = rng.sample(available, section.questions)
        chosen.extend(picked)
        taken.update(picked)
    if shortfalls:
        raise NotEnoughQuestionsError(shortfalls)
    return chosen
