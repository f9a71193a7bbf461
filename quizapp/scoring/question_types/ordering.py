"""Ordered response: put items (tubes, steps) in sequence; credit for the longest run in order."""

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
        if sorted(response) != list(range(n)):
            return ItemResult(score=0.0, answered=True)  # not a permutation: nothing to credit
        return ItemResult(score=_longest_increasing_run(response) / n, answered=True)

    def correct_response(self, content):
        return list(range(len(content["items"])))

    def key_text(self, content):
        return " → ".join(content["items"])

    def response_text(self, content, response):
        return " → ".join(content["items"][i] for i in response)

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
        if len(ranks) < count or len(set(ranks.values())) < count:
            raise InvalidResponseError(f"Give every item a different position from 1 to {count}.")
        return sorted(ranks, key=ranks.__getitem__)

    def form_state(self, content, layout, response):
        token_of = {i: t for t, i in token_lookup(layout).items()}
        return {f"rank-{token_of[item]}": [str(n)] for n, item in enumerate(response, start=1)}


def _longest_increasing_run(sequence: list[int]) -> int:
    """Length of the longest increasing subsequence: items in the right relative order."""
    best: list[int] = [1] * len(sequence)
    for i, value in enumerate(sequence):
        for j in range(i):
            if sequence[j] < value and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return max(best, default=0)
