"""The question editor's form values to a question's fields (as a bank file writes them) and
back. Pure: the fields then go through the same loader as a bank file (manage.save_question).

Form values (QuestionForm.data) per type:

- single_best / multiple_response: options [{"text", "correct"}], `key` the index of the correct
  option (single best), shuffle;
- true_false: truth "true" / "false";
- fill_in_blank: accepted [text], tolerance (text, empty for none);
- matching: pairs [{"prompt", "match"}], extra_matches [text];
- ordering: items [{"text", "position"}], sorted by position on save (empty keeps the order).
"""

import html
import re
from typing import Any

from quizapp.banks.native import native_fields

#: Empty rows shown below the filled ones, so that a list can grow without the "add" button.
SPARE_ROWS = {"options": 1, "accepted": 1, "pairs": 1, "extra_matches": 0, "items": 1}
#: Rows a new question starts with.
NEW_ROWS = {"options": 4, "accepted": 1, "pairs": 3, "extra_matches": 0, "items": 4}


class FormProblem(ValueError):
    """The form lacks something the loader would report in bank-file words."""


def _texts(rows: list[Any], name: str = "text") -> list[str]:
    values = [row.get(name, "") if isinstance(row, dict) else row for row in rows]
    return [(v or "").strip() for v in values]


def fields_from_form(question_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The question's fields, in bank-file form, from the editor's values; empty rows dropped.

    :raises FormProblem: when no correct answer is chosen.
    """
    fields: dict[str, Any] = {
        "type": question_type,
        "topic": data.get("topic") or "",
        "difficulty": data.get("difficulty") or "medium",
        "stem": (data.get("stem") or "").strip(),
        "rationale": (data.get("rationale") or "").strip(),
    }
    if question_type in ("single_best", "multiple_response"):
        rows = [row for row in data.get("options", []) if (row.get("text") or "").strip()]
        fields["options"] = _texts(rows)
        if question_type == "single_best":
            chosen = data.get("key")
            options = data.get("options", [])
            indexes = [i for i, row in enumerate(options) if (row.get("text") or "").strip()]
            if chosen is None or not str(chosen).isdigit() or int(chosen) not in indexes:
                raise FormProblem("choose the correct option (the button next to it)")
            fields["key"] = data["options"][int(chosen)]["text"].strip()
        else:
            fields["key"] = [row["text"].strip() for row in rows if row.get("correct")]
            if not fields["key"]:
                raise FormProblem("tick at least one correct option")
        if not data.get("shuffle", True):
            fields["shuffle"] = False
    elif question_type == "true_false":
        if data.get("truth") not in ("true", "false"):
            raise FormProblem("choose whether the statement is true or false")
        fields["key"] = data["truth"] == "true"
    elif question_type == "fill_in_blank":
        fields["key"] = [a for a in _texts(data.get("accepted", []), "") if a]
        tolerance = (data.get("tolerance") or "").strip().replace(",", ".")
        if tolerance:
            try:
                fields["tolerance"] = float(tolerance)
            except ValueError:
                raise FormProblem(f"the tolerance {tolerance!r} is not a number") from None
    elif question_type == "matching":
        fields["pairs"] = [
            [row["prompt"].strip(), (row.get("match") or "").strip()]
            for row in data.get("pairs", [])
            if (row.get("prompt") or "").strip() or (row.get("match") or "").strip()
        ]
        extras = [m for m in _texts(data.get("extra_matches", []), "") if m]
        if extras:
            fields["extra_matches"] = extras
    elif question_type == "ordering":
        rows = [row for row in data.get("items", []) if (row.get("text") or "").strip()]
        last = len(rows) + 1
        ordered = sorted(
            enumerate(rows), key=lambda pair: (pair[1].get("position") or last, pair[0])
        )
        fields["items"] = [row["text"].strip() for _, row in ordered]
    source = (data.get("source") or "").strip()
    if source:
        fields["source"] = source
    tags = [t.strip() for t in re.split(r"[,\n]", data.get("tags") or "") if t.strip()]
    if tags:
        fields["tags"] = list(dict.fromkeys(tags))
    return fields


def form_from_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The editor's values showing a question's fields (the inverse of fields_from_form)."""
    question_type = fields["type"]
    data: dict[str, Any] = {
        "topic": fields.get("topic"),
        "difficulty": fields.get("difficulty", "medium"),
        "stem": fields.get("stem", ""),
        "rationale": fields.get("rationale", ""),
        "source": fields.get("source") or "",
        "tags": ", ".join(fields.get("tags") or []),
    }
    if question_type in ("single_best", "multiple_response"):
        keys = fields["key"] if isinstance(fields["key"], list) else [fields["key"]]
        data["options"] = [{"text": o, "correct": o in keys} for o in fields["options"]]
        if question_type == "single_best":
            data["key"] = str(fields["options"].index(fields["key"]))
        data["shuffle"] = fields.get("shuffle", True)
    elif question_type == "true_false":
        data["truth"] = "true" if fields["key"] else "false"
    elif question_type == "fill_in_blank":
        data["accepted"] = list(fields["key"])
        tolerance = fields.get("tolerance")
        data["tolerance"] = "" if tolerance is None else f"{tolerance:g}"
    elif question_type == "matching":
        data["pairs"] = [{"prompt": p, "match": m} for p, m in fields["pairs"]]
        data["extra_matches"] = list(fields.get("extra_matches", []))
    elif question_type == "ordering":
        data["items"] = [
            {"text": item, "position": n} for n, item in enumerate(fields["items"], start=1)
        ]
    return data


def form_from_version(
    question_type: str,
    *,
    topic: str,
    difficulty: str,
    stem: str,
    content: dict[str, Any],
    rationale: str,
    source: str | None,
    tags: list[str] | None,
) -> dict[str, Any]:
    """The editor's values showing a stored version."""
    fields = {
        "type": question_type,
        "topic": topic,
        "difficulty": difficulty,
        "stem": stem,
        "rationale": rationale,
        "source": source,
        "tags": tags or [],
        **native_fields(question_type, content),
    }
    return form_from_fields(fields)


#: The editor's lists, per type.
LISTS = {
    "single_best": ("options",),
    "multiple_response": ("options",),
    "true_false": (),
    "fill_in_blank": ("accepted",),
    "matching": ("pairs", "extra_matches"),
    "ordering": ("items",),
}
_BLANK_ROWS = {
    "options": {"text": "", "correct": False},
    "accepted": "",
    "pairs": {"prompt": "", "match": ""},
    "extra_matches": "",
    "items": {"text": "", "position": None},
}
MAX_ROWS = 20


def _blank(name: str):
    row = _BLANK_ROWS[name]
    return dict(row) if isinstance(row, dict) else row


def with_spare_rows(question_type: str, data: dict[str, Any], rows: dict[str, int]) -> dict:
    """The values with at least `rows[name]` empty rows at the end of each list."""
    data = dict(data)
    for name in LISTS[question_type]:
        values = list(data.get(name) or [])
        filled = len(values)
        while filled and not (_row_text(values[filled - 1])):
            filled -= 1
        empty = len(values) - filled
        values += [_blank(name) for _ in range(max(0, rows.get(name, 0) - empty))]
        data[name] = values[:MAX_ROWS]
    return data


def _row_text(row) -> str:
    if isinstance(row, dict):
        return "".join(str(v or "") for k, v in row.items() if k in ("text", "prompt", "match"))
    return row or ""


def row_field_id(name: str, index: int) -> str:
    """The id of the first input of row `index` of list `name` (to put the focus there)."""
    first = {"options": "text", "pairs": "prompt", "items": "position"}.get(name)
    return f"{name}-{index}-{first}" if first else f"{name}-{index}"


def add_row(data: dict[str, Any], name: str) -> dict:
    values = list(data.get(name) or [])
    if len(values) < MAX_ROWS:
        values.append(_blank(name))
    return {**data, name: values}


def remove_row(data: dict[str, Any], name: str, index: int) -> dict:
    """The values without row `index` of list `name`; the single-best key follows its option."""
    values = list(data.get(name) or [])
    if not 0 <= index < len(values):
        return data
    del values[index]
    data = {**data, name: values}
    if name == "options" and str(data.get("key") or "").isdigit():
        key = int(data["key"])
        data["key"] = None if key == index else str(key - 1 if key > index else key)
    return data


def picture_targets(question_type: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Where an uploaded picture may go: the stem, or a choice option."""
    targets = [("stem", "The question text")]
    if question_type in ("single_best", "multiple_response"):
        letters = "ABCDEFGHIJKLMNOPQRST"
        targets += [
            (f"option-{i}", f"Option {letters[i]}") for i in range(len(data.get("options") or []))
        ]
    return targets


def insert_picture(data: dict[str, Any], target: str, digest: str, alt: str) -> dict:
    """The values with the picture added at the end of the target text."""
    tag = f'<img src="media:{digest}" alt="{html.escape(alt.strip(), quote=True)}">'
    data = dict(data)
    if target.startswith("option-") and target[7:].isdigit():
        index = int(target[7:])
        options = [dict(row) for row in data.get("options") or []]
        if index < len(options):
            options[index]["text"] = f"{options[index]['text']} {tag}".strip()
            data["options"] = options
            return data
    data["stem"] = f"{data.get('stem') or ''}\n{tag}".strip()
    return data
