"""Plain dicts of the API's objects (no model to_dict methods; see STYLE.md)."""

from datetime import datetime

from quizapp.banks.formatting import plain_text
from quizapp.banks.views import formatted
from quizapp.exams.models import Attempt
from quizapp.exams.services import ItemView

#: The parts of a presentation that hold (token, text) pairs of question text.
_TEXT_LISTS = ("choices", "prompts", "matches", "items")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def attempt(item: Attempt, *, now: datetime, slug: str | None = None) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "test": slug if slug is not None else (item.settings or {}).get("blueprint"),
        "mode": item.mode,
        "status": item.status,
        "question_count": item.question_count,
        "started_at": _time(item.started_at),
        "deadline": _time(item.deadline),
        "seconds_left": item.seconds_left(now) if item.is_open else None,
        "section": item.section_number,
        "on_break": item.on_break,
        "positions": list(item.current_positions) if item.is_open and not item.on_break else [],
        "finished_at": _time(item.finished_at),
        "percent": item.percent,
        "passed": item.passed,
        "passing_percent": item.passing_percent,
    }


def _html(text: str) -> str:
    """A question text as the pages show it: sanitised HTML of the allow-list, pictures at
    their /media/ address (see docs/bank-format.md, "Formatting")."""
    return str(formatted(text))


def _presentation(presentation: dict) -> dict:
    return {
        name: ([(token, _html(text)) for token, text in value] if name in _TEXT_LISTS else value)
        for name, value in presentation.items()
    }


def question(item: ItemView, *, tutor: bool) -> dict:
    """The question as its take page shows it: texts and opaque tokens, never the key; a
    score only once graded (tutor mode grades each answer when it is saved)."""
    slot, qtype = item.slot, item.qtype
    values = (
        qtype.form_state(item.version.content, slot.layout, slot.response)
        if slot.response is not None
        else {}
    )
    graded = tutor and slot.graded
    return {
        "position": slot.position,
        "type": qtype.name,
        "instructions": qtype.instructions,
        "stem": _html(item.version.stem),
        "presentation": _presentation(qtype.present(item.version.content, slot.layout)),
        "revision": slot.revision,
        "values": {name: [str(v) for v in vs] for name, vs in values.items()},
        "flagged": slot.flagged,
        "graded": graded,
        "score": slot.score if graded else None,
    }


def result_question(item: ItemView) -> dict:
    slot, qtype, content = item.slot, item.qtype, item.version.content
    return {
        "position": slot.position,
        "stem": _html(item.version.stem),
        "topic": item.topic.title if item.topic else "",
        "your_answer": (
            plain_text(qtype.response_text(content, slot.response))
            if slot.response is not None
            else None
        ),
        "key": plain_text(qtype.key_text(content)),
        "score": slot.score,
        "rationale": _html(item.version.rationale),
        "flagged": slot.flagged,
    }
