"""Read text2qti plain-text quizzes (gpoore/text2qti, the Canvas QTI generator).

We never run the text2qti package on uploads: it executes ```{.python .run} code blocks when
configured to and reads any local file named as an image. This is our own reader for the
quiz syntax, following text2qti's rules (text2qti/quiz.py):

- a question starts with "1." and white space at the start of a line; "a)" choices with "*a)"
  for the key (two choices "true"/"false" make a true/false question), "[ ]"/"[*]" multiple
  answers, "*" short answers, "=" numerical answers, "____" essay and "^^^^" file upload;
- "..." after the question is its general feedback (our rationale), after a choice that
  choice's feedback; "+"/"-" correct/incorrect feedback; "!" a solution;
- a wrapped line is indented to the text column of its first line (tabs count as 4 spaces);
  questions, choices and feedback may hold several paragraphs;
- "Title:" and "Points:" before a question, "Quiz title:", "Quiz description:", quiz options,
  "Text title:"/"Text:" regions, GROUP/pick:/END_GROUP, "%" and COMMENT...END_COMMENT.

Text is Markdown: we render paragraphs, emphasis, code, links and pass inline HTML through
(base sanitises it); images are dropped with a warning; $LaTeX$ is kept as written.
"""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from quizapp.banks.importers.base import (
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    decode_text,
    html_to_text,
    sanitize_html,
)

FORMAT = "text2qti"

#: Line-start markers in text2qti's order (the first that matches wins).
_MARKERS = {
    "question": r"\d+\.",
    "mc_correct": r"\*[a-zA-Z]\)",
    "mc_choice": r"[a-zA-Z]\)",
    "ma_correct": r"\[\*\]",
    "ma_choice": r"\[ ?\]",
    "short_answer": r"\*",
    "feedback": r"\.\.\.",
    "correct_feedback": r"\+",
    "incorrect_feedback": r"-",
    "solution": r"!",
    "essay": r"___+",
    "upload": r"\^\^\^+",
    "numerical": r"=",
    "title": r"[Tt]itle:",
    "points": r"[Pp]oints:",
    "text_title": r"[Tt]ext [Tt]itle:",
    "text": r"[Tt]ext:",
    "quiz_title": r"[Qq]uiz [Tt]itle:",
    "quiz_description": r"[Qq]uiz [Dd]escription:",
    "group": r"GROUP",
    "end_group": r"END_GROUP",
    "pick": r"[Pp]ick:",
    "solutions_pick": r"[Ss]olutions pick:",
    "points_per_question": r"[Pp]oints per question:",
    "code_start": r"```+\s*\S.*",
    "code_end": r"```+",
    "quiz_option": (
        r"(?:[Ss]huffle answers|[Ss]how correct answers|[Oo]ne question at a time|"
        r"[Cc]an't go back|[Ff]eedback is solution|[Ss]olutions sample groups|"
        r"[Ss]olutions randomize groups):"
    ),
}
#: Markers that stand alone on their line.
_NO_CONTENT = {"essay", "upload", "group", "end_group", "code_start", "code_end"}
#: Markers whose content cannot wrap onto the next lines.
_SINGLE_LINE = {
    "points",
    "pick",
    "solutions_pick",
    "points_per_question",
    "numerical",
    "short_answer",
    "quiz_option",
}
#: Wrapping markers whose text may not hold blank lines (titles are one paragraph).
_ONE_PARAGRAPH = {"title", "text_title", "quiz_title"}

