"""Write a bank as our native YAML, Moodle GIFT or Moodle XML. Pure: versions in, text out.

Each exported question carries its id (the GIFT title, the XML <idnumber>), its topic as the
category and its rationale as general feedback, so importing the export gives the same bank.
Formatted texts go out as HTML; pictures go with them: in Moodle XML as base64 <file>s named by
@@PLUGINFILE@@, in our YAML as files of a media folder in a zip beside the bank file. GIFT has
no room for files: its texts are written without formatting, pictures as "[image: alt]".
"""

import base64
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from quizapp.banks.formatting import image_hashes, plain_text
from quizapp.banks.images import suffix_for
from quizapp.banks.native import dump_yaml, question_document

_MEDIA_SRC = re.compile(r'src="media:([0-9a-f]{64})"')

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
class ExportImage:
    mimetype: str
    data: bytes


def _file_name(digest: str, images: Mapping[str, ExportImage]) -> str:
    return f"{digest}.{suffix_for(images[digest].mimetype)}"


def _point_images(text: str, images: Mapping[str, ExportImage], prefix: str) -> str:
    """The text with each stored picture named `prefix` + its file name."""
    return _MEDIA_SRC.sub(lambda m: f'src="{prefix}{_file_name(m.group(1), images)}"', text)


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
    questions: Sequence[ExportQuestion], images: Mapping[str, ExportImage] | None = None,
) -> str:  # fmt: skip
    """The bank file; with `images`, its pictures are named media/<file> (see native_package)."""

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
    text = dump_yaml(document)
    return _point_images(text, images, "media/") if images else text


def native_package(bank_file: str, text: str, images: Mapping[str, ExportImage]) -> bytes:
    """A zip of the bank file and its media folder, which an upload reads back whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(bank_file, text)
        for digest in sorted(images):
            archive.writestr(f"media/{_file_name(digest, images)}", images[digest].data)
    return out.getvalue()


# --- GIFT --------------------------------------------------------------------------------

_GIFT_SPECIAL = str.maketrans({c: "\\" + c for c in "~=#{}:\\"})


def _gift(text: str) -> str:
    return " ".join(plain_text(text).split("\n")).translate(_GIFT_SPECIAL)


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


def _files(text: str, images: Mapping[str, ExportImage]) -> str:
    return "".join(
        f'<file name="{_file_name(d, images)}" path="/" encoding="base64">'
        f"{base64.b64encode(images[d].data).decode()}</file>"
        for d in image_hashes(text)
        if d in images
    )


def _rich(tag: str, value: str, images: Mapping[str, ExportImage]) -> str:
    """A text element: plain text as plain_text, formatted text as HTML with its pictures."""
    if "<" not in value:
        return _text(tag, value, "plain_text")
    html = _point_images(value, images, "@@PLUGINFILE@@/")
    return f'<{tag} format="html"><text>{escape(html)}</text>{_files(value, images)}</{tag}>'


def _answer(fraction: str, text: str, images: Mapping[str, ExportImage] | None = None) -> str:
    if images is not None and "<" in text:
        html = _point_images(text, images, "@@PLUGINFILE@@/")
        body = f"<text>{escape(html)}</text>{_files(text, images)}"
        return f'    <answer fraction="{fraction}" format="html">{body}</answer>'
    body = f"<text>{escape(text)}</text>"
    return f'    <answer fraction="{fraction}" format="plain_text">{body}</answer>'


def _xml_question(q: ExportQuestion, images: Mapping[str, ExportImage]) -> list[str]:
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
        f"    {_rich('questiontext', q.stem, images)}",
        f"    {_rich('generalfeedback', q.rationale, images)}",
        f"    <idnumber>{escape(q.external_id)}</idnumber>",
    ]
    if q.type == "single_best":
        out += [
            "    <single>true</single>",
            f"    <shuffleanswers>{1 if c.get('shuffle', True) else 0}</shuffleanswers>",
        ]
        out += [
            _answer("100" if i == c["key"] else "0", o, images) for i, o in enumerate(c["options"])
        ]
    elif q.type == "multiple_response":
        k, wrong = len(c["key"]), len(c["options"]) - len(c["key"])
        out += [
            "    <single>false</single>",
            f"    <shuffleanswers>{1 if c.get('shuffle', True) else 0}</shuffleanswers>",
        ]
        out += [
            _answer(_weight(k) if i in c["key"] else f"-{_weight(max(wrong, 1))}", o, images)
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


def to_moodle_xml(
    questions: Sequence[ExportQuestion], images: Mapping[str, ExportImage] | None = None
) -> str:
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
        lines += _xml_question(q, images or {})
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
