"""Moodle XML (`<quiz>` of `<question type=...>`) to an ImportResult.

Follows Moodle's own importer (question/format/xml/format.php) where it has a rule:

- `<question type="category">` pseudo-questions set the category of the questions after them;
  the context prefix (`$course$/`, `$cat$/`, `$module$/`, `$system$/`...) and Moodle's root
  `top` are dropped, the path splits on `/` (`//` is an escaped slash inside a name).
- Text fields are `<text>` (usually CDATA) with `format` html (the default), moodle_auto_format
  (HTML whose new lines are line breaks), plain_text or markdown (kept as plain text).
  An unknown format is read as HTML, as Moodle does.
- multichoice: `single` true -> single_best (exactly one 100% answer), false ->
  multiple_response (positive fractions summing to 100%). Fractions must be one of Moodle's grade
  values (match_grade_options, mode "error"). `answernumbering` is display only (we letter
  options ourselves); `shuffleanswers` (default false, as in Moodle) -> shuffle.
- truefalse: answers `true`/`false`; in old files with other texts, the first is "true".
- shortanswer -> fill_in_blank (the 100% answers); numerical -> fill_in_blank with tolerance;
  matching -> matching (a subquestion with no text is an extra match); ordering (plugin type
  shipped with Moodle 4.3+) -> ordering, items sorted by their position in `fraction`.
- Feedback: the general feedback is the rationale; each answer's own feedback follows it,
  labelled with the answer ("Tachy-: means fast"), then the combined feedback for a right,
  partly right or wrong answer unless it is Moodle's default text.
- Every other type (essay, description, cloze, drag and drop, calculated, random, plugins) is
  listed as skipped with the reason.
- Attached files (`<file encoding="base64">`, legacy `<image>`), `@@PLUGINFILE@@` references
  and images (also inline `data:` ones) are dropped with a warning naming them: imported HTML
  is kept as text. Options, prompts, matches and items are read as one line of text; when the
  question is HTML (html=True), they are passed on HTML-escaped, as base.build_bank expects.

Parsing uses defusedxml only (no DTD, no entities); every question, skip and problem carries the
line of its `<question>` element in the original file.
"""

import base64
import binascii
import html
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, tostring

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from quizapp.banks.importers.base import (
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    decode_text,
    html_to_text,
    labelled_feedback,
    sanitize_html,
)
from quizapp.scoring.question_types import ContentError, get_question_type

FORMAT = "moodle_xml"
#: Larger uploads are refused before parsing.
MAX_BYTES = 50 * 1024 * 1024
#: Moodle XML is about six levels deep; anything much deeper is not a question file.
MAX_DEPTH = 100

#: Combined feedback (multichoice, matching, ordering), labelled in the rationale.
_OUTCOME_FEEDBACK = (
    ("correctfeedback", "If right"),
    ("partiallycorrectfeedback", "If partly right"),
    ("incorrectfeedback", "If wrong"),
)
#: What Moodle fills combined feedback with when the author wrote none: not worth keeping.
_DEFAULT_OUTCOME_FEEDBACK = {
    "your answer is correct.",
    "your answer is partially correct.",
    "your answer is incorrect.",
}
#: Moodle's allowed grades (question_bank::fraction_options_full), as fractions of 1.
_GRADES = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)  # fmt: skip
_GRADE_TOLERANCE = 0.00001  # as in match_grade_options

_SKIP_REASONS = {
    "essay": "essay questions need a human grader and are not supported",
    "description": "a description is text only, not a question",
    "cloze": "embedded answers (Cloze) questions are not supported",
    "multianswer": "embedded answers (Cloze) questions are not supported",
    "gapselect": "select-missing-words questions are not supported",
    "ddwtos": "drag-and-drop into text questions are not supported",
    "ddimageortext": "drag-and-drop onto image questions are not supported",
    "ddmarker": "drag-and-drop markers questions are not supported",
    "calculated": "calculated questions (formulas with random values) are not supported",
    "calculatedsimple": "calculated questions (formulas with random values) are not supported",
    "calculatedmulti": "calculated questions (formulas with random values) are not supported",
    "random": "random-question placeholders are not questions; import the questions themselves",
    "randomsamatch": "random short-answer matching questions are not supported",
}

_ONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.S)
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s)?#]+)")
_CONTEXT_PREFIX = re.compile(r"^\s*\$[a-z]+\$\s*(/|$)")
_CATEGORY_SEP = re.compile(r"(?<!/)/(?!/)")
_XML_ENCODING = re.compile(r"""^<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")
_CLOZE_START = re.compile(r"\{\d*:[A-Za-z_]+:")
_UNESCAPED_STAR = re.compile(r"(?<!\\)\*")


class _LineTreeBuilder(TreeBuilder):
    """A TreeBuilder that notes the line where each element starts, refuses deep nesting and
    counts the questions as they are read (too many stop the parse before the tree is built)."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__()
        self.result = result
        self.expat: Any = None
        self.lines: dict[int, int] = {}
        self.depth = 0

    def start(self, tag, attrs):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ImportFormatError(
                f"elements are nested more than {MAX_DEPTH} deep: this is not a Moodle XML file",
                self.expat.CurrentLineNumber if self.expat is not None else None,
            )
        line = self.expat.CurrentLineNumber if self.expat is not None else None
        if self.depth == 2 and tag == "question" and attrs.get("type") != "category":
            self.result.count_question(line)
        elem = super().start(tag, attrs)
        if line is not None:
            self.lines[id(elem)] = line
        return elem

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def _current_line(parser: DefusedXMLParser) -> int | None:
    expat = getattr(parser, "parser", None)
    return getattr(expat, "CurrentLineNumber", None)


def _parse_xml(text: str, result: ImportResult) -> tuple[Element, dict[int, int]]:
    builder = _LineTreeBuilder(result)
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.expat = parser.parser
    try:
        parser.feed(text)
        root = parser.close()
    except DTDForbidden:
        raise ImportFormatError(
            "the file has a DOCTYPE declaration; Moodle XML never has one and DTDs are refused "
            "for safety",
            _current_line(parser),
        ) from None
    except EntitiesForbidden as exc:
        raise ImportFormatError(
            f"the file declares the XML entity {exc.name!r}; entity declarations are refused "
            "for safety",
            _current_line(parser),
        ) from None
    except DefusedXmlException:
        raise ImportFormatError(
            "the file refers to external XML resources, which are refused for safety",
            _current_line(parser),
        ) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(":")[0]
        raise ImportFormatError(f"this is not well-formed XML ({message})", line) from None
    return root, builder.lines


def parse_moodle_xml(
    data: bytes, filename: str = "", *, max_questions: int | None = None
) -> ImportResult:
    """Read a Moodle XML question export.

    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    :raises ImportFormatError: when the file is not a readable Moodle XML file at all.
    """
    if len(data) > MAX_BYTES:
        raise ImportFormatError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    text, note = decode_text(data)
    result = ImportResult(format=FORMAT, max_questions=max_questions)
    if note:
        result.warn(None, note)
    declared = _XML_ENCODING.match(text.lstrip())
    if (
        declared
        and note is None
        and not text.isascii()
        and declared.group(1).strip().lower().replace("_", "-") not in ("utf-8", "utf8")
    ):
        result.warn(
            1,
            f"the file says it is {declared.group(1)} but it is valid UTF-8; it was read as UTF-8",
        )
    if not text.strip():
        raise ImportFormatError("the file is empty")
    root, lines = _parse_xml(text, result)
    if root.tag != "quiz":
        raise ImportFormatError(
            f"this is XML but not a Moodle XML question file: the root element is <{root.tag}>, "
            "not <quiz>",
            lines.get(id(root)),
        )
    _Reader(result, lines).read(root)
    return result


def _truthy(value: str | None, default: str) -> bool:
    """Moodle's trans_single: "false", "0" and empty are false; anything else is true."""
    value = (default if value is None else value).strip()
    return value not in ("", "0", "false")


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _is_grade(percent: float) -> bool:
    fraction = percent / 100
    return any(abs(abs(fraction) - grade) < _GRADE_TOLERANCE for grade in _GRADES)


def _is_full(percent: float) -> bool:
    return abs(percent / 100 - 1.0) < _GRADE_TOLERANCE


def _pct(percent: float) -> str:
    return f"{percent:g}%"


def _collapse(text: str) -> str:
    return " ".join(text.split())


class _Reader:
    def __init__(self, result: ImportResult, lines: dict[int, int]):
        self.result = result
        self.lines = lines
        self.category: tuple[str, ...] = ()

    def line(self, elem: Element) -> int | None:
        return self.lines.get(id(elem))

    # --- the file ------------------------------------------------------------------------

    def read(self, root: Element) -> None:
        for child in root:
            line = self.line(child)
            if child.tag != "question":
                self.result.warn(line, f"<{child.tag}> is not a question and was ignored")
                continue
            qtype = (child.get("type") or "").strip()
            if qtype == "category":
                self.read_category(child, line)
            elif not qtype:
                self.result.error(line, "the question has no type attribute")
            elif qtype in _HANDLERS:
                _Question(self, child, line, qtype).read()
            else:
                self.result.skip(line, qtype, self.skip_reason(child, qtype))

    def read_category(self, elem: Element, line: int | None) -> None:
        text_elem = elem.find("category/text")
        if text_elem is None:
            text_elem = elem.find("category")
        path = _inner_text(text_elem).strip() if text_elem is not None else ""
        if not path:
            self.result.warn(line, "a category with no name was ignored")
            return
        path = _CONTEXT_PREFIX.sub("", path, count=1)
        parts = [p.replace("//", "/").strip() for p in _CATEGORY_SEP.split(path)]
        parts = [p for p in parts if p]
        if parts and parts[0] == "top":
            parts = parts[1:]
        self.category = tuple(parts)

    def skip_reason(self, elem: Element, qtype: str) -> str:
        reason = _SKIP_REASONS.get(qtype)
        if reason is None:
            reason = f"'{qtype}' is a Moodle plugin question type that we do not support"
            if qtype == "oumultiresponse":
                reason += (
                    " (it is scored like a multiple-response question: export it from Moodle "
                    "as a multichoice question with several correct answers to import it)"
                )
        if qtype in ("cloze", "multianswer"):
            text_elem = elem.find("questiontext/text")
            text = _inner_text(text_elem) if text_elem is not None else ""
            if not _has_cloze_part(text):
                reason += "; this one also has no valid embedded sub-question"
        return reason


def _has_cloze_part(text: str) -> bool:
    """Whether the text has an embedded answer like {1:MULTICHOICE:=a~b} (in linear time)."""
    last_close = text.rfind("}")
    return any(last_close > m.end() and text[m.end()] != "}" for m in _CLOZE_START.finditer(text))


def _inner_text(elem: Element) -> str:
    """The text of an element; HTML written as unescaped child elements is kept as markup."""
    if len(elem) == 0:
        return elem.text or ""
    return (elem.text or "") + "".join(tostring(child, encoding="unicode") for child in elem)


class _Question:
    """One `<question>` of a supported type."""

    def __init__(self, reader: _Reader, elem: Element, line: int | None, qtype: str):
        self.reader = reader
        self.result = reader.result
        self.elem = elem
        self.line = line
        self.qtype = qtype
        qt = elem.find("questiontext")
        self.text_format = (qt.get("format") or "html").strip() if qt is not None else "html"
        self.warned: set[str] = set()
        self.files = self.read_files()
        #: Set when the options were read as HTML (multichoice keeps their formatting).
        self.options_html = False
        #: (label, text, is_html) of feedback beside the general one, for the rationale.
        self.feedback: list[tuple[str, str, bool]] = []

    def warn(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            self.result.warn(self.line, message)

    def error(self, message: str) -> None:
        self.result.error(self.line, message)

    def where(self, elem: Element) -> str:
        line = self.reader.line(elem)
        return f"the answer on line {line}" if line else "an answer"

    # --- text ----------------------------------------------------------------------------

    def field_text(self, elem: Element | None) -> tuple[str, str]:
        """(text, format) of a text-bearing element: its <text> child or its own text."""
        if elem is None:
            return "", self.text_format
        fmt = (elem.get("format") or self.text_format).strip()
        text_elem = elem.find("text")
        raw = _inner_text(text_elem) if text_elem is not None else (elem.text or "")
        return raw.strip(), fmt

    def note_files(self, text: str) -> None:
        for name in dict.fromkeys(_PLUGINFILE.findall(text)):
            if unquote(name) not in self.files:
                self.warn(f"file {unquote(name)!r} was dropped: it is not in the file")

    def html(self, text: str, where: str) -> str:
        """Sanitised HTML; its images are resolved against the question's files later
        (base.build_bank), links to other files are dropped with a warning."""
        text = sanitize_html(text)
        self.note_files(text)
        return text

    def rich(self, text: str, fmt: str, where: str) -> tuple[str, bool]:
        """Question text or feedback as (value, is_html)."""
        if fmt in ("plain_text", "wiki_like", "markdown"):
            self.note_files(text)
            if fmt == "markdown" and text:
                self.warn("Markdown text is imported as plain text")
            return text, False
        if fmt == "moodle_auto_format":
            text = text.replace("\n", "<br>\n")
        elif fmt != "html":
            self.warn(f"unknown text format {fmt!r}: read as HTML, as Moodle does")
        return self.html(text, where), True

    def plain(self, text: str, fmt: str, where: str) -> str:
        """An option, prompt, match or item as plain text on one line."""
        if fmt in ("plain_text", "markdown", "wiki_like"):
            self.note_files(text)
            return _collapse(text)
        if fmt == "moodle_auto_format":
            text = text.replace("\n", "<br>")
        return _collapse(html_to_text(self.html(text, where)))

    # --- common parts ----------------------------------------------------------------------

    def read_files(self) -> dict[str, bytes]:
        """The question's attached files (<file name=... encoding="base64">), by name."""
        files = {}
        for file_elem in self.elem.iter("file"):
            name = (file_elem.get("name") or "").strip()
            try:
                files[name] = base64.b64decode("".join((file_elem.text or "").split()))
            except binascii.Error:
                self.warn(f"file {name!r} was dropped: its base64 content is damaged")
        return files

    def option(self, text: str, fmt: str) -> str:
        """A choice option as HTML (so that its formatting and pictures are kept), one line."""
        self.options_html = True
        if fmt in ("plain_text", "markdown", "wiki_like"):
            self.note_files(text)
            return html.escape(_collapse(text), quote=False)
        if fmt == "moodle_auto_format":
            text = text.replace("\n", "<br>")
        cleaned = _collapse(self.html(text, "an option"))
        single_paragraph = _ONE_PARAGRAPH.fullmatch(cleaned)
        return single_paragraph.group(1).strip() if single_paragraph else cleaned

    def read(self) -> None:
        legacy_image = (self.elem.findtext("image") or "").strip()
        if legacy_image:
            self.warn(f"image {legacy_image!r} was dropped: media files are not imported yet")
        fields = _HANDLERS[self.qtype](self)
        if fields is None:
            return
        our_type, fields = fields
        try:
            get_question_type(our_type).content_from_fields(fields)
        except ContentError as exc:
            for problem in exc.problems:
                self.error(f"{problem.field}: {problem.message}")
            return
        stem, stem_html = self.rich(*self.field_text(self.elem.find("questiontext")), "the text")
        general = self.rich(*self.field_text(self.elem.find("generalfeedback")), "the feedback")
        self.keep_outcome_feedback()
        feedback = [("", *general), *self.feedback]
        feedback = [(label, text, html) for label, text, html in feedback if text.strip()]
        # One flag covers stem, rationale and fields: when any part is HTML, the plain parts
        # are escaped so that turning the HTML back into text gives them unchanged.
        is_html = stem_html or any(html for *_, html in feedback) or self.options_html
        if is_html:
            stem = stem if stem_html else _escape(stem)
            fields = fields if self.options_html else _escape_fields(fields)
        rationale = "\n".join(
            labelled_feedback(label, text if html or not is_html else _escape(text), is_html)
            if label
            else (text if html or not is_html else _escape(text))
            for label, text, html in feedback
        )
        name_elem = self.elem.find("name/text")
        name = html_to_text(_inner_text(name_elem)) if name_elem is not None else ""
        idnumber = (self.elem.findtext("idnumber") or "").strip()
        self.result.questions.append(
            ImportedQuestion(
                line=self.line,
                type=our_type,
                stem=stem,
                fields=fields,
                rationale=rationale,
                category=self.reader.category,
                source_id=idnumber or name or None,
                html=is_html,
                files=self.files,
            )
        )

    def answers(self) -> list[tuple[Element, float | None, str, str]]:
        """(element, fraction %, text, format) of each <answer>; fraction None when invalid."""
        out = []
        for answer in self.elem.findall("answer"):
            raw_fraction = answer.get("fraction")
            if raw_fraction is None:
                raw_fraction = answer.findtext("fraction") or "0"  # deprecated child form
            fraction = _number(raw_fraction)
            if fraction is None:
                self.error(f"{self.where(answer)}: its fraction {raw_fraction!r} is not a number")
                return []
            text, fmt = self.field_text(answer)
            if fmt not in ("plain_text", "markdown", "wiki_like") and _blank_html(text):
                text = ""  # "<p><br></p>": what Moodle's editor leaves in an emptied answer
            out.append((answer, fraction, text, fmt))
        return out

    def keep_answer_feedback(self, labelled: list[tuple[Element, str]]) -> None:
        """Each answer's own feedback, labelled with the answer, for the rationale."""
        for answer, label in labelled:
            feedback = answer.find("feedback")
            if feedback is not None:
                text, is_html = self.rich(*self.field_text(feedback), "the feedback")
                if is_html and _blank_html(text):
                    continue
                self.feedback.append((label, text, is_html))

    def keep_outcome_feedback(self) -> None:
        """Feedback for a right, partly right or wrong answer, unless it is Moodle's default."""
        for tag, label in _OUTCOME_FEEDBACK:
            elem = self.elem.find(tag)
            if elem is None:
                continue
            text, is_html = self.rich(*self.field_text(elem), "the feedback")
            plain = html_to_text(text) if is_html else _collapse(text)
            if plain and plain.lower() not in _DEFAULT_OUTCOME_FEEDBACK:
                self.feedback.append((label, text, is_html))

    @staticmethod
    def typed_answer_labels(answers) -> list[tuple[Element, str]]:
        """Short-answer and numerical answers labelled as typed; "*" is any other answer."""
        return [
            (answer, "Any other answer" if _collapse(text) == "*" else _collapse(text))
            for answer, _fraction, text, _fmt in answers
            if _collapse(text)
        ]

    def check_grades(self, answers) -> bool:
        for answer, fraction, _text, _fmt in answers:
            if not _is_grade(fraction):
                self.error(
                    f"{self.where(answer)} has the grade {_pct(fraction)}, which is not one of "
                    "Moodle's grades (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, "
                    "33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 or their "
                    "negatives)"
                )
                return False
        return True

    # --- types ---------------------------------------------------------------------------

    def multichoice(self) -> tuple[str, dict] | None:
        answers = self.answers()
        if not answers and self.elem.find("answer") is not None:
            return None
        if not self.check_grades(answers):
            return None
        single = _truthy(self.elem.findtext("single"), "true")
        shuffle = _truthy(self.elem.findtext("shuffleanswers"), "false")
        options: list[str] = []
        weights: list[float] = []
        labelled: list[tuple[Element, str]] = []
        for answer, fraction, text, fmt in answers:
            if not text:
                if fraction > 0:
                    self.warn(f"{self.where(answer)} is empty and worth {_pct(fraction)}; ignored")
                continue  # Moodle drops blank answers
            option = self.option(text, fmt)
            if not option:
                self.error(f"{self.where(answer)} has no text")
                return None
            options.append(option)
            weights.append(fraction)
            labelled.append((answer, html_to_text(option)))
        self.keep_answer_feedback(labelled)
        if not options:
            self.error("the question has no answers")
            return None
        full = [o for o, w in zip(options, weights, strict=True) if _is_full(w)]
        positive = [(o, w) for o, w in zip(options, weights, strict=True) if w > 0]
        if single:
            if not full:
                self.error("no answer is worth 100%: a one-answer question needs a correct answer")
                return None
            if len(full) > 1:
                self.error(
                    f"{len(full)} answers are worth 100%; a single-best-answer question has "
                    "exactly one key (set <single>false</single> for several correct answers)"
                )
                return None
            if len(positive) > 1:
                self.warn(
                    "partial credit on other answers is not imported: only the 100% answer scores"
                )
            return "single_best", {"options": options, "key": full[0], "shuffle": shuffle}
        if not positive:
            self.error("no answer has a positive grade: the question has no correct answer")
            return None
        total = sum(w for _o, w in positive)
        if abs(total - 100) > 0.01:
            self.error(
                f"the positive grades add up to {total:.5g}%, not 100% "
                f"({', '.join(_pct(w) for _o, w in positive)})"
            )
            return None
        if len({round(w, 4) for _o, w in positive}) > 1:
            self.warn(
                "the correct answers have unequal weights "
                f"({', '.join(_pct(w) for _o, w in positive)}); each is scored equally here"
            )
        if len(options) == 2 and len(positive) == 1:
            # Our multiple response takes 3 options or more; one right of two is one best answer.
            self.warn("a multiple-answer question with two options, one right, is single best")
            return "single_best", {"options": options, "key": positive[0][0], "shuffle": shuffle}
        return "multiple_response", {
            "options": options,
            "key": [o for o, _w in positive],
            "shuffle": shuffle,
        }

    def truefalse(self) -> tuple[str, dict] | None:
        answers = self.answers()
        if not answers:
            if self.elem.find("answer") is None:
                self.error("the true/false question has no answers")
            return None
        old_style = False
        true_full = false_full = None
        labelled: list[tuple[Element, str]] = []
        for n, (answer, fraction, text, _fmt) in enumerate(answers):
            word = text.strip().lower()
            if word not in ("true", "false"):
                old_style = True
                word = "true" if n == 0 else "false"
            if word == "true":
                true_full = _is_full(fraction)
            else:
                false_full = _is_full(fraction)
            labelled.append((answer, word.capitalize()))
        if old_style:
            self.warn(
                "the answers are not named true and false; as Moodle does, the first was read "
                "as true and the second as false"
            )
        self.keep_answer_feedback(labelled)
        if true_full and false_full:
            self.error("both true and false are worth 100%")
            return None
        if true_full is False and false_full is False:
            self.error("neither true nor false is worth 100%")
            return None
        key = bool(true_full) if true_full is not None else not false_full
        return "true_false", {"key": key}

    def shortanswer(self) -> tuple[str, dict] | None:
        answers = self.answers()
        if not answers:
            if self.elem.find("answer") is None:
                self.error("the short-answer question has no accepted answer")
            return None
        accepted = []
        partial = False
        for answer, fraction, text, _fmt in answers:
            text = _collapse(text)
            if not text or fraction <= 0:
                continue  # blank, wrong-answer feedback or "*" catch-all
            if not _is_full(fraction):
                partial = True
                continue
            if _UNESCAPED_STAR.search(text):
                # Skipped like the GIFT importer's: the rest of the file can still come in.
                self.result.skip(
                    self.line,
                    "shortanswer",
                    f"{self.where(answer)} uses the wildcard * ({text!r}), which we cannot "
                    "match: list every accepted spelling instead",
                )
                return None
            accepted.append(text.replace("\\*", "*"))
        if not accepted:
            self.error("no answer is worth 100%: the question has no accepted answer")
            return None
        if partial:
            self.warn("answers worth partial credit are not imported: only 100% answers score")
        if _truthy(self.elem.findtext("usecase"), "0"):
            self.warn(
                "case-sensitive matching is not supported: answers are compared ignoring case"
            )
        self.keep_answer_feedback(self.typed_answer_labels(answers))
        return "fill_in_blank", {"key": accepted}

    def numerical(self) -> tuple[str, dict] | None:
        answers = self.answers()
        if not answers:
            if self.elem.find("answer") is None:
                self.error("the numerical question has no answer")
            return None
        keys: list[str] = []
        tolerances: set[float] = set()
        partial = False
        for answer, fraction, text, _fmt in answers:
            if fraction <= 0:
                continue
            if not _is_full(fraction):
                partial = True
                continue
            if text.strip() in ("", "*"):
                self.error(
                    f"{self.where(answer)} accepts any answer for 100%, which cannot be imported"
                )
                return None
            value = _decimal_text(text)
            if value is None:
                self.error(f"{self.where(answer)}: {text.strip()!r} is not a number")
                return None
            raw_tolerance = answer.findtext("tolerance")
            tolerance = _number(raw_tolerance) if raw_tolerance is not None else 0.0
            if tolerance is None or tolerance < 0:
                self.error(
                    f"{self.where(answer)}: the tolerance {raw_tolerance!r} is not a number >= 0"
                )
                return None
            keys.append(value)
            tolerances.add(tolerance)
        if not keys:
            self.error("no answer is worth 100%: the question has no correct value")
            return None
        if len(tolerances) > 1:
            self.error(
                "the correct answers have different tolerances "
                f"({', '.join(f'{t:g}' for t in sorted(tolerances))}); one tolerance is needed"
            )
            return None
        if partial:
            self.warn("answers worth partial credit are not imported: only 100% answers score")
        units = [(u.findtext("unit_name") or "").strip() for u in self.elem.findall("units/unit")]
        units = [u for u in units if u]
        if units:
            self.warn(
                f"units ({', '.join(units)}) are not imported: students answer with the number only"
            )
        self.keep_answer_feedback(self.typed_answer_labels(answers))
        return "fill_in_blank", {"key": keys, "tolerance": tolerances.pop()}

    def matching(self) -> tuple[str, dict] | None:
        pairs: list[list[str]] = []
        extras: list[str] = []
        for sub in self.elem.findall("subquestion"):
            prompt_raw, fmt = self.field_text(sub)
            match = _collapse(self.field_text(sub.find("answer"))[0])
            prompt = self.plain(prompt_raw, fmt, "a prompt") if prompt_raw else ""
            if prompt_raw and not prompt:
                self.error(
                    f"the subquestion on line {self.reader.line(sub)} has no text once its "
                    "image is dropped"
                )
                return None
            if not prompt:
                if match:
                    extras.append(match)
                continue
            if not match:
                self.error(f"the subquestion {prompt!r} has no answer to match")
                return None
            pairs.append([prompt, match])
        if not pairs:
            self.error("the matching question has no subquestions")
            return None
        fields: dict[str, Any] = {"pairs": pairs}
        if extras:
            fields["extra_matches"] = extras
        return "matching", fields

    def ordering(self) -> tuple[str, dict] | None:
        answers = self.answers()
        if not answers:
            if self.elem.find("answer") is None:
                self.error("the ordering question has no items")
            return None
        ranked = []
        for n, (answer, position, text, fmt) in enumerate(answers):
            if not text:
                continue  # Moodle drops blank items
            item = self.plain(text, fmt, "an item")
            if not item:
                self.error(f"{self.where(answer)} has no text once its image is dropped")
                return None
            ranked.append((position, n, item))
        items = [item for _p, _n, item in sorted(ranked)]
        select = (self.elem.findtext("selecttype") or "ALL").strip().upper()
        count = _number(self.elem.findtext("selectcount"))
        if select not in ("ALL", "0") and count and 0 < count < len(items):
            self.warn(
                f"Moodle showed a subset of {count:g} items; here students order all {len(items)}"
            )
        return "ordering", {"items": items}


def _escape(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>\n")


def _escape_fields(fields: dict[str, Any]) -> dict[str, Any]:
    def escape(value):
        if isinstance(value, str):
            return html.escape(value, quote=False)
        if isinstance(value, list):
            return [escape(v) for v in value]
        return value

    return {name: escape(value) for name, value in fields.items()}


def _blank_html(text: str) -> bool:
    """HTML that shows nothing: no text and no picture."""
    return not html_to_text(text).strip() and "<img" not in text.lower()


def _decimal_text(text: str) -> str | None:
    """A Moodle numerical answer as a plain decimal string ("1.5e3" -> "1500")."""
    text = text.strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value.adjusted()) > 30:
        return None
    plain = format(value, "f")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain or "0"


_HANDLERS = {
    "multichoice": _Question.multichoice,
    "truefalse": _Question.truefalse,
    "shortanswer": _Question.shortanswer,
    "numerical": _Question.numerical,
    "matching": _Question.matching,
    "ordering": _Question.ordering,
}
