"""Enemy groups in every draw: property-style checks over many seeded draws."""

import dataclasses
import random
from collections import Counter

import numpy as np
import pytest

from quizapp.banks.drawing import NotEnoughQuestionsError, compatible, draw_questions
from quizapp.banks.loader import BlueprintSection
from quizapp.scoring.cat import CatSettings, enemy_indices, next_item
from tests.unit.test_cat import make_pool

SECTIONS = [
    BlueprintSection("clinical", "clinical", 20, "Clinical"),
    BlueprintSection("terms", None, 8, "Terminology"),
    BlueprintSection("law", None, 8, "Law"),
]
POOLS = [list(range(100, 160)), list(range(200, 224)), list(range(300, 324))]


def random_groups(rng: random.Random) -> dict[int, frozenset[str]]:
    """Pairs and triples, many across sections, some questions in two groups."""
    ids = [q for pool in POOLS for q in pool]
    groups: dict[int, set[str]] = {}
    for number in range(25):
        for question_id in rng.sample(ids, rng.choice([2, 2, 3])):
            groups.setdefault(question_id, set()).add(f"shipped:g{number}")
    return {q: frozenset(g) for q, g in groups.items()}


def assert_no_two_of_a_group(drawn, groups):
    held = Counter(group for q in drawn for group in groups.get(q, ()))
    assert not [g for g, n in held.items() if n > 1], held


@pytest.mark.parametrize("world", range(20))
def test_no_blueprint_draw_ever_holds_two_of_a_group_and_sections_still_fill(world):
    groups = random_groups(random.Random(world))
    for seed in range(50):
        drawn = draw_questions(SECTIONS, POOLS, seed=seed, groups=groups)
        assert len(drawn) == len(set(drawn)) == 36
        assert Counter(q // 100 for q in drawn) == {1: 20, 2: 8, 3: 8}
        assert_no_two_of_a_group(drawn, groups)


def test_every_member_of_a_group_gets_drawn_sometimes():
    groups = {100: frozenset({"shipped:g"}), 101: frozenset({"shipped:g"})}
    sections = [BlueprintSection("b", None, 3)]
    seen = Counter()
    for seed in range(200):
        drawn = draw_questions(sections, [[100, 101, 102, 103]], seed=seed, groups=groups)
        assert not {100, 101} <= set(drawn)
        seen.update(drawn)
    assert seen[100] > 40 and seen[101] > 40


def test_a_section_the_groups_make_impossible_is_named():
    groups = {q: frozenset({"shipped:all"}) for q in range(1, 5)}
    with pytest.raises(NotEnoughQuestionsError) as excinfo:
        draw_questions(
            [BlueprintSection("b", None, 3, "Part A")], [[1, 2, 3, 4, 5]], seed=1, groups=groups
        )
    message = str(excinfo.value)
    assert "Part A needs 3 questions" in message and "leave only 2" in message
    assert excinfo.value.shortfalls[0].by_groups


def test_draws_without_groups_are_unchanged():
    plain = draw_questions(SECTIONS, POOLS, seed=9)
    assert draw_questions(SECTIONS, POOLS, seed=9, groups={}) == plain


def test_compatible_keeps_the_best_ranked_of_each_group():
    groups = {1: {"g"}, 2: {"g", "h"}, 3: {"h"}, 4: {"k"}}
    assert compatible([2, 1, 3, 4, 5], groups) == [2, 4, 5]
    assert compatible([1, 3, 2, 4], groups) == [1, 3, 4]
    assert compatible([1, 4, 5], groups, taken_groups={"k"}) == [1, 5]


def test_enemy_indices_link_every_member_of_a_group():
    assert enemy_indices([{"a"}, set(), {"a", "b"}, {"b"}, {"c"}]) == {
        0: (2,),
        2: (0, 3),
        3: (2,),
    }


@pytest.mark.parametrize("world", range(5))
def test_the_adaptive_check_never_chooses_an_enemy_of_an_item_already_asked(world):
    rng = random.Random(world)
    base = make_pool(items=200, seed=world)
    groups = [set() for _ in range(200)]
    for number in range(60):
        for index in rng.sample(range(200), 2):
            groups[index].add(f"g{number}")
    pool = dataclasses.replace(base, enemies=enemy_indices(groups))
    settings = CatSettings(min_items=20, max_items=120)
    answers = np.random.default_rng(world)
    for seed in range(10):
        administered, correct = [], []
        while len(administered) < 120:
            item = next_item(pool, administered, correct, seed, settings)
            if item is None:
                break
            assert item not in administered
            assert not set(pool.enemies.get(item, ())) & set(administered)
            administered.append(item)
            correct.append(bool(answers.random() < 0.6))
        assert len(administered) == 120
