"""Matching: each prompt (a word part, say) is given one match (its meaning)."""

from random import Random

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
)


class Matching(QuestionType):
    name = "matching"
    label = "Matching"
    instructions = "Choose the match for each item."
    fields = frozenset({"pairs", "extra_matches"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        pairs = raw.get("pairs") or []
        if not 2 <= len(pairs) <= 12:
            problems.append(Problem("pairs", f"matching needs 2 to 12 pairs, not {len(pairs)}"))
        prompts = [p[0] for p in pairs]
        extras = list(raw.get("extra_matches") or [])
        for dup in _duplicates(prompts):
            problems.append(Problem("pairs", f"prompt {dup!r} appears twice"))
        # Several prompts may share one match (two drugs of the same class, say): the list of
        # matches holds it once and both keys point at it.
        matches: list[str] = []
        key = []
        for _, match in pairs:
            if match not in matches:
                matches.append(match)
            key.append(matches.index(match))
        for dup in _duplicates(matches + extras):
            problems.append(Problem("extra_matches", f"match {dup!r} appears twice"))
        if problems:
            raise ContentError(problems)
        return {"prompts": prompts, "matches": matches + extras, "key": key}

    def grade(self, content, response):
        if not response or all(r is None for r in response):
            return UNANSWERED
        key = content["key"]
        right = sum(1 for i, k in enumerate(key) if i < len(response) and response[i] == k)
        return ItemResult(score=right / len(key), answered=True)

    def incomplete(self, content, response):
        if response and any(r is None for r in response):
            return "Choose a match for every item."
        return None

    def correct_response(self, content):
        return list(content["key"])

    def key_text(self, content):
        return "; ".join(
            f"{prompt} → {content['matches'][k]}"
            for prompt, k in zip(content["prompts"], content["key"], strict=True)
        )

    def response_text(self, content, response):
        return "; ".join(
            f"{prompt} → {content['matches'][r] if r is not None else '(none)'}"
            for prompt, r in zip(content["prompts"], response, strict=True)
        )

    def make_layout(self, content, rng: Random):
        return {
            "prompt_order": shuffled(len(content["prompts"]), rng),
            "order": shuffled(len(content["matches"]), rng),
            "tokens": new_tokens(len(content["matches"])),
        }

    def present(self, content, layout):
        return {
            "prompts": [(n, content["prompts"][i]) for n, i in enumerate(layout["prompt_order"])],
            "matches": [
                (token, content["matches"][i])
                for token, i in zip(layout["tokens"], layout["order"], strict=True)
            ],
        }

    def parse_response(self, content, layout, form):
        lookup = dict(zip(layout["tokens"], layout["order"], strict=True))
        response: list[int | None] = [None] * len(content["prompts"])
        for shown, prompt_index in enumerate(layout["prompt_order"]):
            token = form.get(f"match-{shown}") or ""
            if not token:
                continue
            if token not in lookup:
                raise InvalidResponseError("That match is not one of this question's choices.")
            response[prompt_index] = lookup[token]
        return None if all(r is None for r in response) else response

    def field_names(self, content, layout):
        return [f"match-{shown}" for shown in range(len(layout["prompt_order"]))]

    def form_state(self, content, layout, response):
        token_of = {i: t for t, i in zip(layout["tokens"], layout["order"], strict=True)}
        return {
            f"match-{shown}": [token_of[response[prompt_index]]]
            for shown, prompt_index in enumerate(layout["prompt_order"])
            if response[prompt_index] is not None
        }
