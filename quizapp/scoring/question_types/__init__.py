"""The question types: each validates its fields, lays out and parses the answer form, and
grades a response (a pure function of the stored version and the response)."""

from typing import Any

from quizapp.scoring.question_types.base import (
    UNANSWERED,
    ContentError,
    FormValues,
    InvalidResponseError,
    ItemResult,
    Problem,
    QuestionType,
    normalize_text,
)
from quizapp.scoring.question_types.choice import MultipleResponse, SingleBest, TrueFalse
from quizapp.scoring.question_types.fill_in import FillInBlank
from quizapp.scoring.question_types.matching import Matching
from quizapp.scoring.question_types.ordering import Ordering

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

__all__ = [
    "QUESTION_TYPES",
    "UNANSWERED",
    "ContentError",
    "FormValues",
    "InvalidResponseError",
    "ItemResult",
    "Problem",
    "QuestionType",
    "UnknownQuestionTypeError",
    "get_question_type",
    "grade",
    "normalize_text",
]


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
