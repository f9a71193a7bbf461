"""Choice types: single best answer, multiple response, true/false."""

import re
from random import Random
from typing import ClassVar

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

#: An option that names other options ("All of the above", "Both A and B") only makes sense
#: where it was written.
_NAMES_OTHERS = re.compile(
    r"\b(all|none|both|neither) of (the )?(above|these|the options|the choices|the answers)\b"
    r"|^(both |only |neither )?[A-J]\W*(,\s*[A-J]\W*)*\s*(and|&|or|nor)\s*[A-J]\W*( only)?$",
    re.IGNORECASE,
)


def _shuffle(raw: dict, options: list[str]) -> bool:
    """The bank's choice; without one, shuffled unless an option names others."""
    if "shuffle" in raw:
        return bool(raw["shuffle"])
    return not any(_NAMES_OTHERS.search(re.sub(r"<[^>]+>", "", o).strip()) for o in options)


class _ChoiceType(QuestionType):
    min_options: ClassVar[int]
    max_options: ClassVar[int]

    def _options(self, raw, problems) -> list[str]:
        options = raw.get("options") or []
        if not (self.min_options <= len(options) <= self.max_options):
            problems.append(
                Problem(
                    "options",
                    f"{self.label} needs {self.min_options} to {self.max_options} options, "
                    f"not {len(options)}",
                )
            )
        for dup in _duplicates(options):
            problems.append(Problem("options", f"option {dup!r} appears twice"))
        return options

    def _key_indexes(self, options, keys, problems) -> list[int]:
        lookup = {text: i for i, text in enumerate(options)}
        indexes = []
        for key in keys:
            if key not in lookup:
                problems.append(Problem("key", f"key {key!r} is not among the options"))
            else:
                indexes.append(lookup[key])
        return indexes

    def make_layout(self, content, rng: Random):
        count = len(content["options"])
        order = shuffled(count, rng) if content.get("shuffle", True) else list(range(count))
        return {"order": order, "tokens": new_tokens(count)}

    def present(self, content, layout):
        return {
            "choices": [
                (token, content["options"][index])
                for token, index in zip(layout["tokens"], layout["order"], strict=True)
            ]
        }

    def _indexes(self, layout, tokens: list[str]) -> list[int]:
        lookup = token_lookup(layout)
        try:
            return [lookup[token] for token in tokens]
        except KeyError:
            raise InvalidResponseError(
                "That choice is not one of this question's options."
            ) from None

    def _tokens(self, layout, indexes: list[int]) -> list[str]:
        by_index = {index: token for token, index in token_lookup(layout).items()}
        return [by_index[i] for i in indexes]

    def parse_struck(self, layout, tokens):
        return sorted(set(self._indexes(layout, tokens)))

    def struck_tokens(self, layout, struck):
        return self._tokens(layout, struck or [])


class SingleBest(_ChoiceType):
    name = "single_best"
    label = "Single best answer"
    fields = frozenset({"options", "key", "shuffle"})
    min_options, max_options = 2, 8

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        options = self._options(raw, problems)
        key = raw.get("key")
        if key is None:
            problems.append(Problem("key", "the question has no key"))
            keys = []
        elif isinstance(key, list):
            problems.append(
                Problem("key", f"a single-best-answer item needs exactly one key, not {len(key)}")
            )
            keys = []
        else:
            keys = [key]
        indexes = self._key_indexes(options, keys, problems)
        if problems:
            raise ContentError(problems)
        return {"options": options, "key": indexes[0], "shuffle": _shuffle(raw, options)}

    def grade(self, content, response):
        if response is None:
            return UNANSWERED
        return ItemResult(score=1.0 if response == content["key"] else 0.0, answered=True)

    def correct_response(self, content):
        return content["key"]

    def key_text(self, content):
        return content["options"][content["key"]]

    def response_text(self, content, response):
        return content["options"][response]

    def parse_response(self, content, layout, form):
        values = [v for v in form.getlist("answer") if v]
        if not values:
            return None
        if len(values) > 1:
            raise InvalidResponseError("Choose one answer only.")
        return self._indexes(layout, values)[0]

    def form_state(self, content, layout, response):
        return {"answer": self._tokens(layout, [response])}


class MultipleResponse(_ChoiceType):
    name = "multiple_response"
    label = "Multiple response"
    fields = frozenset({"options", "key", "shuffle"})
    min_options, max_options = 3, 10

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        options = self._options(raw, problems)
        key = raw.get("key")
        if key is None or key == []:
            problems.append(Problem("key", "the question has no key"))
            key = []
        elif not isinstance(key, list):
            key = [key]
        indexes = self._key_indexes(options, key, problems)
        if len(set(indexes)) != len(indexes):
            problems.append(Problem("key", "the key names an option twice"))
        if options and len(indexes) == len(options):
            problems.append(Problem("key", "every option is keyed; make at least one wrong"))
        if problems:
            raise ContentError(problems)
        return {"options": options, "key": sorted(indexes), "shuffle": _shuffle(raw, options)}

    def grade(self, content, response):
        if not response:
            return UNANSWERED
        chosen = set(response)
        keyed = set(content["key"])
        earned = len(chosen & keyed) - len(chosen - keyed)
        return ItemResult(score=max(0.0, earned / len(keyed)), answered=True)

    def correct_response(self, content):
        return list(content["key"])

    def key_text(self, content):
        return "; ".join(content["options"][i] for i in content["key"])

    def response_text(self, content, response):
        return "; ".join(content["options"][i] for i in sorted(response))

    def parse_response(self, content, layout, form):
        values = [v for v in form.getlist("answer") if v]
        if not values:
            return None
        return sorted(set(self._indexes(layout, values)))

    def form_state(self, content, layout, response):
        return {"answer": self._tokens(layout, response)}


class TrueFalse(QuestionType):
    name = "true_false"
    label = "True or false"
    fields = frozenset({"key"})

    def content_from_fields(self, raw):
        key = raw.get("key")
        if not isinstance(key, bool):
            raise ContentError([Problem("key", "a true/false item needs key: true or key: false")])
        return {"key": key}

    def grade(self, content, response):
        if response is None:
            return UNANSWERED
        return ItemResult(score=1.0 if response is content["key"] else 0.0, answered=True)

    def correct_response(self, content):
        return content["key"]

    def key_text(self, content):
        return "True" if content["key"] else "False"

    def response_text(self, content, response):
        return "True" if response else "False"

    def present(self, content, layout):
        return {"choices": [("true", "True"), ("false", "False")]}

    def parse_response(self, content, layout, form):
        value = form.get("answer") or ""
        if not value:
            return None
        if value not in ("true", "false"):
            raise InvalidResponseError("Answer true or false.")
        return value == "true"

    def form_state(self, content, layout, response):
        return {"answer": ["true" if response else "false"]}
