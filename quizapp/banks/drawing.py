"""Draw the questions of a test from a blueprint: pure, seeded, honouring each section's count
and the enemy groups (no test holds two questions of one group)."""

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from quizapp.banks.loader import BlueprintSection

#: Question id -> the enemy groups it belongs to (scoped keys, see banks.services.enemy_groups).
EnemyGroups = Mapping[int, Collection[str]]


@dataclass(frozen=True)
class Shortfall:
    section: BlueprintSection
    available: int
    #: The section has enough questions, but its enemy groups leave only `available` of them
    #: that may appear together.
    by_groups: bool = False

    def __str__(self) -> str:
        where = self.section.bank_slug + (
            f" / {self.section.topic_slug}" if self.section.topic_slug else ""
        )
        if self.by_groups:
            return (
                f"{self.section.title or where} needs {self.section.questions} questions but its "
                f"enemy groups (questions that must not appear together) leave only "
                f"{self.available} that may share a test in {where}"
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


def compatible(
    ordered_ids: Iterable[int], groups: EnemyGroups, *, taken_groups: Collection[str] = ()
) -> list[int]:
    """The ids in their order, leaving out any id whose enemy group an earlier id (or
    `taken_groups`) already holds: keeps the first question of every group.

    The one rule every draw uses; a builder that ranks its candidates (a review session by
    due date, say) passes them best first and gets the best of each group.
    """
    used = set(taken_groups)
    kept = []
    for question_id in ordered_ids:
        its_groups = groups.get(question_id, ())
        if used.isdisjoint(its_groups):
            kept.append(question_id)
            used.update(its_groups)
    return kept


#: Draws tried before a test is declared impossible because of its enemy groups: an early
#: section may take the groups a later section needs, and another random order fixes that.
GROUP_TRIES = 50


def draw_questions(
    sections: Sequence[BlueprintSection],
    pools: Sequence[Sequence[int]],
    *,
    seed: int,
    groups: EnemyGroups | None = None,
) -> list[int]:
    """Pick each section's number of questions at random from its pool, with no repeats and
    never two questions of one enemy group.

    :param pools: the ids of the questions each section may use, in the order of `sections`.
    :param seed: the same seed always gives the same test.
    :param groups: the enemy groups of the pools' questions (missing ids belong to none).
    :raises NotEnoughQuestionsError: naming every section that has too few questions.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible draws; the seed is chosen server-side)
    for _ in range(GROUP_TRIES):
        chosen, shortfalls = _draw_once(sections, pools, rng, groups or {})
        if not shortfalls:
            return chosen
        if not all(s.by_groups for s in shortfalls):
            break
    raise NotEnoughQuestionsError(shortfalls)


def _draw_once(sections, pools, rng: random.Random, groups: EnemyGroups):
    chosen: list[int] = []
    taken: set[int] = set()
    taken_groups: set[str] = set()
    shortfalls = []
    for section, pool in zip(sections, pools, strict=True):
        available = sorted(set(pool) - taken)
        if len(available) < section.questions:
            shortfalls.append(Shortfall(section, len(available)))
            continue
        if any(groups.get(q) for q in available):
            order = rng.sample(available, len(available))
            allowed = compatible(order, groups, taken_groups=taken_groups)
            if len(allowed) < section.questions:
                shortfalls.append(Shortfall(section, len(allowed), by_groups=True))
                continue
            picked = allowed[: section.questions]
        else:
            picked = rng.sample(available, section.questions)
        chosen.extend(picked)
        taken.update(picked)
        for question_id in picked:
            taken_groups.update(groups.get(question_id, ()))
    return chosen, shortfalls
