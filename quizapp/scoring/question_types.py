"""The question types: each validates its fields, says how it is shown and grades a response.

Stored content (a version's `content`) uses indexes, never texts, for keys and responses:

- single_best:        {"options": [...], "key": 2, "shuffle": true}
- multiple_response:  {"options": [...], "key": [0, 3], "shuffle": true}
- true_false:         {"key": true}
- fill_in_blank:      {"accepted": [...], "tolerance": 0.5 | None}
- matching:           {"prompts": [...], "matches": [...], "key": [match index per prompt]}
- ordering:           {"items": [... in the correct order]}

Responses: an option index; a list of option indexes; a bool; a string; a list giving a match
index (or None) per prompt; a list of item indexes in the student's order.
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class ItemResult:
    """The score of one response: a fraction of a point, correct only when it is full."""

    score: float
    answered: bool

    @property
    def correct(self) -> bool:
        return self.score >= 1.0


UNANSWERED = ItemResult(score=0.0, answered=False)


@dataclass(frozen=True)
class Problem:
    """A validation problem on one field of a question as written in a bank file."""

    field: str
    message: str


class ContentError(ValueError):
    """Raised when a question's fields cannot be turned into stored content."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


def normalize_text(text: str) -> str:
    """Lower case, trimmed, inner runs of white space made single: how answers are compared."""
    return " ".join(text.split()).casefold()


def _parse_number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", text):
        return None
    return float(text)


def _duplicates(values: list[str]) -> list[str]:
    seen, dups = set(), []
    for value in values:
        key = normalize_text(value)
        if key in seen:
            dups.append(value)
        seen.add(key)
    return dups


class QuestionType:
    """Base class; subclasses register themselves by `name`."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: The fields a question of this type may have in a bank file, besides the common ones.
    fields: ClassVar[frozenset[str]]

    def content_from_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate a question's type-specific fields and return its stored content.

        :raises ContentError: with every problem found.
        """
        raise NotImplementedError

    def grade(self, content: dict[str, Any], response: Any) -> ItemResult:
        raise NotImplementedError

    def correct_response(self, content: dict[str, Any]) -> Any:
        """The response that earns the full point (for tests and for showing the key)."""
        raise NotImplementedError

    def key_text(self, content: dict[str, Any]) -> str:
        """The key as a reader would say it, for instructors and graded reviews."""
        raise NotImplementedError


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
        return {"options": options, "key": indexes[0], "shuffle": raw.get("shuffle", True)}

    def grade(self, content, response):
        if response is None:
            return UNANSWERED
        return ItemResult(score=1.0 if response == content["key"] else 0.0, answered=True)

    def correct_response(self, content):
        return content["key"]

    def key_text(self, content):
        return content["options"][content["key"]]


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
        return {"options": options, "key": sorted(indexes), "shuffle": raw.get("shuffle", True)}

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


class FillInBlank(QuestionType):
    name = "fill_in_blank"
    label = "Fill in the blank"
    fields = frozenset({"key", "tolerance"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        key = raw.get("key")
        if key is None or key == [] or key == "":
            raise ContentError([Problem("key", "the question has no accepted answer")])
        accepted = [str(k).strip() for k in (key if isinstance(key, list) else [key])]
        if any(not a for a in accepted):
            problems.append(Problem("key", "an accepted answer is empty"))
        tolerance = raw.get("tolerance")
        if tolerance is not None:
            if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
                problems.append(Problem("tolerance", "tolerance must be a number"))
            elif tolerance < 0:
                problems.append(Problem("tolerance", "tolerance cannot be negative"))
            for answer in accepted:
                if _parse_number(answer) is None:
                    problems.append(
                        Problem("key", f"with a tolerance every key must be a number: {answer!r}")
                    )
        if problems:
            raise ContentError(problems)
        return {"accepted": accepted, "tolerance": tolerance}

    def grade(self, content, response):
        if response is None or not str(response).strip():
            return UNANSWERED
        answer = normalize_text(str(response))
        if any(answer == normalize_text(a) for a in content["accepted"]):
            return ItemResult(score=1.0, answered=True)
        tolerance = content.get("tolerance")
        number = _parse_number(answer)
        # A hair of slack so that float noise (100.4 - 100.3) never fails a right answer.
        if (
            tolerance is not None
            and number is not None
            and any(abs(number - float(a)) <= tolerance + 1e-9 for a in content["accepted"])
        ):
            return ItemResult(score=1.0, answered=True)
        return ItemResult(score=0.0, answered=True)

    def correct_response(self, content):
        return content["accepted"][0]

    def key_text(self, content):
        text = " or ".join(content["accepted"])
        if content.get("tolerance"):
            text += f" (± {content['tolerance']:g})"
        return text


class Matching(QuestionType):
    name = "matching"
    label = "Matching"
    fields = frozenset({"pairs", "extra_matches"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        pairs = raw.get("pairs") or []
        if not 2 <= len(pairs) <= 12:
            problems.append(Problem("pairs", f"matching needs 2 to 12 pairs, not {len(pairs)}"))
        prompts = [p[0] for p in pairs]
        matches = [p[1] for p in pairs]
        extras = list(raw.get("extra_matches") or [])
        for dup in _duplicates(prompts):
            problems.append(Problem("pairs", f"prompt {dup!r} appears twice"))
        for dup in _duplicates(matches + extras):
            problems.append(Problem("pairs", f"match {dup!r} appears twice"))
        if problems:
            raise ContentError(problems)
        return {"prompts": prompts, "matches": matches + extras, "key": list(range(len(pairs)))}

    def grade(self, content, response):
        if not response or all(r is None for r in response):
            return UNANSWERED
        key = content["key"]
        right = sum(1 for i, k in enumerate(key) if i < len(response) and response[i] == k)
        return ItemResult(score=right / len(key), answered=True)

    def correct_response(self, content):
        return list(content["key"])

    def key_text(self, content):
        return "; ".join(
            f"{prompt} → {content['matches'][k]}"
            for prompt, k in zip(content["prompts"], content["key"], strict=True)
        )


class Ordering(QuestionType):
    name = "ordering"
    label = "Ordered response"
    fields = frozenset({"items"})

    def content_from_fields(self, raw):
        problems: list[Problem] = []
        items = raw.get("items") or []
        if not 3 <= len(items) <= 10:
            problems.append(Problem("items", f"ordering needs 3 to 10 items, not {len(items)}"))
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


def _longest_increasing_run(sequence: list[int]) -> int:
    """Length of the longest increasing subsequence: items in the right relative order."""
    best: list[int] = [1] * len(sequence)
    for i, value in enumerate(sequence):
        for j in range(i):
            if sequence[j] < value and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return max(best, default=0)


QUESTION_TYPES: dict[str, QuestionType] = {
    qtype.name: qtype
    for qtype in (
        SingleBest(),
        MultipleResponse(),
        TrueFalse(),
        FillInBlank(),
        Matching(),
        Ordering(),
    )
}


class UnknownQuestionTypeError(KeyError):
    pass


def get_question_type(name: str) -> QuestionType:
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        raise UnknownQuestionTypeError(name) from None


def grade(question_type: str, content: dict[str, Any], response: Any) -> ItemResult:
    """Grade one response to a stored version: a pure function of the two."""
    return get_question_type(question_type).grade(content, response)
