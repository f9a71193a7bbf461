"""Ordered response: put items (tubes, steps) in sequence; credit for the longest run in order.

A complete order is stored as the item indexes in the student's order ([2, 0, 1]). An order
left incomplete, or with two items in one position, is stored as the student left it: the
position given to each item, in the items' stored order, None where none was given
({"positions": [2, None, 2]}). Both are graded by one rule: the longest run of items whose
positions rise in the right order, over the number of items. Items without a position, or
sharing one, cannot all be in such a run, so an incomplete order never earns the full point.
"""

from random import Random

from quizapp.numbers import parse_whole_number
from quizapp.scoring.question_types.base import (
    UNANSWERED,
    ContentError,
    InvalidResponseError,
    ItemResult,
    Problem,
    QuestionType,
    _duplicates,
    new_tokens,
    shuffled,
    token_lookup,
)


class Ordering(QuestionType):
    name = "ordering"
    label = "Ordered response"
    instructions = "Give each item its position in the sequence, 1 for the first."
    fields = frozenset({"items"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        items = raw.get("items") or []
        if not 2 <= len(items) <= 10:
            problems.append(Problem("items", f"ordering needs 2 to 10 items, not {len(items)}"))
        for dup in _duplicates(items):
            problems.append(Problem("items", f"item {dup!r} appears twice"))
        if problems:
            raise ContentError(problems)
        return {"items": items}

    def grade(self, content, response):
        if not response:
            return UNANSWERED
        n = len(content["items"])
        positions = _positions(response, n)
        if positions is None:
            return ItemResult(score=0.0, answered=True)  # malformed: nothing to credit
        given = [p for p in positions if p is not None]
        if not given:
            return UNANSWERED
        return ItemResult(score=_longest_increasing_run(given) / n, answered=True)

    def incomplete(self, content, response):
        if isinstance(response, dict):
            return _COMPLETE_IT.format(count=len(content["items"]))
        return None

    def correct_response(self, content):
        return list(range(len(content["items"])))

    def key_text(self, content):
        return " → ".join(content["items"])

    def response_text(self, content, response):
        if not isinstance(response, dict):
            return " → ".join(content["items"][i] for i in response)
        items, positions = content["items"], response["positions"]
        placed = sorted(
            (position, index) for index, position in enumerate(positions) if position is not None
        )
        parts = [f"{position}. {items[index]}" for position, index in placed]
        missing = [items[index] for index, position in enumerate(positions) if position is None]
        if missing:
            parts.append("no position: " + ", ".join(missing))
        return "; ".join(parts)

    def make_layout(self, content, rng: Random):
        count = len(content["items"])
        # Shuffle freely. Refusing to start from the answer gave away two-item questions (they
        # always showed the reverse of the key); for longer lists the chance is small anyway.
        return {"order": shuffled(count, rng), "tokens": new_tokens(count)}

    def present(self, content, layout):
        return {
            "items": [
                (token, content["items"][i])
                for token, i in zip(layout["tokens"], layout["order"], strict=True)
            ],
            "positions": list(range(1, len(content["items"]) + 1)),
        }

    def parse_response(self, content, layout, form):
        count = len(content["items"])
        lookup = token_lookup(layout)
        ranks: dict[int, int] = {}
        for token in layout["tokens"]:
            value = form.get(f"rank-{token}") or ""
            if not value:
                continue
            rank = parse_whole_number(value, maximum=count)
            if rank is None or rank < 1:
                raise InvalidResponseError(f"Positions go from 1 to {count}.")
            ranks[lookup[token]] = rank
        if not ranks:
            return None
        if len(ranks) == count and len(set(ranks.values())) == count:
            return sorted(ranks, key=ranks.__getitem__)
        # Incomplete, or two items in one position: kept as the student left it.
        return {"positions": [ranks.get(index) for index in range(count)]}

    def form_state(self, content, layout, response):
        token_of = {i: t for t, i in token_lookup(layout).items()}
        positions = _positions(response, len(content["items"])) or []
        return {
            f"rank-{token_of[item]}": [str(position)]
            for item, position in enumerate(positions)
            if position is not None
        }

    def field_names(self, content, layout):
        return [f"rank-{token}" for token in layout["tokens"]]


_COMPLETE_IT = "Give every item a different position from 1 to {count}."


def _positions(response, count: int) -> list[int | None] | None:
    """The position given to each item (None for none), from either stored form of a
    response; None if a list is not an order of the items."""
    if isinstance(response, dict):
        return list(response["positions"])
    if sorted(response) != list(range(count)):
        return None
    positions: list[int | None] = [None] * count
    for position, item in enumerate(response, start=1):
        positions[item] = position
    return positions


def _longest_increasing_run(sequence: list[int]) -> int:
    """Length of the longest strictly increasing subsequence: of the items' positions taken in
    the right order, the items in the right relative order (two in one position count once)."""
    best: list[int] = [1] * len(sequence)
    for i, value in enumerate(sequence):
        for j in range(i):
            if sequence[j] < value and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return max(best, default=0)
