"""IMS QTI importer: QTI 1.2 (Canvas classic quizzes and banks, Blackboard pools), QTI 2.1/2.2 and
1EdTech QTI 3.0 choice items, and zip packages (Canvas/text2qti exports, IMS content packages).

Pure: bytes in, an ImportResult out. XML is read with defusedxml only (no DTDs, no entities); zips
are checked (entry count, total size, compression ratio, paths) before any member is read, and
members are read in memory only. Line numbers are those of each <item> / <assessmentItem> start
tag in its own XML file; messages about a zip member start with the member's name.
"""

import html
import io
import math
import re
import zipfile
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from quizapp.banks.images import MAX_IMAGE_BYTES
from quizapp.banks.importers.base import (
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    TooManyQuestionsError,
    check_archive,
    decode_text,
    html_to_text,
    labelled_feedback,
    sanitize_html,
)

FORMAT = "qti"

#: Zip packages: checked before anything is extracted.
MAX_ZIP_ENTRIES = 500
_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
MAX_ZIP_TOTAL = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
#: Entries smaller than this are not ratio-checked one by one (tiny repetitive XML compresses
#: very well); the ratio of the whole archive is always checked.
RATIO_CHECK_MIN_SIZE = 64 * 1024
#: Deeper XML is rejected, so that no walk over the tree can exhaust the stack.
MAX_DEPTH = 200
#: Alternatives a QTI 1.2 condition (<or>/<and>) may expand to.
MAX_ALTERNATIVES = 64

BLANK = "________"


class _Fail(Exception):
    """A question that cannot be imported (becomes result.error on its line)."""


class _Skip(Exception):
    """A question of a kind we do not support (becomes result.skip on its line)."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class _Sink:
    """Adds problems to the result, prefixed with the zip member name when there is one."""

    def __init__(self, result: ImportResult, member: str = ""):
        self.result = result
        self.member = member

    def _text(self, message: str) -> str:
        return f"{self.member}: {message}" if self.member else message

    def error(self, line: int | None, message: str) -> None:
        self.result.error(line, self._text(message))

    def warn(self, line: int | None, message: str) -> None:
        self.result.warn(line, self._text(message))

    def skip(self, line: int | None, kind: str, reason: str) -> None:
        self.result.skip(line, kind, self._text(reason))


# --- XML ------------------------------------------------------------------------------------


class _LineTreeBuilder:
    """A TreeBuilder target that records the line of every start tag, limits the depth and
    counts the questions as they are read (too many stop the parse before the tree is built)."""

    def __init__(self, result: ImportResult) -> None:
        self._builder = TreeBuilder()
        self.result = result
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[Element, int] = {}
        self._depth = 0
        self._root_name = ""

    def start(self, tag, attrib):
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ImportFormatError(f"the XML is nested more than {MAX_DEPTH} levels deep")
        element = self._builder.start(tag, attrib)
        line = self.parser.parser.CurrentLineNumber if self.parser is not None else None
        if line is not None:
            self.lines[element] = line
        name = _name(element)
        if self._depth == 1:
            self._root_name = name
        # A QTI 1.2 question is an <item>; a QTI 2/3 file is one question (its root element).
        # Manifests have <item>s too, which are not questions.
        if (name == "item" and self._root_name == "questestinterop") or (
            self._depth == 1 and name in _QTI2_ROOTS
        ):
            self.result.count_question(line)
        return element

    def end(self, tag):
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data):
        self._builder.data(data)

    def close(self):
        return self._builder.close()


_DECLARATION = re.compile(r"\A\s*<\?xml(?=[\s?])(.*?)\?>", re.S)
_GOOD_DECLARATION = re.compile(
    r"""\s+version\s*=\s*(["'])1\.\d+\1"""
    r"""(\s+encoding\s*=\s*(["'])[A-Za-z][\w.-]*\3)?"""
    r"""(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\Z"""
)


def _xml_text(data: bytes, sink: _Sink) -> str:
    """Decode and drop the XML declaration (the bytes decide the encoding, not the declaration)."""
    text, note = decode_text(data)
    if note:
        sink.warn(None, note)
    match = _DECLARATION.match(text)
    if match:
        declaration = match.group(1)
        if not _GOOD_DECLARATION.match(declaration):
            sink.warn(1, "the XML declaration is malformed; it was ignored")
        encoding = re.search(r"""encoding\s*=\s*["']([^"']*)""", declaration)
        declared = encoding.group(1).lower().replace("_", "-") if encoding else "utf-8"
        if note is None and declared not in ("utf-8", "utf8", "us-ascii", "ascii"):
            sink.warn(
                1,
                f"the XML declaration says {encoding.group(1) if encoding else ''} but the file "
                "is valid UTF-8; it was read as UTF-8",
            )
        # Keep the line breaks so that line numbers stay those of the original file.
        text = "\n" * match.group(0).count("\n") + text[match.end() :]
    return text


def _parse_xml(text: str, result: ImportResult) -> tuple[Element, dict[Element, int]]:
    target = _LineTreeBuilder(result)
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ImportFormatError(
            "XML with a DOCTYPE, entity declarations or external references is not accepted "
            f"({type(exc).__name__}); export the file again without them"
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, 0))
        # expat's message ends with its own "line L, column C", which the problem already says.
        reason = str(exc).split(":")[0]
        message = f"not well-formed XML (column {column + 1}): {reason}"
        raise ImportFormatError(message, line) from None
    return root, target.lines