_START = re.compile(
    "|".join(
        rf"(?P<{name}>{pattern}\s*)$"
        if name in _NO_CONTENT
        else rf"(?P<{name}>{pattern}[ \t]+(?=\S))"
        for name, pattern in _MARKERS.items()
    )
)
_CONTENT_MARKERS = [p for name, p in _MARKERS.items() if name not in _NO_CONTENT]
_MISSING_SPACE = re.compile("|".join(rf"(?:{p})(?=\S)" for p in _CONTENT_MARKERS))
_MISSING_CONTENT = re.compile("|".join(rf"(?:{p})[ \t]*$" for p in _CONTENT_MARKERS))
_QUESTION_START = re.compile(r"\d+\.[ \t]+\S")
_EXECUTABLE = re.compile(r"\{\s*\.[a-zA-Z][\w.\-]*\s+\.run\b[^}]*\}$")
_INTEGER = re.compile(r"(?:0|[+-]?[1-9](?:[0-9]+|_[0-9]+)*)")
_POSITIVE_INT = re.compile(r"[1-9][0-9]{0,5}")
_POINTS = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")

# Markdown, kept linear on hostile input: every repeat stops at the next delimiter.
_PROTECTED = re.compile(r"(`[^`\n]+`|\$[^$\n]+\$)")
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(([^()\n]*)\)")
_HTML_IMAGE = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_IMAGE_SRC = re.compile(r"""src\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s\"'<>]+)\)")
_STRONG = re.compile(r"\*\*([^*\n]+)\*\*")
_EM_STAR = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_EM_UNDERSCORE = re.compile(r"(?<![_\w])_([^_\n]+)_(?![_\w])")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")

#: Largest and smallest powers of ten accepted in numerical answers.
_MAX_EXPONENT = 15


class _Problem(Exception):
    """A problem with one line, reported as an error on that line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class _Choice:
    text: str
    correct: bool
    feedback: str | None = None


@dataclass
class _Question:
    line: int
    stem: str
    title: str | None
    points: str | None
    #: None until the first answer line: mc, ma, short, numerical, essay, upload.
    kind: str | None = None
    choices: list[_Choice] = field(default_factory=list)
    feedback: str | None = None
    correct_feedback: str | None = None
    incorrect_feedback: str | None = None
    solution: str | None = None
    numerical: tuple[str, float] | None = None
    failed: bool = False


@dataclass
class _TextRegion:
    line: int
    has_text: bool = False


@dataclass
class _Group:
    line: int
    pick: int = 1
    questions: int = 0


def parse_text2qti(
    data: bytes, filename: str = "", *, max_questions: int | None = None
) -> ImportResult:
    """Parse a text2qti quiz into questions; essays, uploads and text regions are skipped.

    :param data: the uploaded bytes (UTF-8, with or without BOM, or cp1252; any line ends).
    :param filename: the uploaded name, used only in messages.
    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    :return: the questions, with every problem and its line.
    :raises ImportFormatError: when no line starts a text2qti question.
    """
    text, note = decode_text(data)
    name = f"{filename}: " if filename else ""
    if "\x00" in text:
        raise ImportFormatError(f"{name}this is a binary file, not a text2qti text file")
    lines = text.split("\n")
    if any(line.strip() for line in lines) and not any(
        _QUESTION_START.match(line) or line.startswith("```") for line in lines
    ):
        raise ImportFormatError(
            f"{name}no text2qti questions found: a question starts at the beginning of a "
            "line with a number and a period, e.g. '1.  What does tachy- mean?'"
        )
    reader = _Reader(lines, max_questions)
    if note:
        reader.result.warn(1, note)
    reader.run()
    return reader.result


class _Reader:
    """One pass over the lines, keeping the open question, group and pending title."""

    def __init__(self, lines: list[str], max_questions: int | None):
        self.lines = lines
        self.result = ImportResult(format=FORMAT, max_questions=max_questions)
        self.current: _Question | _TextRegion | None = None
        self.group: _Group | None = None
        self.pending: dict[str, tuple[str, int]] = {}
        self.stems: dict[str, int] = {}
        self.seen_question = False
        self.keep_order = False

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            number = index + 1
            match = _START.match(line)
            try:
                if match:
                    kind = match.lastgroup or ""
                    content = line[match.end() :].strip()
                    if kind == "code_start":
                        index = self._code_block(index)
                        continue
                    if kind not in _NO_CONTENT and kind not in _SINGLE_LINE:
                        content, index = self._wrapped(index, match.end(), kind)
                    else:
                        index += 1
                    self._dispatch(kind, content, number)
                    continue
                index += 1
                if line.startswith("%"):
                    continue
                if line.startswith("COMMENT"):
                    index = self._comment(index - 1)
                    continue
                if line.startswith("END_COMMENT"):
                    raise _Problem("END_COMMENT without a COMMENT before it")
                if line.strip():
                    self._unknown(line)
            except _Problem as problem:
                self._fail(problem.line or number, problem.message)
        self._close_current()
        if self.group is not None:
            self.result.error(self.group.line, "this GROUP never ends: add END_GROUP")
        self._check_pending(len(self.lines))

    def _fail(self, line: int, message: str) -> None:
        self.result.error(line, message)
        if isinstance(self.current, _Question):
            self.current.failed = True

    def _wrapped(self, index: int, marker_end: int, kind: str) -> tuple[str, int]:
        """The text of a marker and of the lines that wrap it; the index after them."""
        line = self.lines[index]
        parts = [line[marker_end:].strip()]
        indent: str | None = None
        if not _MARKERS[kind].endswith(":"):
            indent = " " * len(line[:marker_end].expandtabs(4))
        index += 1
        while index < len(self.lines):
            line = self.lines[index]
            if not line.strip():
                if kind in _ONE_PARAGRAPH:
                    break
                parts.append("")
                index += 1
                continue
            expanded = line.expandtabs(4)
            if indent is None:
                if not line.startswith(" "):
                    break
                width = len(expanded) - len(expanded.lstrip(" "))
                if width < 2:
                    self._fail(index + 1, "indent wrapped lines by at least 2 spaces or 1 tab")
                    break
                indent = " " * width
            if not expanded.startswith(indent):
                break
            parts.append(expanded[len(indent) :].rstrip())
            index += 1
        # Blank lines after the text belong to no one; step back to the first of them.
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
            index -= 1
        return "\n".join(parts), index

    def _comment(self, index: int) -> int:
        if self.lines[index].strip() != "COMMENT":
            self.result.error(index + 1, "unexpected text after COMMENT")
        start = index
        index += 1
        while index < len(self.lines) and not self.lines[index].startswith("END_COMMENT"):
            index += 1
        if index == len(self.lines):
            self.result.error(start + 1, "COMMENT without END_COMMENT after it")
            return index
        if self.lines[index].strip() != "END_COMMENT":
            self.result.error(index + 1, "unexpected text after END_COMMENT")
        return index + 1

    def _code_block(self, index: int) -> int:
        """Skip a fenced block at the start of a line; its code is never run."""
        line = self.lines[index]
        number = index + 1
        fence = line[: len(line) - len(line.lstrip("`"))]
        executable = _EXECUTABLE.match(line.lstrip("`").strip())
        end = index + 1
        while end < len(self.lines):
            candidate = self.lines[end]
            if candidate.startswith(fence) and not candidate[len(fence) :].startswith("`"):
                break
            end += 1
        self._check_pending(number)
        self._close_current()
        if end == len(self.lines):
            self.result.error(number, "this code block is never closed")
        elif self.lines[end][len(fence) :].strip():
            self.result.error(end + 1, "unexpected text after the closing code fence")
        if executable:
            self.result.skip(
                number,
                "generated questions",
                "an executable code block: text2qti would run this code to print questions; "
                "we never run code from an upload. Paste the questions it prints instead.",
            )
        else:
            self.result.error(
                number,
                "a code block at the start of a line is only allowed as an executable "
                "text2qti block; indent code that belongs to a question or choice",
            )
        return end + 1

    def _unknown(self, line: str) -> None:
        missing = _MISSING_SPACE.match(line)
        if missing:
            raise _Problem(f"add a space after {missing.group().strip()!r}")
        missing = _MISSING_CONTENT.match(line)
        if missing:
            raise _Problem(f"nothing after {missing.group().strip()!r}")
        shown = line.strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise _Problem(
            f"unexpected text, or a wrapped line not indented to the text above: {shown!r}"
        )

    # --- one marker -----------------------------------------------------------------------

    def _dispatch(self, kind: str, content: str, line: int) -> None:
        if kind == "title":
            if "title" in self.pending:
                raise _Problem("a second Title: before the question")
            if "points" in self.pending:
                raise _Problem("Title: must come before Points:")
            self.pending["title"] = (content, line)
            return
        if kind == "points":
            if "points" in self.pending:
                raise _Problem("a second Points: before the question")
            if not _POINTS.fullmatch(content) or Decimal(content) <= 0 or Decimal(content) * 2 % 1:
                raise _Problem(f"invalid Points: {content!r} (a positive whole or half number)")
            self.pending["points"] = (content, line)
            return
        if kind == "question":
            self._question(content, line)
            return
        self._check_pending(line)
        handler = getattr(self, f"_on_{kind}")
        handler(content, line)

    def _check_pending(self, line: int) -> None:
        if self.pending:
            first = min(where for _, where in self.pending.values())
            self.pending = {}
            self.result.error(first, "Title:/Points: must be followed by a question")

    def _question(self, text: str, line: int) -> None:
        self._close_current()
        self.result.count_question(line)
        title = self.pending.get("title", (None, 0))[0]
        points = self.pending.get("points", (None, 0))[0]
        self.pending = {}
        self.seen_question = True
        question = _Question(line=line, stem=text, title=title, points=points)
        self.current = question
        if self.group is not None:
            self.group.questions += 1
        key = " ".join(text.split()).casefold()
        if key in self.stems:
            raise _Problem(f"duplicate question: the same text as on line {self.stems[key]}")
        self.stems[key] = line

    def _open_question(self, what: str) -> _Question:
        if not isinstance(self.current, _Question):
            raise _Problem(f"{what} outside a question")
        return self.current

    def _set_kind(self, question: _Question, kind: str, what: str) -> None:
        if question.kind is None:
            question.kind = kind
        elif question.kind != kind:
            raise _Problem(f"{what} cannot follow {_KIND_NAMES[question.kind]} in one question")

    def _on_mc_correct(self, text: str, line: int) -> None:
        self._choice(text, correct=True, kind="mc")

    def _on_mc_choice(self, text: str, line: int) -> None:
        self._choice(text, correct=False, kind="mc")

    def _on_ma_correct(self, text: str, line: int) -> None:
        self._choice(text, correct=True, kind="ma")

    def _on_ma_choice(self, text: str, line: int) -> None:
        self._choice(text, correct=False, kind="ma")

    def _on_short_answer(self, text: str, line: int) -> None:
        self._choice(text, correct=True, kind="short")

    def _choice(self, text: str, *, correct: bool, kind: str) -> None:
        question = self._open_question("a choice")
        self._set_kind(question, kind, _KIND_NAMES[kind])
        question.choices.append(_Choice(text, correct))

    def _on_feedback(self, text: str, line: int) -> None:
        question = self._open_question("feedback")
        if question.choices:
            choice = question.choices[-1]
            if question.kind == "short":
                raise _Problem("short answers cannot have their own feedback, only the question")
            if choice.feedback is not None:
                raise _Problem("this choice already has feedback")
            choice.feedback = text
        elif question.kind is not None:
            raise _Problem("question feedback (...) must come right after the question")
        elif question.feedback is not None:
            raise _Problem("this question already has feedback (...)")
        else:
            question.feedback = text

    def _on_correct_feedback(self, text: str, line: int) -> None:
        question = self._open_question("feedback")
        if question.kind is not None:
            raise _Problem("correct-answer feedback (+) must come before the answers")
        if question.correct_feedback is not None:
            raise _Problem("this question already has correct-answer feedback (+)")
        question.correct_feedback = text

    def _on_incorrect_feedback(self, text: str, line: int) -> None:
        question = self._open_question("feedback")
        if question.kind is not None:
            raise _Problem("incorrect-answer feedback (-) must come before the answers")
        if question.incorrect_feedback is not None:
            raise _Problem("this question already has incorrect-answer feedback (-)")
        question.incorrect_feedback = text

    def _on_solution(self, text: str, line: int) -> None:
        question = self._open_question("a solution (!)")
        if question.kind is not None:
            raise _Problem("a solution (!) must come before the answers")
        if question.solution is not None:
            raise _Problem("this question already has a solution (!)")
        question.solution = text

    def _on_essay(self, text: str, line: int) -> None:
        question = self._open_question("an essay answer (____)")
        self._set_kind(question, "essay", "an essay answer")

    def _on_upload(self, text: str, line: int) -> None:
        question = self._open_question("a file upload (^^^^)")
        self._set_kind(question, "upload", "a file upload")

    def _on_numerical(self, text: str, line: int) -> None:
        question = self._open_question("a numerical answer (=)")
        self._set_kind(question, "numerical", "a numerical answer")
        if question.numerical is not None:
            raise _Problem("a second numerical answer (=)")
        question.numerical = _numerical(text)

    def _on_text_title(self, text: str, line: int) -> None:
        self._close_current()
        self.current = _TextRegion(line)
        self._skip_text(line)

    def _on_text(self, text: str, line: int) -> None:
        if isinstance(self.current, _TextRegion) and not self.current.has_text:
            self.current.has_text = True
            return
        self._close_current()
        self.current = _TextRegion(line, has_text=True)
        self._skip_text(line)

    def _skip_text(self, line: int) -> None:
        self.result.skip(
            line, "text", "a text region between questions (instructions, not a question)"
        )

    def _on_quiz_title(self, text: str, line: int) -> None:
        if self.seen_question:
            raise _Problem("Quiz title: must come before the questions")

    def _on_quiz_description(self, text: str, line: int) -> None:
        if self.seen_question:
            raise _Problem("Quiz description: must come before the questions")

    def _on_quiz_option(self, text: str, line: int) -> None:
        value = text.strip().lower()
        if value not in {"true", "false"}:
            raise _Problem(f"a quiz option is true or false, not {text!r}")
        if self.lines[line - 1].split(":", 1)[0].strip().lower() == "shuffle answers":
            self.keep_order = value == "false"  # "All of the above" stays where it was written

    def _on_group(self, text: str, line: int) -> None:
        self._close_current()
        if self.group is not None:
            raise _Problem(f"groups cannot be nested (the GROUP on line {self.group.line} is open)")
        self.group = _Group(line)

    def _on_end_group(self, text: str, line: int) -> None:
        self._close_current()
        group = self.group
        if group is None:
            raise _Problem("END_GROUP without a GROUP before it")
        self.group = None
        if group.questions > group.pick:
            self.result.warn(
                group.line,
                f"question groups are not kept: all {group.questions} questions of this group "
                f"are imported, not a random 'pick: {group.pick}'",
            )

    def _group_option(self, text: str, what: str) -> int:
        if self.group is None:
            raise _Problem(f"{what} outside a GROUP")
        if self.group.questions:
            raise _Problem(f"{what} must come at the start of the group, before its questions")
        if not _POSITIVE_INT.fullmatch(text):
            raise _Problem(f"{what} needs a positive whole number, not {text!r}")
        return int(text)

    def _on_pick(self, text: str, line: int) -> None:
        pick = self._group_option(text, "pick:")
        if self.group is not None:
            self.group.pick = pick

    def _on_solutions_pick(self, text: str, line: int) -> None:
        self._group_option(text, "solutions pick:")

    def _on_points_per_question(self, text: str, line: int) -> None:
        self._group_option(text, "points per question:")

    def _on_code_end(self, text: str, line: int) -> None:
        raise _Problem("a closing code fence (```) without an opening one")

    # --- a finished question --------------------------------------------------------------

    def _close_current(self) -> None:
        question, self.current = self.current, None
        if not isinstance(question, _Question) or question.failed:
            return
        try:
            self._add(question)
        except _Problem as problem:
            self.result.error(question.line, problem.message)

    def _add(self, question: _Question) -> None:
        kind, choices = question.kind, question.choices
        if kind is None:
            raise _Problem(
                "the question has no answers: add choices (a), *b)), multiple answers "
                "([ ], [*]), short answers (*), a numerical answer (=) or an essay (____)"
            )
        if kind in {"essay", "upload"}:
            label = "essay" if kind == "essay" else "file upload"
            self.result.skip(question.line, label, f"{label} questions are not supported")
            return
        line = question.line
        if kind == "mc":
            correct = [c for c in choices if c.correct]
            if len(choices) < 2:
                raise _Problem("a multiple-choice question needs at least 2 choices")
            if len(correct) != 1:
                raise _Problem(
                    "mark exactly one choice correct with '*' (as in '*b)'); use [*] and [ ] "
                    f"for several correct answers ({len(correct)} marked)"
                )
            texts = [c.text for c in choices]
            if len(texts) == 2 and {t.casefold() for t in texts} == {"true", "false"}:
                qtype, fields = "true_false", {"key": correct[0].text.casefold() == "true"}
            else:
                options = self._options(choices, line)
                qtype = "single_best"
                fields = {"options": options, "key": options[choices.index(correct[0])]}
                if self.keep_order:
                    fields["shuffle"] = False
        elif kind == "ma":
            if len(choices) < 2:
                raise _Problem("a multiple-answers question needs at least 2 choices")
            if not any(c.correct for c in choices):
                raise _Problem("mark at least one answer correct with [*]")
            options = self._options(choices, line)
            qtype = "multiple_response"
            fields = {
                "options": options,
                "key": [o for o, c in zip(options, choices, strict=True) if c.correct],
            }
            if self.keep_order:
                fields["shuffle"] = False
        elif kind == "short":
            # text2qti takes short answers literally, not as Markdown or HTML.
            keys = [html.escape(c.text.strip(), quote=False) for c in choices]
            qtype, fields = "fill_in_blank", {"key": keys}
        else:
            key, tolerance = question.numerical or ("", 0.0)
            qtype, fields = "fill_in_blank", {"key": [key], "tolerance": tolerance}
        dropped = [
            label
            for label, present in (
                ("per-choice feedback", any(c.feedback for c in choices)),
                ("correct-answer feedback (+)", question.correct_feedback),
                ("incorrect-answer feedback (-)", question.incorrect_feedback),
            )
            if present
        ]
        if dropped:
            self.result.warn(
                line,
                f"{', '.join(dropped)} not kept: only the question's '...' feedback and '!' "
                "solution become the rationale",
            )
        if question.points is not None and Decimal(question.points) != 1:
            self.result.warn(
                line, f"Points: {question.points} not kept: every question is worth 1 point"
            )
        rationale = "\n\n".join(t for t in (question.feedback, question.solution) if t)
        self.result.questions.append(
            ImportedQuestion(
                line=line,
                type=qtype,
                stem=self._html(question.stem, line),
                fields=fields,
                rationale=self._html(rationale, line) if rationale else "",
                source_id=question.title,
                html=True,
            )
        )

    # --- Markdown -------------------------------------------------------------------------

    def _html(self, text: str, line: int) -> str:
        """A small Markdown subset as HTML (inline HTML passes to the sanitiser)."""
        paragraphs = [p.strip() for p in _PARAGRAPHS.split(self._drop_images(text, line))]
        return "".join(f"<p>{_inline(p)}</p>" for p in paragraphs if p)

    def _options(self, choices: list[_Choice], line: int) -> list[str]:
        """Choices as one line of text each, escaped (the fields of an html question are HTML)."""
        texts = [html_to_text(sanitize_html(self._html(c.text, line))) for c in choices]
        if not all(texts):
            raise _Problem("a choice is empty once images and unsafe HTML are removed")
        return [html.escape(" ".join(text.split()), quote=False) for text in texts]

    def _drop_images(self, text: str, line: int) -> str:
        def markdown_image(match: re.Match[str]) -> str:
            self._warn_image(match.group(2).strip() or match.group(1), line)
            return ""

        def html_image(match: re.Match[str]) -> str:
            src = _IMAGE_SRC.search(match.group())
            self._warn_image(src.group(1) if src else "(no src)", line)
            return ""

        return _HTML_IMAGE.sub(html_image, _MD_IMAGE.sub(markdown_image, text))

    def _warn_image(self, source: str, line: int) -> None:
        shown = source if len(source) <= 80 else source[:77] + "..."
        self.result.warn(line, f"image {shown!r} dropped: images are not imported yet")


_KIND_NAMES = {
    "mc": "a multiple-choice choice",
    "ma": "a multiple-answers choice ([ ]/[*])",
    "short": "a short answer (*)",
    "numerical": "a numerical answer (=)",
    "essay": "an essay answer (____)",
    "upload": "a file upload (^^^^)",
}


def _inline(text: str) -> str:
    """Code spans and $math$ kept literal; links and emphasis turned into tags."""
    pieces = _PROTECTED.split(text)
    for i, piece in enumerate(pieces):
        if i % 2:
            if piece.startswith("`"):
                pieces[i] = f"<code>{html.escape(piece[1:-1])}</code>"
            else:
                pieces[i] = html.escape(piece)
        else:
            piece = _LINK.sub(r'<a href="\2">\1</a>', piece)
            piece = _STRONG.sub(r"<strong>\1</strong>", piece)
            piece = _EM_STAR.sub(r"<em>\1</em>", piece)
            pieces[i] = _EM_UNDERSCORE.sub(r"<em>\1</em>", piece)
    return "".join(pieces)


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise _Problem(f"{text.strip()!r} is not a number") from None
    if not value.is_finite() or (value and abs(value.adjusted()) > _MAX_EXPONENT):
        raise _Problem(f"{text.strip()!r} is not a number we can use")
    return value


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


_NUMERICAL_HELP = "write '= 5', '= 1.4142 +- 0.0001', '= 12 +- 5%' or '= [1.2598, 1.2600]'"


def _numerical(text: str) -> tuple[str, float]:
    """A numerical answer as one key and a tolerance (a range becomes its middle ± half)."""
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]") or "," not in text:
            raise _Problem(f"invalid numerical answer {text!r}: {_NUMERICAL_HELP}")
        low, high = (_number(part) for part in text[1:-1].split(",", 1))
        if low > high:
            raise _Problem(f"invalid range {text!r}: the minimum is above the maximum")
        return _decimal_text((low + high) / 2), float((high - low) / 2)
    if "+-" in text:
        value, margin = (part.strip() for part in text.split("+-", 1))
        percent = margin.endswith("%")
        number, tolerance = _number(value), _number(margin[:-1] if percent else margin)
        if tolerance < 0:
            raise _Problem(f"invalid numerical answer {text!r}: the margin is negative")
        if percent:
            tolerance = abs(number) * tolerance / 100
        return _decimal_text(number), float(tolerance)
    if _INTEGER.fullmatch(text):
        return _decimal_text(_number(text)), 0.0
    raise _Problem(
        f"invalid numerical answer {text!r}: {_NUMERICAL_HELP} "
        "(an exact decimal answer needs '+- 0')"
    )
