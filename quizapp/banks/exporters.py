"""Write a bank as our native YAML, Moodle GIFT or Moodle XML. Pure: versions in, text out.

Each exported question carries its id (the GIFT title, the XML <idnumber>), its topic as the
category and its rationale as general feedback, so importing the export gives the same bank.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from quizapp.banks.native import dump_yaml, question_document

# Moodle accepts only these weights (percent) in GIFT and XML answers.
MOODLE_FRACTIONS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                    16.66667, 14.28571, 12.5, 11.11111, 10, 5)  # fmt: skip


@dataclass(frozen=True)
class ExportQuestion:
    external_id: str
    type: str
    topic_path: tuple[str, ...]
    topic_slug: str
    difficulty: str
    stem: str
    content: dict[str, Any]
    rationale: str
    source: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportTopic:
    slug: str
    title: str
    children: tuple["ExportTopic", ...] = ()


def _weight(k: int) -> str:
    """The Moodle weight nearest 100/k, written as Moodle writes it."""
    value = min(MOODLE_FRACTIONS, key=lambda f: abs(f - 100 / k))
    return f"{value:g}"


def to_native(
    *, slug: str, title: str, description: str, topics: Sequence[ExportTopic],
    questions: Sequence[ExportQuestion],
) -> str:  # fmt: skip
    def topic_tree(items):
        return [
            {
                "id": t.slug,
                "title": t.title,
                **({"topics": topic_tree(t.children)} if t.children else {}),
            }
            for t in items
        ]

    document = {
        "format": 1,
        "bank": {
            "id": slug,
            "title": title,
            **({"description": description} if description else {}),
        },
        "topics": topic_tree(topics),
        "questions": [
            question_document(
                external_id=q.external_id,
                question_type=q.type,
                topic=q.topic_slug,
                difficulty=q.difficulty,
                stem=q.stem,
                content=q.content,
                rationale=q.rationale,
                source=q.source,
                tags=list(q.tags),
            )
            for q in questions
        ],
    }
    return dump_yaml(document)


# --- GIFT --------------------------------------------------------------------------------

_GIFT_SPECIAL = str.maketrans({c: "\\" + c for c in "~=#{}:\\"})


def _gift(text: str) -> str:
    return " ".join(text.split("\n")).translate(_GIFT_SPECIAL)


def _gift_answers(q: ExportQuestion) -> str | None:
    c = q.content
    if q.type == "single_best":
        return " ".join(
            ("=" if i == c["key"] else "~") + _gift(o) for i, o in enumerate(c["options"])
        )
    if q.type == "multiple_response":
        k, wrong = len(c["key"]), len(c["options"]) - len(c["key"])
        return " ".join(
            (f"~%{_weight(k)}%" if i in c["key"] else f"~%-{_weight(max(wrong, 1))}%") + _gift(o)
            for i, o in enumerate(c["options"])
        )
    if q.type == "true_false":
        return "TRUE" if c["key"] else "FALSE"
    if q.type == "fill_in_blank":
        if c.get("tolerance") is not None:
            return "#" + " =".join(f"{a}:{c['tolerance']:g}" for a in c["accepted"])
        return " ".join("=" + _gift(a) for a in c["accepted"])
    if q.type == "matching":
        if set(range(len(c["matches"]))) - set(c["key"]):
            return None  # GIFT matching has no extra (distractor) matches
        return " ".join(
            f"={_gift(p)} -> {_gift(c['matches'][k])}"
            for p, k in zip(c["prompts"], c["key"], strict=True)
        )
    return None  # ordering: GIFT has no such type


def to_gift(questions: Sequence[ExportQuestion]) -> tuple[str, list[str]]:
    """GIFT text, and the ids of questions GIFT cannot express (listed in a comment too)."""
    lines, skipped, category = [], [], None
    for q in questions:
        answers = _gift_answers(q)
        if answers is None:
            skipped.append(q.external_id)
            continue
        if q.topic_path != category:
            category = q.topic_path
            lines += [f"$CATEGORY: {'/'.join(p.replace('/', '-') for p in category)}", ""]
        feedback = f" ####{_gift(q.rationale)}" if q.rationale else ""
        lines += [f"::{_gift(q.external_id)}::{_gift(q.stem)} {{{answers}{feedback}}}", ""]
    if skipped:
        lines.insert(0, f"// Not expressible in GIFT, so not exported: {', '.join(skipped)}")
    return "\n".join(lines).rstrip() + "\n", skipped


# --- Moodle XML ----------------------------------------------------------------------------


def _text(tag: str, value: str, fmt: str | None = None) -> str:
    attr = f' format="{fmt}"' if fmt else ""
    return f"<{tag}{attr}><text>{escape(value)}</text></{tag}>"


def _answer(fraction: str, text: str) -> str:
    body = f"<text>{escape(text)}</text>"
    return f'    <answer fraction="{fraction}" format="plain_text">{body}</answer>'


def _xml_question(q: ExportQuestion) -> list[str]:
    c = q.content
    kind = {
        "single_best": "multichoice",
        "multiple_response": "multichoice",
        "true_false": "truefalse",
        "fill_in_blank": "numerical" if c.get("tolerance") is not None else "shortanswer",
        "matching": "matching",
        "ordering": "ordering",
    }[q.type]
    out = [
        f'  <question type="{kind}">',
        f"    {_text('name', q.external_id)}",
        f"    {_text('questiontext', q.stem, 'plain_text')}",
        f"    {_text('generalfeedback', q.rationale, 'plain_text')}",
        f"    <idnumber>{escape(q.external_id)}</idnumber>",
    ]
    if q.type == "single_best":
        out += [
            "    <single>true</single>",
            f"    <shuffleanswers>{1 if c.get('shuffle', True) else 0}</shuffleanswers>",
        ]
        out += [_answer("100" if i == c["key"] else "0", o) for i, o in enumerate(c["options"])]
    elif q.type == "multiple_response":
        k, wrong = len(c["key"]), len(c["options"]) - len(c["key"])
        out += [
            "    <single>false</single>",
            f"    <shuffleanswers>{1 if c.get('shuffle', True) else 0}</shuffleanswers>",
        ]
        out += [
            _answer(_weight(k) if i in c["key"] else f"-{_weight(max(wrong, 1))}", o)
            for i, o in enumerate(c["options"])
        ]
    elif q.type == "true_false":
        out += [
            _answer("100" if c["key"] else "0", "true"),
            _answer("0" if c["key"] else "100", "false"),
        ]
    elif q.type == "fill_in_blank" and c.get("tolerance") is not None:
        for a in c["accepted"]:
            out += [
                f'    <answer fraction="100"><text>{escape(a)}</text>'
                f"<tolerance>{c['tolerance']:g}</tolerance></answer>"
            ]
    elif q.type == "fill_in_blank":
        out += ["    <usecase>0</usecase>"] + [_answer("100", a) for a in c["accepted"]]
    elif q.type == "matching":
        out += ["    <shuffleanswers>1</shuffleanswers>"]
        pairs = list(zip(c["prompts"], (c["matches"][k] for k in c["key"]), strict=True))
        extras = [("", m) for i, m in enumerate(c["matches"]) if i not in set(c["key"])]
        for prompt, match in pairs + extras:
            out += [
                '    <subquestion format="plain_text">'
                f"<text>{escape(prompt)}</text><answer><text>{escape(match)}</text></answer></subquestion>"
            ]
    elif q.type == "ordering":
        out += [_answer(str(n), item) for n, item in enumerate(c["items"], start=1)]
    out.append("  </question>")
    return out


def to_moodle_xml(questions: Sequence[ExportQuestion]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category = None
    for q in questions:
        if q.topic_path != category:
            category = q.topic_path
            path = "/".join(p.replace("/", "-") for p in ("$course$", *category))
            lines += [
                '  <question type="category">',
                f"    {_text('category', path)}",
                "  </question>",
            ]
        lines += _xml_question(q)
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