def _name(element: Element) -> str:
    """Local name, with QTI 3 kebab-case names mapped to QTI 2 names (qti-simple-choice ->
    simpleChoice)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    local = tag.rsplit("}", 1)[-1]
    if local.startswith("qti-"):
        head, *rest = local[4:].split("-")
        local = head + "".join(part[:1].upper() + part[1:] for part in rest)
    return local


def _attr(element: Element, name: str, default: str | None = None) -> str | None:
    """An attribute by its QTI 2 name or its QTI 3 kebab-case name."""
    if name in element.attrib:
        return element.attrib[name]
    kebab = re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)
    return element.attrib.get(kebab, default)


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child) == name]


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _name(child) == name:
            return child
    return None


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?")


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _format_number(value: float) -> str:
    return format(value, ".12g")


# --- text and media -------------------------------------------------------------------------

_MEDIA_TAG = re.compile(r"<\s*(audio|video|source|object|embed)\b[^>]*>", re.I)
_MEDIA_END = re.compile(r"<\s*/\s*(audio|video|object)\s*>", re.I)
_MEDIA_SRC = re.compile(r"""\b(?:src|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def _media_name(src: str) -> str:
    if src.lower().startswith("data:"):
        return "an embedded data: file"
    return repr(unquote(src))


def _drop_media(fragment: str, sink: _Sink, line: int | None) -> str:
    """Remove sound, video and embedded objects from HTML, with a warning naming each file.
    Images stay: base.build_bank finds them among the package's files (or drops them, warning).
    """

    def drop(match: re.Match) -> str:
        found = _MEDIA_SRC.search(match.group(0))
        src = next((g for g in found.groups() if g is not None), "") if found else ""
        name = _media_name(src) if src else "(no file name)"
        sink.warn(line, f"media {name} was dropped: only pictures are imported")
        return ""

    return _MEDIA_END.sub("", _MEDIA_TAG.sub(drop, fragment))


@dataclass
class _Text:
    """A piece of question text and whether it is HTML."""

    value: str
    is_html: bool

    def as_html(self) -> str:
        return self.value if self.is_html else html.escape(self.value).replace("\n", "<br>")

    def plain(self) -> str:
        if self.is_html:
            return html_to_text(sanitize_html(self.value))
        return "\n".join(" ".join(line.split()) for line in self.value.splitlines()).strip()


def _join(pieces: list[_Text]) -> _Text:
    pieces = [p for p in pieces if p.value.strip()]
    if any(p.is_html for p in pieces):
        return _Text("\n".join(p.as_html() for p in pieces), True)
    return _Text("\n".join(p.value.strip() for p in pieces), False)


# --- QTI 1.2 --------------------------------------------------------------------------------

_RESPONSES = {"response_lid", "response_str", "response_num", "response_xy", "response_grp"}
_NOT_STEM_FLOWS = {"RESPONSE_BLOCK", "RIGHT_MATCH_BLOCK"}


def _material(
    element: Element,
    sink: _Sink,
    line: int | None,
    exclude=lambda el: False,
) -> _Text:
    """The text of every <material> under `element` (document order), skipping excluded
    subtrees; images are dropped with a warning."""
    pieces: list[_Text] = []
    stack = [element]
    while stack:
        node = stack.pop()
        name = _name(node)
        if node is not element and exclude(node):
            continue
        if name == "mattext":
            texttype = (node.get("texttype") or "text/plain").lower()
            is_html = "html" in texttype
            value = node.text or ""
            if is_html:
                value = _drop_media(value, sink, line)
            pieces.append(_Text(value, is_html))
            continue
        if name == "mat_formattedtext":
            is_html = (node.get("type") or "").upper() == "HTML"
            value = node.text or ""
            if is_html:
                value = _drop_media(value, sink, line)
            pieces.append(_Text(value, is_html))
            continue
        if name == "matemtext":
            pieces.append(_Text(node.text or "", False))
            continue
        if name in ("matimage", "mataudio", "matvideo", "matapplet", "matapplication"):
            src = node.get("uri") or node.get("uri2") or node.get("entityref") or ""
            if name == "matimage" and src:
                alt = html.escape(node.get("label") or "", quote=True)
                pieces.append(
                    _Text(f'<img src="{html.escape(src, quote=True)}" alt="{alt}">', True)
                )
                continue
            name_text = _media_name(src) if src else "(embedded)"
            sink.warn(line, f"media {name_text} was dropped: only pictures are imported")
            continue
        stack.extend(reversed(list(node)))
    return _join(pieces)


def _metadata(item: Element) -> dict[str, str]:
    """Canvas qtimetadatafield label -> entry, plus Blackboard bbmd_* fields."""
    fields: dict[str, str] = {}
    meta = _child(item, "itemmetadata")
    if meta is None:
        return fields
    for node in meta.iter():
        name = _name(node)
        if name == "qtimetadatafield":
            label = _child(node, "fieldlabel")
            entry = _child(node, "fieldentry")
            if label is not None and label.text:
                fields.setdefault(
                    label.text.strip().lower(),
                    (entry.text or "").strip() if entry is not None else "",
                )
        elif name.startswith(("bbmd_", "qmd_")):
            fields.setdefault(name, (node.text or "").strip())
    return fields


_CANVAS_TYPES = {
    "multiple_choice_question": "choice",
    "true_false_question": "choice",
    "multiple_answers_question": "multi",
    "short_answer_question": "fill",
    "numerical_question": "numeric",
    "matching_question": "matching",
    "fill_in_multiple_blanks_question": "blanks",
}
_CANVAS_SKIPS = {
    "essay_question": "an essay question is graded by hand",
    "file_upload_question": "a file upload is graded by hand",
    "text_only_question": "a text-only item is a description, not a question",
    "calculated_question": "calculated (formula) questions are not supported",
    "multiple_dropdowns_question": "multiple dropdowns are not supported",
}
_BLACKBOARD_TYPES = {
    "multiple choice": "choice",
    "true/false": "choice",
    "either/or": "choice",
    "multiple answer": "multi",
    "fill in the blank": "fill",
    "numeric": "numeric",
    "matching": "matching",
    "ordering": "ordering",
}
_BLACKBOARD_SKIPS = {
    "essay": "an essay question is graded by hand",
    "short response": "a short response is graded by hand",
    "file upload": "a file upload is graded by hand",
    "calculated": "calculated (formula) questions are not supported",
    "hot spot": "hot spot (image area) questions are not supported",
    "jumbled sentence": "jumbled sentences are not supported",
    "quiz bowl": "quiz bowl questions are not supported",
    "opinion scale": "an opinion scale is a survey item with no correct answer",
    "fill in multiple blanks": "several blanks in one question are not supported",
}
#: Blackboard Either/Or choices are label keys, not texts.
_EITHER_OR = {
    "yes_no": ("Yes", "No"),
    "agree_disagree": ("Agree", "Disagree"),
    "right_wrong": ("Right", "Wrong"),
    "true_false": ("True", "False"),
}


class _Atom(NamedTuple):
    op: str
    respident: str
    value: str
    negated: bool = False


@dataclass
class _Condition:
    alternatives: list[list[_Atom]]
    #: Score this condition gives: a number, math.inf for "full marks", None when it sets none.
    score: float | None
    add: bool
    setvars: dict[str, str]


@dataclass
class _Response:
    ident: str
    kind: str
    cardinality: str
    element: Element
    labels: list[tuple[str, _Text]]


def _dnf(element: Element) -> list[list[_Atom]]:
    """A condition as alternatives (OR) of conjunctions (AND) of atoms."""
    name = _name(element)
    if name in ("conditionvar", "and"):
        result: list[list[_Atom]] = [[]]
        for child in element:
            sub = _dnf(child)
            result = [a + b for a in result for b in sub]
            if len(result) > MAX_ALTERNATIVES:
                raise _Fail("the scoring conditions are too complex to read")
        return result
    if name == "or":
        alternatives: list[list[_Atom]] = []
        for child in element:
            alternatives.extend(_dnf(child))
            if len(alternatives) > MAX_ALTERNATIVES:
                raise _Fail("the scoring conditions are too complex to read")
        return alternatives
    if name == "not":
        inner = list(element)
        if len(inner) == 1 and _name(inner[0]) not in ("and", "or", "not"):
            return [[_atom(inner[0])._replace(negated=True)]]
        return [[_Atom("complex", "", "", True)]]
    return [[_atom(element)]]


def _atom(element: Element) -> _Atom:
    return _Atom(_name(element), element.get("respident") or "", (element.text or "").strip())


def _conditions(item: Element, blackboard: bool) -> list[_Condition]:
    conditions = []
    for processing in _children(item, "resprocessing"):
        score_vars = {"score"}
        for outcomes in _children(processing, "outcomes"):
            for decvar in _children(outcomes, "decvar"):
                score_vars.add((decvar.get("varname") or "SCORE").lower())
        for cond in _children(processing, "respcondition"):
            conditionvar = _child(cond, "conditionvar")
            alternatives = _dnf(conditionvar) if conditionvar is not None else [[]]
            score: float | None = None
            add = False
            setvars: dict[str, str] = {}
            for setvar in _children(cond, "setvar"):
                var = (setvar.get("varname") or setvar.get("variablename") or "SCORE").strip()
                value = (setvar.text or "").strip()
                setvars[var.lower()] = value
                if var.lower() not in score_vars:
                    continue
                action = (setvar.get("action") or "Set").lower()
                number = math.inf if value.lower().endswith(".max") else _number(value)
                if number is None:
                    raise _Fail(f"the score {value!r} is not a number")
                if action == "subtract":
                    number = -number
                add = action in ("add", "subtract")
                score = number if score is None or not add else score + number
            if (
                score is None
                and blackboard
                and (cond.get("title") or "").lower()
                not in (
                    "incorrect",
                    "partially_correct",
                )
            ):
                # Blackboard lists only right answers in untitled / id-titled conditions.
                score = math.inf
            conditions.append(_Condition(alternatives, score, add, setvars))
    return conditions


def _responses(presentation: Element, sink: _Sink, line: int | None) -> list[_Response]:
    found = []
    for node in presentation.iter():
        name = _name(node)
        if name not in _RESPONSES:
            continue
        labels = []
        for label in node.iter():
            if _name(label) == "response_label":
                labels.append((label.get("ident") or "", _material(label, sink, line)))
        render_fib = next((n for n in node.iter() if _name(n) == "render_fib"), None)
        kind = name
        if render_fib is not None and (render_fib.get("fibtype") or "").lower() in (
            "decimal",
            "integer",
            "scientific",
        ):
            kind = "response_num"
        found.append(
            _Response(
                node.get("ident") or "",
                kind,
                (node.get("rcardinality") or "Single").lower(),
                node,
                labels,
            )
        )
    return found


def _is_stem_excluded(node: Element) -> bool:
    name = _name(node)
    return name in _RESPONSES or (name == "flow" and node.get("class") in _NOT_STEM_FLOWS)


def _label_scores(response: _Response, conditions: list[_Condition]) -> dict[str, float]:
    """Score of choosing each label alone (Set keeps the highest value, Add accumulates)."""
    idents = {ident for ident, _ in response.labels}
    scores: dict[str, float] = {}
    for cond in conditions:
        if cond.score is None:
            continue
        hit: set[str] = set()
        for conjunction in cond.alternatives:
            if any(a.op == "other" for a in conjunction):
                continue
            for atom in conjunction:
                if (
                    atom.op == "varequal"
                    and not atom.negated
                    and atom.value in idents
                    and atom.respident in ("", response.ident)
                ):
                    hit.add(atom.value)
        for ident in hit:
            if cond.add:
                scores[ident] = scores.get(ident, 0.0) + cond.score
            else:
                scores[ident] = max(scores.get(ident, -math.inf), cond.score)
    return scores


def _texts(response: _Response) -> dict[str, str]:
    texts = {}
    for ident, text in response.labels:
        if ident not in texts:
            texts[ident] = text.plain()
    return texts


def _percent(score: float, full: float) -> str:
    if math.isinf(full):
        return f"{score:g} points"
    return f"{round(100 * score / full)}%"


def _choice_fields(
    response: _Response, conditions: list[_Condition], sink: _Sink, line: int | None
) -> tuple[str, dict]:
    texts = _texts(response)
    if not texts:
        raise _Fail("the question has no options")
    scores = _label_scores(response, conditions)
    positive = {i: s for i, s in scores.items() if s > 0}
    if not positive:
        raise _Fail("no option earns credit, so the question has no correct answer")
    full = max(positive.values())
    keyed = [i for i in texts if positive.get(i) == full]
    if len(keyed) > 1:
        names = ", ".join(repr(texts[i]) for i in keyed)
        raise _Fail(
            f"{len(keyed)} options earn full credit ({names}); a single-answer question "
            "needs exactly one"
        )
    for ident, score in positive.items():
        if ident not in keyed and ident in texts:
            sink.warn(
                line,
                f"partial credit ({_percent(score, full)}) for {texts[ident]!r} is not kept: "
                "only the full-credit option is scored",
            )
    texts = _without_empty(texts, set(keyed), sink, line)
    options = list(texts.values())
    key = texts[keyed[0]]
    if sorted(o.casefold() for o in options) == ["false", "true"]:
        return "true_false", {"key": key.casefold() == "true"}
    return "single_best", {"options": options, "key": key}


def _kept_in_order_12(response: _Response) -> bool:
    """QTI 1.2's <render_choice shuffle="No">, or a choice fixed in its place ("All of the
    above"): the options keep their order. Without the attribute they are shuffled, as Canvas
    exports, which leave it out, expect."""
    for node in response.element.iter():
        name = _name(node)
        if name == "render_choice" and (node.get("shuffle") or "").strip().lower() == "no":
            return True
        if name == "response_label" and (node.get("rshuffle") or "").strip().lower() == "no":
            return True
    return False


def _check_options(texts: dict[str, str]) -> None:
    if not texts:
        raise _Fail("the question has no options")
    empty = [n for n, text in enumerate(texts.values(), start=1) if not text]
    if empty:
        raise _Fail(f"option {empty[0]} has no text")


def _without_empty(
    texts: dict[str, str], keyed: set[str], sink: _Sink, line: int | None
) -> dict[str, str]:
    """Options with text; an empty wrong option is left out with a warning."""
    kept = {}
    for n, (ident, text) in enumerate(texts.items(), start=1):
        if text:
            kept[ident] = text
        elif ident in keyed:
            raise _Fail(f"option {n} is a correct answer but has no text")
        else:
            sink.warn(line, f"option {n} has no text; it was left out")
    return kept


def _multi_fields(
    response: _Response,
    conditions: list[_Condition],
    sink: _Sink,
    line: int | None,
    max_score: float | None,
) -> tuple[str, dict]:
    texts = _texts(response)
    if not texts:
        raise _Fail("the question has no options")
    idents = set(texts)
    # All-or-nothing: one condition that names the exact set (Canvas, Blackboard).
    best: tuple[float, list[str]] | None = None
    for cond in conditions:
        if cond.score is None or cond.score <= 0:
            continue
        for conjunction in cond.alternatives:
            chosen = [
                a.value
                for a in conjunction
                if a.op == "varequal" and not a.negated and a.value in idents
            ]
            excluded = [a for a in conjunction if a.op == "varequal" and a.negated]
            names_set = len(chosen) >= 2 or (chosen and excluded)
            if names_set and (best is None or cond.score > best[0]):
                best = (cond.score, chosen)
    if best is not None:
        keyed = set(best[1])
    else:
        scores = _label_scores(response, conditions)
        weights = {i: s for i, s in scores.items() if s > 0}
        if not weights:
            raise _Fail("no option earns credit, so the question has no correct answer")
        if not any(math.isinf(w) for w in weights.values()):
            total = sum(weights.values())
            targets = [100.0] + ([max_score] if max_score else [])
            if not any(abs(total - t) <= 0.01 * t for t in targets):
                raise _Fail(
                    f"the correct options' weights add up to {total:g}, not "
                    f"{' or '.join(f'{t:g}' for t in targets)}"
                )
            if max(weights.values()) - min(weights.values()) > 0.011 * max(weights.values()):
                sink.warn(
                    line,
                    "the correct options have unequal weights; here each counts equally",
                )
        keyed = set(weights)
    texts = _without_empty(texts, keyed, sink, line)
    return "multiple_response", {
        "options": list(texts.values()),
        "key": [texts[i] for i in texts if i in keyed],
    }


def _accepted(response: _Response, conditions: list[_Condition], sink, line) -> list[str]:
    """Accepted answers of a text blank: the values of its full-credit conditions."""
    values: dict[str, float] = {}
    for cond in conditions:
        if cond.score is None or cond.score <= 0:
            continue
        if cond.setvars.get("evaluationtype", "").upper() == "CONTAINS":
            sink.warn(
                line, "Blackboard accepted answers containing the key; only exact answers are"
            )
        for conjunction in cond.alternatives:
            for atom in conjunction:
                if atom.negated or atom.respident not in ("", response.ident):
                    continue
                if atom.op == "varequal" and atom.value:
                    values[atom.value] = max(values.get(atom.value, -math.inf), cond.score)
                elif atom.op in ("varsubstring", "varinside"):
                    raise _Skip("short_answer", f"{atom.op} answer matching is not supported")
    if not values:
        raise _Fail("the question has no accepted answer")
    full = max(values.values())
    for value, score in values.items():
        if score < full:
            sink.warn(line, f"the partly right answer {value!r} is not accepted here")
    return [value for value, score in values.items() if score == full]


def _numeric_fields(response: _Response, conditions: list[_Condition]) -> tuple[str, dict]:
    intervals: set[tuple[float, float, str]] = set()
    full = max((c.score for c in conditions if c.score is not None), default=None)
    if full is None or full <= 0:
        raise _Fail("the question has no accepted answer")
    for cond in conditions:
        if cond.score != full:
            continue
        for conjunction in cond.alternatives:
            atoms = [
                a
                for a in conjunction
                if not a.negated and a.respident in ("", response.ident) and a.op != "other"
            ]
            if not atoms:
                continue
            low = high = exact = None
            exact_text = ""
            for atom in atoms:
                number = _number(atom.value)
                if number is None:
                    raise _Fail(f"the numeric answer {atom.value!r} is not a number")
                if atom.op == "varequal":
                    exact, exact_text = number, atom.value
                elif atom.op in ("vargte", "vargt"):
                    low = number
                elif atom.op in ("varlte", "varlt"):
                    high = number
                else:
                    raise _Skip("numerical", f"{atom.op} conditions are not supported")
            if low is not None and high is not None:
                intervals.add((low, high, ""))
            elif exact is not None and low is None and high is None:
                intervals.add((exact, exact, exact_text))
            else:
                raise _Skip("numerical", "an open-ended numeric range cannot be represented")
    if not intervals:
        raise _Fail("the question has no accepted answer")
    # Ranges inside another accepted range add nothing.
    kept = sorted(
        i
        for i in intervals
        if not any(o[:2] != i[:2] and o[0] <= i[0] and i[1] <= o[1] for o in intervals)
    )
    kept = [k for n, k in enumerate(kept) if n == 0 or kept[n - 1][:2] != k[:2]]
    halves = {round((high - low) / 2, 12) for low, high, _ in kept}
    if len(halves) != 1:
        ranges = ", ".join(f"{_format_number(lo)}..{_format_number(hi)}" for lo, hi, _ in kept)
        raise _Skip(
            "numerical",
            f"the accepted answers ({ranges}) cannot be written as values with one tolerance",
        )
    tolerance = halves.pop()
    if tolerance < 0:
        raise _Fail("a numeric range has its minimum above its maximum")
    keys = [text or _format_number((low + high) / 2) for low, high, text in kept]
    return "fill_in_blank", {"key": keys, "tolerance": float(_format_number(tolerance))}


def _matching_fields(
    item_responses: list[_Response],
    presentation: Element,
    conditions: list[_Condition],
    sink: _Sink,
    line: int | None,
) -> tuple[str, dict]:
    parents = {child: parent for parent in presentation.iter() for child in parent}
    # Blackboard: labels carry no text; the right-hand texts are in RIGHT_MATCH_BLOCK, in order.
    right_block = [
        n
        for n in presentation.iter()
        if _name(n) == "flow" and n.get("class") == "RIGHT_MATCH_BLOCK"
    ]
    right_texts = (
        [_material(flow, sink, line).plain() for flow in right_block[0] if _name(flow) == "flow"]
        if right_block
        else []
    )
    pairs: list[tuple[str, str]] = []
    all_matches: list[str] = []
    for response in item_responses:
        prompt = _material(response.element, sink, line, lambda n: _name(n) == "render_choice")
        parent = parents.get(response.element)
        if not prompt.value.strip() and parent is not None and _name(parent) == "flow":
            prompt = _material(parent, sink, line, lambda n: _name(n) in _RESPONSES)
        texts: dict[str, str] = {}
        for n, (ident, text) in enumerate(response.labels):
            value = text.plain()
            if not value and n < len(right_texts):
                value = right_texts[n]
            texts.setdefault(ident, value)
        all_matches.extend(texts.values())
        right = [
            a.value
            for cond in conditions
            if cond.score is not None and cond.score > 0
            for conjunction in cond.alternatives
            for a in conjunction
            if a.op == "varequal" and not a.negated and a.respident == response.ident
        ]
        prompt_text = prompt.plain()
        if not prompt_text:
            raise _Fail(f"prompt {len(pairs) + 1} has no text")
        if not right or right[0] not in texts:
            raise _Fail(f"the prompt {prompt_text!r} has no correct match")
        if len(set(right)) > 1:
            raise _Fail(f"the prompt {prompt_text!r} has several correct matches")
        if not texts[right[0]]:
            raise _Fail(f"the correct match for {prompt_text!r} has no text")
        pairs.append((prompt_text, texts[right[0]]))
    used = {m.casefold() for _, m in pairs}
    extras: list[str] = []
    for match in all_matches:
        if match and match.casefold() not in used:
            used.add(match.casefold())
            extras.append(match)
    fields: dict = {"pairs": [list(p) for p in pairs]}
    if extras:
        fields["extra_matches"] = extras
    return "matching", fields


def _ordering_fields(response: _Response, conditions: list[_Condition]) -> tuple[str, dict]:
    texts = _texts(response)
    _check_options(texts)
    best: tuple[float, list[str]] | None = None
    for cond in conditions:
        if cond.score is None or cond.score <= 0:
            continue
        for conjunction in cond.alternatives:
            order = [
                a.value
                for a in conjunction
                if a.op == "varequal" and not a.negated and a.value in texts
            ]
            if best is None or cond.score > best[0]:
                best = (cond.score, order)
    if best is None or sorted(best[1]) != sorted(texts):
        raise _Fail("the correct order does not name every item exactly once")
    return "ordering", {"items": [texts[i] for i in best[1]]}


def _blanks_fields(
    responses: list[_Response], stem: _Text, sink: _Sink, line: int | None
) -> tuple[str, dict, _Text]:
    if len(responses) != 1:
        raise _Skip(
            "fill_in_multiple_blanks",
            f"{len(responses)} blanks in one question; only one blank is supported",
        )
    response = responses[0]
    name = _material(response.element, sink, line, lambda n: _name(n) == "render_choice").plain()
    key = [t for t in _texts(response).values() if t]
    if not key:
        raise _Fail("the blank has no accepted answer")
    value = stem.value.replace(f"[{name}]", BLANK) if name else stem.value
    return "fill_in_blank", {"key": key}, _Text(value, stem.is_html)


def _kind12(meta: dict[str, str], responses: list[_Response]) -> tuple[str, bool]:
    """Our kind of question (choice, multi, fill, numeric, matching, ordering, blanks) and
    whether the item comes from Blackboard."""
    canvas = meta.get("question_type", "")
    blackboard = meta.get("bbmd_questiontype", "")
    if canvas:
        if canvas in _CANVAS_TYPES:
            return _CANVAS_TYPES[canvas], False
        reason = _CANVAS_SKIPS.get(canvas, f"the question type {canvas!r} is not supported")
        raise _Skip(canvas.removesuffix("_question"), reason)
    if blackboard:
        lowered = blackboard.lower()
        if lowered in _BLACKBOARD_TYPES:
            return _BLACKBOARD_TYPES[lowered], True
        reason = _BLACKBOARD_SKIPS.get(
            lowered, f"the question type {blackboard!r} is not supported"
        )
        raise _Skip(lowered.replace(" ", "_").replace("/", "_"), reason)
    # No metadata: infer from the response fields.
    if not responses:
        raise _Skip("text_only", "the item has no answer field: a description, not a question")
    if len(responses) > 1:
        if all(r.kind == "response_lid" for r in responses):
            return "matching", False
        raise _Skip("composite", "several answer fields of different kinds are not supported")
    response = responses[0]
    if response.kind == "response_lid":
        return {"multiple": "multi", "ordered": "ordering"}.get(
            response.cardinality, "choice"
        ), False
    if response.kind == "response_str":
        return "fill", False
    if response.kind == "response_num":
        return "numeric", False
    raise _Skip(response.kind, f"{response.kind} answers are not supported")


def _either_or(response: _Response) -> None:
    """Blackboard Either/Or and True/False labels are keys such as yes_no.true: name them."""
    for n, (ident, text) in enumerate(response.labels):
        match = re.fullmatch(r"(\w+)\.(true|false)", text.value.strip())
        if match and match.group(1) in _EITHER_OR:
            yes, no = _EITHER_OR[match.group(1)]
            response.labels[n] = (ident, _Text(yes if match.group(2) == "true" else no, False))


_GENERAL_FEEDBACK = ("general_fb", "general", "generalfeedback")
#: Canvas's feedback shown after a right or a wrong answer, labelled in the rationale.
_OUTCOME_FEEDBACK = (("correct_fb", "If right"), ("general_incorrect_fb", "If wrong"))


def _labelled(label: str, text: _Text) -> _Text:
    return _Text(labelled_feedback(label, text.value, text.is_html), text.is_html)


def _rationale12(item: Element, responses: list[_Response], sink: _Sink, line: int | None) -> _Text:
    """The rationale: the general feedback, then the feedback for a right and for a wrong
    answer, then each option's own ("option: feedback"), as the GIFT importer keeps them."""
    texts = {
        (feedback.get("ident") or "").lower(): _material(feedback, sink, line)
        for feedback in _children(item, "itemfeedback")
    }
    texts = {ident: text for ident, text in texts.items() if text.plain()}
    pieces = [texts[ident] for ident in _GENERAL_FEEDBACK if ident in texts]
    labels = [(ident, label) for ident, label in _OUTCOME_FEEDBACK]
    labels += [(f"{ident}_fb".lower(), text.plain()) for r in responses for ident, text in r.labels]
    pieces += [_labelled(label, texts[ident]) for ident, label in labels if ident in texts]
    return _join(pieces)


def _item12(item: Element, line: int | None, category: tuple[str, ...], sink: _Sink) -> None:
    meta = _metadata(item)
    source_id = item.get("ident") or meta.get("bbmd_asi_object_id") or item.get("title")
    presentation = _child(item, "presentation")
    responses = (
        _responses(presentation, _Sink(ImportResult(FORMAT)), line)
        if presentation is not None
        else []
    )
    kind, blackboard = _kind12(meta, responses)
    if presentation is None:
        raise _Fail("the item has no <presentation>")
    # Now that the item is kept, collect its texts again with media warnings.
    responses = _responses(presentation, sink, line)
    stem = _material(presentation, sink, line, _is_stem_excluded)
    rationale = _rationale12(item, responses, sink, line)
    conditions = _conditions(item, blackboard)
    choice_responses = [r for r in responses if r.kind == "response_lid"]
    if kind == "matching":
        qtype, fields = _matching_fields(choice_responses, presentation, conditions, sink, line)
    elif kind == "blanks":
        qtype, fields, stem = _blanks_fields(choice_responses, stem, sink, line)
    else:
        if len(responses) != 1:
            raise _Fail(f"expected one answer field, found {len(responses)}")
        response = responses[0]
        if kind in ("choice", "multi", "ordering") and response.kind != "response_lid":
            raise _Fail("a choice question needs a list of choices (<response_lid>)")
        if kind == "choice":
            _either_or(response)
            qtype, fields = _choice_fields(response, conditions, sink, line)
        elif kind == "multi":
            max_score = None
            for decvar in item.iter():
                if _name(decvar) == "decvar":
                    max_score = _number(decvar.get("maxvalue"))
                    break
            qtype, fields = _multi_fields(response, conditions, sink, line, max_score)
        elif kind == "ordering":
            qtype, fields = _ordering_fields(response, conditions)
        elif kind == "numeric":
            qtype, fields = _numeric_fields(response, conditions)
        else:
            qtype, fields = "fill_in_blank", {"key": _accepted(response, conditions, sink, line)}
        if qtype in ("single_best", "multiple_response") and _kept_in_order_12(response):
            fields["shuffle"] = False
    if not stem.plain():
        raise _Fail("the question has no text")
    is_html = stem.is_html or rationale.is_html
    sink.result.questions.append(
        ImportedQuestion(
            line=line,
            type=qtype,
            stem=stem.as_html() if is_html else stem.value.strip(),
            fields=fields,
            rationale=(rationale.as_html() if is_html else rationale.value.strip())
            if rationale.value.strip()
            else "",
            category=category,
            source_id=source_id,
            html=is_html,
        )
    )


def _bank_title(element: Element) -> str:
    title = (element.get("title") or "").strip()
    if title or _name(element) != "objectbank":
        return title
    meta = _child(element, "qtimetadata")
    if meta is not None:
        for field_ in _children(meta, "qtimetadatafield"):
            label = _child(field_, "fieldlabel")
            entry = _child(field_, "fieldentry")
            if (
                label is not None
                and (label.text or "").strip() == "bank_title"
                and entry is not None
            ):
                return (entry.text or "").strip()
    return ""


def _parse_qti12(root: Element, lines: dict[Element, int], sink: _Sink) -> None:
    items: list[tuple[Element, tuple[str, ...]]] = []

    def walk(node: Element, path: tuple[str, ...]) -> None:
        # Depth is bounded by MAX_DEPTH, so recursion is safe.
        for child in node:
            name = _name(child)
            if name == "item":
                items.append((child, path))
            elif name in ("section", "objectbank", "assessment"):
                title = "" if name == "assessment" else _bank_title(child)
                if child.get("ident") == "root_section":
                    title = ""
                walk(child, (*path, title) if title else path)

    walk(root, ())
    for item, path in items:
        line = lines.get(item)
        try:
            _item12(item, line, path, sink)
        except _Skip as skip:
            sink.skip(line, skip.kind, skip.reason)
        except _Fail as fail:
            sink.error(line, str(fail))


# --- QTI 2.x / 3.0 --------------------------------------------------------------------------

_VOID = {"br", "hr", "img", "col", "wbr", "area", "source"}
_NOT_SHOWN = {
    "feedbackInline",
    "feedbackBlock",
    "modalFeedback",
    "rubricBlock",
    "templateBlock",
    "templateInline",
    "stylesheet",
}


def _html(element: Element, include_self: bool, prompt_only: bool = False) -> str:
    """Serialise QTI body XHTML as HTML (namespaces dropped, QTI-only elements unwrapped,
    interactions replaced by their prompt)."""
    parts: list[str] = []

    def emit(node: Element, wrap: bool) -> None:
        name = _name(node)
        if name in _NOT_SHOWN:
            return
        if name.endswith("Interaction"):
            prompt = _child(node, "prompt")
            if prompt is not None:
                parts.append("<p>")
                emit_children(prompt)
                parts.append("</p>")
            return
        html_tag = wrap and re.fullmatch(r"[a-z][a-z0-9]*", name) is not None
        if html_tag:
            attrs = "".join(
                f' {k.rsplit("}", 1)[-1]}="{html.escape(v)}"'
                for k, v in node.attrib.items()
                if k.rsplit("}", 1)[-1].isalpha()
            )
            parts.append(f"<{name}{attrs}>")
            if name in _VOID:
                return
        emit_children(node)
        if html_tag:
            parts.append(f"</{name}>")

    def emit_children(node: Element) -> None:
        parts.append(html.escape(node.text or "", quote=False))
        for child in node:
            emit(child, True)
            parts.append(html.escape(child.tail or "", quote=False))

    if include_self:
        emit(element, True)
    else:
        emit_children(element)
    return "".join(parts)


def _parse_qti2(
    root: Element, line: int | None, sink: _Sink, category: tuple[str, ...] = ()
) -> None:
    try:
        _item2(root, line, sink, category)
    except _Skip as skip:
        sink.skip(line, skip.kind, skip.reason)
    except _Fail as fail:
        sink.error(line, str(fail))


def _rationale2(root: Element, choices: dict[str, str], sink: _Sink, line: int | None) -> str:
    """The item's modal feedback as the rationale: a choice's own labelled with the choice's
    text, the others (correct, incorrect, general) as they are."""
    pieces = []
    for feedback in root.iter():
        if _name(feedback) != "modalFeedback":
            continue
        text = _drop_media(_html(feedback, False), sink, line).strip()
        if not _Text(text, True).plain():
            continue
        choice = choices.get(_attr(feedback, "identifier") or "")
        pieces.append(labelled_feedback(html_to_text(choice), text, True) if choice else text)
    return "\n".join(pieces)


def _item2(root: Element, line: int | None, sink: _Sink, category: tuple[str, ...]) -> None:
    body = _child(root, "itemBody")
    if body is None:
        raise _Fail("the item has no itemBody")
    interactions = [n for n in body.iter() if _name(n).endswith("Interaction")]
    if not interactions:
        raise _Skip("text_only", "the item has no interaction: a description, not a question")
    names = sorted({_name(n) for n in interactions})
    if len(interactions) > 1:
        raise _Skip(
            "composite",
            f"{len(interactions)} interactions in one item ({', '.join(names)}) are not supported",
        )
    interaction = interactions[0]
    if names != ["choiceInteraction"]:
        raise _Skip(names[0], f"{names[0]} items are not supported (only choiceInteraction)")
    response_id = _attr(interaction, "responseIdentifier") or ""
    declaration = next(
        (d for d in _children(root, "responseDeclaration") if d.get("identifier") == response_id),
        None,
    )
    if declaration is None:
        raise _Fail(f"no responseDeclaration for the response {response_id!r}")
    choices: dict[str, str] = {}
    for choice in interaction.iter():
        if _name(choice) == "simpleChoice":
            ident = choice.get("identifier") or ""
            # Kept as HTML, so that the option's formatting and pictures survive (build_bank
            # cleans it to the allow-list).
            text = " ".join(sanitize_html(_drop_media(_html(choice, False), sink, line)).split())
            choices.setdefault(ident, text)
    _check_options(choices)
    correct_node = _child(declaration, "correctResponse")
    correct = (
        [(v.text or "").strip() for v in _children(correct_node, "value")]
        if correct_node is not None
        else []
    )
    mapping: dict[str, float] = {}
    mapping_node = _child(declaration, "mapping")
    if mapping_node is not None:
        for entry in _children(mapping_node, "mapEntry"):
            value = _number(_attr(entry, "mappedValue"))
            if value is None:
                raise _Fail(f"the mapped value {_attr(entry, 'mappedValue')!r} is not a number")
            mapping[(_attr(entry, "mapKey") or "").strip()] = value
    if not correct:
        correct = [k for k, v in mapping.items() if v > 0]
        if correct:
            sink.warn(
                line, "no correctResponse: the options with a positive mapped value are keyed"
            )
    if not correct:
        raise _Fail("the item has no answer key (no correctResponse and no positive mapping)")
    unknown = [c for c in correct if c not in choices]
    if unknown:
        raise _Fail(f"the correct response {unknown[0]!r} is not one of the choices")
    max_choices = _number(_attr(interaction, "maxChoices", "1"))
    cardinality = (declaration.get("cardinality") or "single").lower()
    multiple = cardinality != "single" or max_choices != 1
    credited = [k for k, v in mapping.items() if v > 0 and k not in correct and k in choices]
    for ident in credited:
        sink.warn(line, f"partial credit for {choices[ident]!r} is not kept")
    if not multiple:
        if len(correct) != 1:
            raise _Fail(f"a single-answer item has {len(correct)} correct responses")
        options = list(choices.values())
        key = choices[correct[0]]
        if sorted(o.casefold() for o in options) == ["false", "true"]:
            qtype, fields = "true_false", {"key": key.casefold() == "true"}
        else:
            qtype, fields = "single_best", {"options": options, "key": key}
    else:
        weights = {mapping[c] for c in correct if c in mapping}
        if len(weights) > 1:
            sink.warn(line, "the correct options have unequal weights; here each counts equally")
        qtype = "multiple_response"
        fields = {
            "options": list(choices.values()),
            "key": [choices[c] for c in choices if c in correct],
        }
    fixed = any(
        _name(c) == "simpleChoice" and _attr(c, "fixed") == "true" for c in interaction.iter()
    )
    if qtype != "true_false" and (_attr(interaction, "shuffle") == "false" or fixed):
        fields["shuffle"] = False  # asked not to, or a choice is fixed in its place
    stem = _drop_media(_html(body, False), sink, line)
    if not _Text(stem, True).plain():
        raise _Fail("the question has no text")
    sink.result.questions.append(
        ImportedQuestion(
            line=line,
            type=qtype,
            stem=stem.strip(),
            fields=fields,
            rationale=_rationale2(root, choices, sink, line),
            category=category,
            source_id=root.get("identifier") or root.get("title"),
            html=True,
        )
    )


# --- documents and packages -----------------------------------------------------------------

_QTI2_ROOTS = {"assessmentItem"}
#: XML that belongs in a package but holds no questions.
_KNOWN_OTHER_ROOTS = {"manifest", "quiz", "assessmentTest", "assessmentSection", "assessmentStub"}


def _parse_document(data: bytes, sink: _Sink) -> str:
    """Parse one XML document into the result; return the root's name."""
    root, lines = _parse_xml(_xml_text(data, sink), sink.result)
    name = _name(root)
    if name == "questestinterop":
        _parse_qti12(root, lines, sink)
    elif name in _QTI2_ROOTS:
        _parse_qti2(root, lines.get(root), sink)
    return name


def _parse_zip(data: bytes, result: ImportResult) -> None:
    # zipfile raises many kinds of errors on hostile archives; all mean "not a readable zip".
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # any error here means: not a readable zip
        raise ImportFormatError(f"the zip file cannot be read: {exc}") from None
    check_archive(
        infos,
        max_entries=MAX_ZIP_ENTRIES,
        max_total=MAX_ZIP_TOTAL,
        max_ratio=MAX_ZIP_RATIO,
        ratio_min_size=RATIO_CHECK_MIN_SIZE,
        check_whole_ratio=True,
    )
    pictures: dict[str, bytes] = {}
    failures: list[str] = []
    found = 0
    for info in infos:
        name = info.filename
        base = name.rsplit("/", 1)[-1]
        if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("._") or not base:
            continue
        if not base.lower().endswith(".xml"):
            if base.lower().endswith(_PICTURE_SUFFIXES) and info.file_size <= MAX_IMAGE_BYTES:
                try:
                    with archive.open(info) as member:
                        pictures[name] = member.read(info.file_size + 1)
                except Exception:  # corrupt data: the picture is reported missing later
                    pictures.pop(name, None)
            continue
        sink = _Sink(result, name)
        try:
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)
            if len(content) > info.file_size:
                raise ImportFormatError("the entry is larger than the zip says")
        except ImportFormatError as exc:
            failures.append(name)
            sink.error(None, f"cannot be read: {exc}")
            continue
        except Exception as exc:  # corrupt data, bad CRC, unknown compression...
            failures.append(name)
            sink.error(None, f"cannot be read: {exc}")
            continue
        try:
            root_name = _parse_document(content, sink)
        except TooManyQuestionsError:
            raise
        except ImportFormatError as exc:
            failures.append(name)
            sink.error(exc.line, exc.message)
            continue
        if root_name == "questestinterop" or root_name in _QTI2_ROOTS:
            found += 1
        elif root_name not in _KNOWN_OTHER_ROOTS:
            sink.warn(None, f"not a QTI question file (<{root_name}>); ignored")
    for question in result.questions:
        question.files = pictures  # image sources are resolved against the package's files
    if not found and not failures:
        raise ImportFormatError(
            "the zip holds no QTI question file (<questestinterop> or <assessmentItem> XML)"
        )


def parse_qti(data: bytes, filename: str = "", *, max_questions: int | None = None) -> ImportResult:
    """Read a QTI 1.2 / 2.x / 3.0 XML file or a QTI zip package.

    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    """
    result = ImportResult(format=FORMAT, max_questions=max_questions)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        _parse_zip(data, result)
        return result
    sink = _Sink(result)
    name = _parse_document(data, sink)
    if name in ("assessmentTest", "assessmentSection"):
        raise ImportFormatError(
            "this is a QTI test, which only refers to item files: upload the whole package (.zip)"
        )
    if name == "manifest":
        raise ImportFormatError(
            "this is a package manifest (imsmanifest.xml): upload the whole package (.zip)"
        )
    if name != "questestinterop" and name not in _QTI2_ROOTS:
        raise ImportFormatError(
            f"not a QTI file: the root element is <{name}>, not <questestinterop> (QTI 1.2), "
            "<assessmentItem> (QTI 2) or <qti-assessment-item> (QTI 3)"
        )
    return result
