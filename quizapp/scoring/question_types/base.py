"""What every question type shares: results, validation problems and the base class.

Stored content (a version's `content`) uses indexes, never texts, for keys and responses:

- single_best:        {"options": [...], "key": 2, "shuffle": true}
- multiple_response:  {"options": [...], "key": [0, 3], "shuffle": true}
- true_false:         {"key": true}
- fill_in_blank:      {"accepted": [...], "tolerance": 0.5 | None}
- matching:           {"prompts": [...], "matches": [...], "key": [match index per prompt]}
- ordering:           {"items": [... in the correct order]}

Responses: an option index; a list of option indexes; a bool; a string; a list giving a match
index (or None) per prompt; a list of item indexes in the student's order, or, for an order left
incomplete or with two items in one position, {"positions": [position or None per item]}.
Whatever a student leaves is saved as it stands and graded as it stands at the end.

In an attempt, each question also has a *layout*: the display order and the opaque per-attempt
tokens that stand for its choices, so a page never shows a stable choice id or the key.
"""

import re
import secrets
from dataclasses import dataclass
from random import Random
from typing import Any, ClassVar, Protocol


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


_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


def _parse_number(text: str) -> float | None:
    """A typed number: "1,000" and "1,000.5" group thousands; otherwise a comma is a decimal
    point ("3,14"), as typed on a European keyboard."""
    text = text.strip()
    text = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text.replace(",", ".")
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


class InvalidResponseError(ValueError):
    """A submitted answer does not fit the question as shown (tampered or stale form)."""


class FormValues(Protocol):
    """What a response parser reads: a werkzeug MultiDict, or a dict of lists in tests."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def new_tokens(count: int) -> list[str]:
    """Opaque choice ids for one question of one attempt."""
    return [secrets.token_urlsafe(6) for _ in range(count)]


def shuffled(count: int, rng: Random) -> list[int]:
    order = list(range(count))
    rng.shuffle(order)
    return order


class QuestionType:
    """Base class: one subclass per type, registered by `name` in QUESTION_TYPES."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: The fields a question of this type may have in a bank file, besides the common ones.
    fields: ClassVar[frozenset[str]]
    #: Instructions shown above the answer area.
    instructions: ClassVar[str] = ""

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

    def response_text(self, content: dict[str, Any], response: Any) -> str:
        """A student's response as a reader would say it."""
        raise NotImplementedError

    # --- in an attempt ------------------------------------------------------------------

    def make_layout(self, content: dict[str, Any], rng: Random) -> dict[str, Any]:
        """The per-attempt display order and choice tokens, stored with the attempt."""
        return {}

    def present(self, content: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
        """What the answer form shows: texts and tokens, never the key."""
        return {}

    def parse_response(
        self, content: dict[str, Any], layout: dict[str, Any], form: FormValues
    ) -> Any:
        """Turn submitted form values into a response; None when nothing was answered.

        :raises InvalidResponseError: for values the page could not have sent.
        """
        raise NotImplementedError

    def form_state(self, content: dict[str, Any], layout: dict[str, Any], response: Any) -> dict:
        """The form values that show `response` again (to pre-fill the answer form)."""
        raise NotImplementedError

    def field_names(self, content: dict[str, Any], layout: dict[str, Any]) -> list[str]:
        """The names of the answer form's fields."""
        return ["answer"]

    def submitted_values(
        self, content: dict[str, Any], layout: dict[str, Any], form: FormValues
    ) -> dict[str, list[str]]:
        """The answer form's values as sent, unchecked, to show them again on the page that
        refuses them (never the stored answer instead of what the student chose)."""
        values = {
            name: [v for v in form.getlist(name) if v] for name in self.field_names(content, layout)
        }
        return {name: found for name, found in values.items() if found}

    def incomplete(self, content: dict[str, Any], response: Any) -> str | None:
        """What is missing before `response` can be graded at once (tutor mode's "Check
        answer", an answer of the adaptive check), or None: an order with items left out or
        sharing a position. Such a response is still saved, and graded as it stands at the end.
        """
        return None

    def parse_struck(self, layout: dict[str, Any], tokens: list[str]) -> list[int]:
        """The content indexes of the options a student struck through (none without options).

        :raises InvalidResponseError: for a token that is not one of this question's options.
        """
        return []

    def struck_tokens(self, layout: dict[str, Any], struck: list[int] | None) -> list[str]:
        """The tokens of the struck options, to show them struck again."""
        return []


def token_lookup(layout: dict[str, Any]) -> dict[str, int]:
    """Map each displayed token to the content index it stands for."""
    return dict(zip(layout["tokens"], layout["order"], strict=True))
