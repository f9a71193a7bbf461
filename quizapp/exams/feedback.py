"""The options of a choice question as the page lists them: chosen, struck, and, once the
answer is graded, which is the key and how often other students chose each.

Pure: plain values in, plain values out. The views hand in a question, its layout and answer,
and the item statistics they loaded (quizapp.item_stats).
"""

from dataclasses import dataclass
from typing import Any

from quizapp.scoring.item_analysis import CHOICE_TYPES, ItemSums
from quizapp.scoring.question_types import QuestionType
from quizapp.scoring.question_types.base import token_lookup

#: How many students must have answered a question (in exam mode) before the page shows how
#: they chose: fewer would make one student's answer a large share.
MIN_ANSWERS_FOR_SHARES = 20

LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class OptionView:
    token: str
    letter: str
    text: str
    chosen: bool
    struck: bool
    #: Whether the option is (part of) the key: None until the answer is graded.
    keyed: bool | None = None
    #: Percent of students who chose it: None until graded or while too few have answered.
    percent: int | None = None


def option_views(
    qtype: QuestionType,
    content: dict[str, Any],
    layout: dict[str, Any],
    response: Any,
    struck: list[int] | None,
    *,
    graded: bool,
    stats: ItemSums | None = None,
) -> list[OptionView]:
    """The options in display order; the key and the shares only when `graded`.

    :return: an empty list for types without options (fill in, matching, ordering).
    """
    choices = qtype.present(content, layout).get("choices")
    if not choices:
        return []
    chosen = (
        set(qtype.form_state(content, layout, response)["answer"])
        if response is not None
        else set()
    )
    struck_tokens = set(qtype.struck_tokens(layout, struck))
    keyed: set[str] | None = None
    shares: dict[str, int] = {}
    if graded:
        keyed = set(qtype.form_state(content, layout, qtype.correct_response(content))["answer"])
        shares = choice_shares(qtype, layout, stats)
    return _views(choices, chosen, struck_tokens, keyed, shares)


def submitted_option_views(
    qtype: QuestionType,
    content: dict[str, Any],
    layout: dict[str, Any],
    values: dict[str, list[str]],
    struck_tokens: list[str],
) -> list[OptionView]:
    """The options as a refused form left them (`values` from qtype.submitted_values and the
    struck tokens sent): what the student chose, not what is saved. Never graded.

    :return: an empty list for types without options.
    """
    choices = qtype.present(content, layout).get("choices")
    if not choices:
        return []
    return _views(choices, set(values.get("answer", [])), set(struck_tokens), None, {})


def _views(choices, chosen: set[str], struck: set[str], keyed: set[str] | None, shares):
    return [
        OptionView(
            token=token,
            letter=LETTERS[index],
            text=text,
            chosen=token in chosen,
            struck=token in struck,
            keyed=(token in keyed) if keyed is not None else None,
            percent=shares.get(token),
        )
        for index, (token, text) in enumerate(choices)
    ]


def answered_count(stats: ItemSums | None) -> int:
    """How many students answered the question (blank answers left out)."""
    return stats.responses - stats.blank if stats else 0


def choice_shares(qtype: QuestionType, layout: dict[str, Any], stats: ItemSums | None):
    """Percent of answering students who chose each option, by token; empty while fewer than
    MIN_ANSWERS_FOR_SHARES answered or for types whose options are not counted."""
    answered = answered_count(stats)
    if qtype.name not in CHOICE_TYPES or answered < MIN_ANSWERS_FOR_SHARES:
        return {}
    return {
        token: round(100 * stats.options[index] / answered)
        for token, index in token_lookup(layout).items()
    }


def item_option_views(item, *, graded: bool, stats: dict[int, ItemSums]) -> list[OptionView]:
    """`option_views` of an attempt's question (an exams.services.ItemView), with its
    version's statistics from `stats` (by version id) when graded."""
    slot = item.slot
    return option_views(
        item.qtype,
        item.version.content,
        slot.layout,
        slot.response,
        slot.struck,
        graded=graded,
        stats=stats.get(item.version.id),
    )
