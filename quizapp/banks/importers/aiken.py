"""Read Moodle's Aiken format: one-line questions, lettered choices and an ANSWER: line.

We follow Moodle's reader (question/format/aiken/format.php): lines are trimmed, lines shorter
than two characters are ignored, a choice is a capital letter then ")" or "." (the space after
it is optional), "ANSWER:" closes the question, and any other line starts a new question. Text
is plain (Moodle HTML-escapes it), so `<b>` stays literal.

Moodle's errors are reported with their lines ("not started", "not completed", "at least 2
answers"), and we add the checks Moodle leaves out: the ANSWER letter must name a choice,
choices must run A, B, C..., and an open question at the end of the file is an error, not a
silent drop. The "Aiken advanced" dialect (NUMBERING:, numbered choices, localised keywords)
is rejected line by line.
"""

import re
from dataclasses import dataclass, field

from quizapp.banks.importers.base import (
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    decode_text,
)

FORMAT = "aiken"

_CHOICE = re.compile(r"[A-Z][).]")
_ANSWER = re.compile(r"answer\s*:(.*)", re.IGNORECASE)
_ANSWER_LETTER = re.compile(r"([A-Za-z])\s*[).]?")
_NUMBERING = re.compile(r"numbering\s*:", re.IGNORECASE)
_NUMBERED_CHOICE = re.compile(r"\d{1,3}[).]\s*\S")
_LOWER_CHOICE = re.compile(r"[a-z][).][ \t]")
#: A one-word keyword and a short value, such as a translated "ANSWER: B" (Aiken advanced).
_KEYWORD = re.compile(r"([^\W\d_]{1,30})\s*:\s*(\S.{0,19})?$")


@dataclass
class _Open:
    """The question being read: its line, text, choices, and whether it already failed."""

    line: int
    stem: str
    options: list[str] = field(default_factory=list)
    failed: bool = False


def parse_aiken(
    data: bytes, filename: str = "", *, max_questions: int | None = None
) -> ImportResult:
    """Parse an Aiken file into single-best-answer (and true/false) questions.

    :param data: the uploaded bytes (UTF-8, with or without BOM, or cp1252; any line ends).
    :param filename: the uploaded name, used only in messages.
    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    :return: the questions, with every problem and its line.
    :raises ImportFormatError: when the file has no choice or ANSWER: line at all.
    """
    text, note = decode_text(data)
    result = ImportResult(format=FORMAT, max_questions=max_questions)
    if note:
        result.warn(1, note)
    name = f"{filename}: " if filename else ""
    if "\x00" in text:
        raise ImportFormatError(f"{name}this is a binary file, not an Aiken text file")
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    if any(stripped) and not any(
        _CHOICE.match(s) or _ANSWER.match(s) for s in stripped if len(s) >= 2
    ):
        raise ImportFormatError(
            f"{name}no Aiken questions found: a question is one line of text, then choices "
            "'A) ...', 'B) ...' and a line 'ANSWER: B'"
        )

    current: _Open | None = None

    def fail(line: int, message: str) -> None:
        result.error(line, message)
        if current is not None:
            current.failed = True

    for number, line in enumerate(stripped, start=1):
        if len(line) < 2:  # Moodle skips blank lines and single characters
            continue
        if _NUMBERING.match(line):
            fail(
                number,
                "'NUMBERING:' lines belong to the 'Aiken advanced' dialect, which plain Aiken "
                "does not have: remove the line",
            )
            continue
        if _CHOICE.match(line):
            if current is None:
                result.error(
                    number,
                    "a choice outside a question (no question text before it, or it follows "
                    "an ANSWER: line); a question text that starts with a letter and ')' or "
                    "'.' is read as a choice",
                )
                continue
            expected = chr(ord("A") + len(current.options))
            choice = line[2:].strip()
            if line[0] != expected and not current.failed:
                fail(number, f"choice {line[:2]} is out of order: expected {expected}{line[1]}")
            elif not choice and not current.failed:
                fail(number, f"choice {line[:2]} has no text")
            current.options.append(choice)
            continue
        answer = _ANSWER.match(line)
        if answer:
            if not line.startswith("ANSWER:"):
                result.warn(
                    number,
                    f"{line.split(':', 1)[0]!r}: Aiken's keyword is 'ANSWER:' in capitals with "
                    "no space before the colon (Moodle would not read this line); read anyway",
                )
            if current is None:
                result.error(number, "an ANSWER: line outside a question")
                continue
            _finish(result, current, answer.group(1).strip(), number)
            current = None
            continue
        if current is not None:
            if _NUMBERED_CHOICE.match(line):
                if not current.failed:
                    fail(
                        number,
                        "numbered choices such as '1)' belong to the 'Aiken advanced' dialect: "
                        "label the choices A), B), C) ...",
                    )
                current.options.append(line)
                continue
            if _LOWER_CHOICE.match(line):
                if not current.failed:
                    label = line[:2]
                    fail(
                        number,
                        f"choice labels are capital letters: write {label.upper()} for {label}",
                    )
                current.options.append(line[2:].strip())
                continue
            keyword = _KEYWORD.match(line)
            if current.options and keyword and keyword.group(2):
                fail(
                    number,
                    f"unexpected '{keyword.group(1)}:' line: the only keyword in Aiken is "
                    "'ANSWER:' followed by the letter of the right choice",
                )
                continue
            if not current.failed:
                if current.options:
                    result.error(
                        number,
                        f"the question on line {current.line} has no ANSWER: line before the "
                        f"next question starts on line {number}",
                    )
                else:
                    result.error(
                        number,
                        f"the question on line {current.line} has no choices before this line: "
                        "Aiken question text must fit on one line",
                    )
        result.count_question(number)
        current = _Open(number, line)

    if current is not None:
        result.error(
            current.line,
            f"the question on line {current.line} has no ANSWER: line before the end of the file",
        )
    return result


def _finish(result: ImportResult, question: _Open, answer: str, line: int) -> None:
    """Check the ANSWER: line of a complete question and add the question."""
    if question.failed:
        return
    options = question.options
    if len(options) < 2:
        result.error(
            line,
            f"the question on line {question.line} must have at least 2 choices, "
            f"not {len(options)}",
        )
        return
    letter = _ANSWER_LETTER.fullmatch(answer)
    last = chr(ord("A") + len(options) - 1)
    if not letter:
        result.error(
            line,
            f"ANSWER: must be followed by the one letter of the right choice (A-{last}), "
            f"not {answer!r}",
        )
        return
    key = letter.group(1)
    if key.islower():
        result.warn(line, f"ANSWER: {key} read as {key.upper()} (Moodle needs a capital letter)")
        key = key.upper()
    index = ord(key) - ord("A")
    if index >= len(options):
        result.error(
            line,
            f"ANSWER: {key} names no choice: the question on line {question.line} has "
            f"choices A-{last}",
        )
        return
    if len(options) == 2 and {o.casefold() for o in options} == {"true", "false"}:
        qtype, fields = "true_false", {"key": options[index].casefold() == "true"}
    else:
        qtype, fields = "single_best", {"options": list(options), "key": options[index]}
    result.questions.append(
        ImportedQuestion(line=question.line, type=qtype, stem=question.stem, fields=fields)
    )
