"""Spreadsheets: our own CSV/TSV/xlsx layout, and Kahoot, D2L, Blackboard and Moodle-CSV exports.

``parse_spreadsheet(data, filename)`` reads ``.csv``, ``.tsv``/``.txt`` and ``.xlsx`` files and
works out the layout from the content (the file name is only used in messages). Row numbers in
every message are spreadsheet rows, which are also the line numbers of a CSV file (a quoted cell
with line breaks inside counts from the line where its row starts).

Our layout
==========

One question per row, under a **header row** (the first non-empty row). Header names are
case-insensitive; spaces, hyphens and underscores are interchangeable ("Option A" = "option_a").
In a CSV file the delimiter is detected from the header line: comma, semicolon or tab.

=============== ==========================================================================
column          meaning
=============== ==========================================================================
type            required: ``single_best`` (also ``mc``), ``multiple_response`` (``ma``, ``mr``),
                ``true_false`` (``tf``), ``fill_in_blank`` (``fib``, ``short_answer``),
                ``matching`` (``mat``), ``ordering`` (``ord``). ``essay`` and other types we do
                not support are listed as skipped.
question        required: the question text (``stem`` is accepted too). HTML is allowed.
option_a ...    the options, one per column, ``option_a`` to ``option_j`` (or just ``a`` ...
option_j        ``j``). Instead, one ``options`` column may hold every option, one per line
                inside the cell, or separated by ``|``.
correct         choice types: the letters of the correct options, ``A`` or ``A,C`` (an
                option's exact text also works). ``true_false``: ``true`` or ``false``.
                ``fill_in_blank``: the accepted answers, separated by ``|``. ``ordering``:
                optional letters giving the right order (``C,A,B``); empty means the options
                are already in the right order. ``matching``: unused.
feedback        the explanation shown after answering (the rationale). Also ``rationale``.
category        the topic path, levels separated by ``>``: ``Clinical > Vital signs``.
difficulty      ``easy``, ``medium`` (the default) or ``hard``.
id              your id for the question; it keeps the question's identity across imports.
tolerance       ``fill_in_blank`` with a numeric answer: accepted distance from the answer.
=============== ==========================================================================

Matching questions write each pair in an option cell as ``prompt -> match``; a cell
``-> match`` adds a distractor match. Unknown columns are ignored with a warning.

A sheet made by hand
====================

Without a ``type`` column, a header with a question column, a correct-answer column (``answer``,
``correct``, ``key`` ...) and at least two option columns (``Option A``, ``A``, ``Choice 1`` ...)
is read in our layout with every row a ``single_best`` question. Its answer may also be an option
number from 1 or a hand-written letter (``b)``, ``Option B``). docs/importing.md lists the headers.

Other layouts, recognised by their content
==========================================

- Kahoot! quiz template (``.xlsx``): instruction rows, then a header "Question - max 120
  characters", "Answer 1 - ..." to "Answer 4 - ...", "Time limit ...", "Correct answer(s) ...";
  keys are answer numbers (``1`` or ``1,3``). Several keys become a multiple-response question.
- D2L Brightspace question CSV: records starting at a ``NewQuestion,<type>`` row (MC, MS, TF, M,
  O and SA are imported, WR and the rest are skipped), ``//`` comment rows. An option's own
  feedback follows the rationale, labelled with the option.
- Blackboard "Upload Questions" tab-delimited text: no header, one question per line, the first
  field its type (MC, MA, TF, MAT, ORD, FIB, NUM imported; ESS, SR, FIB_PLUS ... skipped).
- Moodle "CSV question format" plugin: header ``questionname,questiontext,A,B,C,D,Answer 1,
  Answer 2``.

``ImportResult.format`` names the layout found: ``spreadsheet`` (ours), ``kahoot``, ``d2l``,
``blackboard`` or ``moodle_csv``.
"""

import contextlib
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from quizapp.banks.importers.base import (
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    TooManyQuestionsError,
    decode_text,
    html_to_text,
    labelled_feedback,
    sanitize_html,
)
from quizapp.scoring.question_types import ContentError, get_question_type

#: Zip limits, checked on the central directory before anything is decompressed.
MAX_ZIP_ENTRIES = 500
MAX_ZIP_TOTAL = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
#: Rows and columns read from a worksheet (a sheet can claim a million empty rows).
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLUMNS = 64
#: How far down the header row of a layout is looked for (Kahoot puts it on row 8).
HEADER_SEARCH_ROWS = 30

Grid = list[tuple[int, list[str]]]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LETTERS = "ABCDEFGHIJ"
# A tag as HTML writes it: "a<b and b>c" in plain text is not one.
_HTML_TAG = re.compile(
    r"</?(p|br|b|i|u|em|strong|sub|sup|ul|ol|li|span|div|table|thead|tbody|tr|th|td|img|a"
    r"|h[1-6]|code|pre|blockquote|script|iframe|style|font|hr|object|embed|svg|form|input|video"
    r"|audio|source|link|meta|base)(\s*/?>|\s+[^<>]*=[^<>]*>)",  # bare, or with an attribute
    re.I,
)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_IMG_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


# --- shared steps ----------------------------------------------------------------------------


def _norm(text: str) -> str:
    """A header or keyword in comparable form: lower case, punctuation runs made one "_"."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _looks_html(text: str) -> bool:
    return bool(_HTML_TAG.search(text))


def _drop_images(html: str, result: ImportResult, line: int) -> str:
    def drop(match: re.Match) -> str:
        src = _IMG_SRC.search(match.group(0))
        name = next((g for g in src.groups() if g), "") if src else ""
        result.warn(line, f"image {name or '(no file name)'} dropped: media are not imported yet")
        return ""

    return _IMG.sub(drop, html)


def _option_text(text: str, result: ImportResult, line: int) -> str:
    """Options and keys are plain text; HTML in them is sanitised and reduced to its text."""
    if _looks_html(text):
        return html_to_text(_drop_images(sanitize_html(text), result, line))
    return text.strip()


@dataclass
class _Draft:
    """A question being read, finished (validated and added) by `_finish`."""

    line: int
    type: str
    stem: str
    fields: dict[str, Any]
    rationale: str = ""
    category: tuple[str, ...] = ()
    source_id: str | None = None
    difficulty: str = "medium"
    html_flags: list[bool] = field(default_factory=list)
    #: (option, its own feedback), appended to the rationale.
    option_feedback: list[tuple[str, str]] = field(default_factory=list)


def _finish(result: ImportResult, draft: _Draft) -> None:
    """Sanitise, validate with our question type, then add the question (or its errors)."""
    line = draft.line
    html = (
        any(draft.html_flags)
        or any(_looks_html(text) for text in (draft.stem, draft.rationale))
        or any(_looks_html(feedback) for _option, feedback in draft.option_feedback)
    )
    stem, rationale = draft.stem.strip(), draft.rationale.strip()
    if html:
        stem = _drop_images(sanitize_html(stem), result, line)
        rationale = _drop_images(sanitize_html(rationale), result, line) if rationale else ""
    for option, feedback in draft.option_feedback:
        if html:
            feedback = (
                _drop_images(sanitize_html(feedback), result, line)
                if _looks_html(feedback)
                else escape(feedback.strip(), quote=False)
            )
        rationale = "\n".join(
            part for part in (rationale, labelled_feedback(option, feedback, html)) if part
        )
    if not (html_to_text(stem) if html else stem):
        result.error(line, "the question has no text")
        return
    try:
        get_question_type(draft.type).content_from_fields(draft.fields)
    except ContentError as exc:
        for problem in exc.problems:
            result.error(line, f"{problem.field}: {problem.message}")
        return
    result.questions.append(
        ImportedQuestion(
            line=line,
            type=draft.type,
            stem=stem,
            fields=draft.fields,
            rationale=rationale,
            category=draft.category,
            source_id=draft.source_id or None,
            difficulty=draft.difficulty,
            html=html,
        )
    )


def _choice_fields(qtype: str, options: list[str], keys: list[str]) -> dict[str, Any]:
    if qtype == "single_best":
        return {"options": options, "key": keys[0]}
    return {"options": options, "key": keys}


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


# --- reading the file into rows --------------------------------------------------------------


def _check_zip(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFormatError(f"the workbook has {len(infos)} parts (at most {MAX_ZIP_ENTRIES})")
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise ImportFormatError(f"the workbook holds an unsafe path: {name!r}")
        total += info.file_size
        if total > MAX_ZIP_TOTAL:
            raise ImportFormatError("the workbook is larger than 50 MB when uncompressed")
        if info.file_size and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ImportFormatError(f"the workbook part {name!r} is compressed suspiciously well")


class _SheetRows:
    """The rows of a sheet as they are read, stopping as soon as they must hold more questions
    than the cap, so that a huge sheet is neither kept in memory nor read to its end.

    Every layout takes at least one row per question after at most HEADER_SEARCH_ROWS header
    rows; D2L takes exactly one NewQuestion row per question. The parsers count exactly later.
    """

    def __init__(self, max_questions: int | None):
        self.max_questions = max_questions
        self.grid: Grid = []
        self._d2l = False
        self._question_rows = 0

    def add(self, line: int, cells: list[str]) -> None:
        self.grid.append((line, cells))
        if self.max_questions is None:
            return
        is_new_question = bool(cells) and cells[0].strip().lower() == "newquestion"
        if is_new_question and not self._d2l:
            self._d2l, self._question_rows = True, 0
        if self._d2l and not is_new_question:
            return
        self._question_rows += 1
        if self._question_rows > self.max_questions + (0 if self._d2l else HEADER_SEARCH_ROWS):
            raise TooManyQuestionsError(self.max_questions, line)


_PERCENT_FORMAT = re.compile(r"0(?:\.(0+))?%")


def _cell_text(value: Any, number_format: str | None) -> str:
    """A workbook cell as the teacher sees it: 50% rather than 0.5, a date without midnight."""
    if isinstance(value, int | float) and not isinstance(value, bool) and number_format:
        percent = _PERCENT_FORMAT.search(number_format)
        if percent:
            return f"{value * 100:.{len(percent.group(1) or '')}f}%"
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.datetime | dt.time) and number_format and "y" not in number_format:
        return value.strftime("%H:%M") if isinstance(value, dt.time) else value.isoformat()
    return _cell_value(value)


def _cell_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _read_xlsx(data: bytes, result: ImportResult) -> Grid:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:
        raise ImportFormatError(f"the file is not a readable .xlsx workbook ({exc})") from None
    with archive:
        _check_zip(archive)
        if "xl/workbook.xml" not in archive.namelist():
            raise ImportFormatError(
                "this zip file is not an Excel .xlsx workbook; save the sheet as .xlsx or CSV"
            )
    import openpyxl  # imported here: only workbooks need it

    kept = _SheetRows(result.max_questions)
    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            if not workbook.worksheets:
                raise ImportFormatError("the workbook has no worksheet")
            sheet = workbook.worksheets[0]
            if len(workbook.worksheets) > 1:
                result.warn(
                    None,
                    f"only the first worksheet ({sheet.title!r}) of {len(workbook.worksheets)} "
                    "is read: the questions must be on the first",
                )
            rows = sheet.iter_rows(
                min_row=1,
                max_row=MAX_SHEET_ROWS + 1,
                max_col=MAX_SHEET_COLUMNS,
            )
            warned_date = False
            for number, row in enumerate(rows, start=1):
                cells = [_cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                if not warned_date and any(isinstance(c.value, dt.date) for c in row):
                    warned_date = True
                    result.warn(
                        number,
                        "a cell holds a date: Excel turns a typed 1/2 into January 2; if a "
                        "fraction was meant, format the column as Text and type it again",
                    )
                filled = any(c.strip() for c in cells)
                if number > MAX_SHEET_ROWS:
                    if filled:
                        raise ImportFormatError(f"the sheet has more than {MAX_SHEET_ROWS} rows")
                    result.warn(None, f"only the first {MAX_SHEET_ROWS} rows were read")
                    break
                elif filled:
                    kept.add(number, cells)
    except ImportFormatError:
        raise
    except Exception as exc:
        raise ImportFormatError(f"the workbook could not be read ({exc})") from None
    finally:
        if workbook is not None:
            # Closing a broken workbook must not hide why reading it failed.
            with contextlib.suppress(Exception):
                workbook.close()
    return kept.grid


def _count_outside_quotes(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[::2])


def _sniff_delimiter(lines: list[str]) -> str:
    first = next((line for line in lines if line.strip()), "")
    counts = {d: _count_outside_quotes(first, d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _unquote(cell: str) -> str:
    """Blackboard cells saved by Excel may be wrapped in quotes with doubled inner quotes."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def _read_text(text: str, max_questions: int | None) -> Grid:
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    rows = _SheetRows(max_questions)
    if "\t" in first and first.split("\t")[0].strip().upper() in _BB_TYPES:
        # Blackboard: one question per line, fields split on tabs (no quoting rules).
        for number, line in enumerate(lines, start=1):
            if line.strip():
                rows.add(number, [_unquote(c) for c in line.split("\t")])
        return rows.grid
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(lines), strict=False)
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.add(start, cells)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFormatError(f"the file cannot be read as CSV: {exc}", start) from None
    return rows.grid


# --- our layout ------------------------------------------------------------------------------

_OUR_COLUMNS = {
    "type": "type",
    "question_type": "type",
    "qtype": "type",
    "question": "question",
    "stem": "question",
    "question_text": "question",
    "questiontext": "question",
    "options": "options",
    "choices": "options",
    "correct": "correct",
    "correct_answer": "correct",
    "correct_answers": "correct",
    "correct_answer_s": "correct",
    "answer": "correct",
    "key": "correct",
    "feedback": "feedback",
    "rationale": "feedback",
    "explanation": "feedback",
    "general_feedback": "feedback",
    "category": "category",
    "topic": "category",
    "difficulty": "difficulty",
    "id": "id",
    "question_id": "id",
    "tolerance": "tolerance",
    "image": "image",
    "media": "image",
}
# Headers teachers type by hand (case, spaces and punctuation do not matter: _norm).
_OUR_COLUMNS |= {
    "q": "question",
    "prompt": "question",
    "question_stem": "question",
    "correct_option": "correct",
    "correct_choice": "correct",
    "correct_letter": "correct",
    "right_answer": "correct",
    "answer_key": "correct",
    "solution": "correct",
    "reason": "feedback",
    "subject": "category",
}
for _position, _letter in enumerate(_LETTERS.lower(), start=1):
    for _prefix in ("option_", "choice_", "opt_", "answer_", "alternative_", ""):
        _OUR_COLUMNS[f"{_prefix}{_letter}"] = f"option_{_letter}"
        if _prefix:  # "Option 1", "choice_2": numbered like the letters
            _OUR_COLUMNS[f"{_prefix}{_position}"] = f"option_{_letter}"
_OUR_COLUMNS["answer"] = "correct"  # "answer_a" names an option; "answer" alone, the key
#: Without a type column, a sheet with a question, a correct answer and this many option
#: columns is the hand-made layout: every row a single best answer question.
HAND_MADE_MIN_OPTIONS = 2

_TYPE_ALIASES = {
    "single_best": "single_best",
    "single": "single_best",
    "sba": "single_best",
    "mc": "single_best",
    "mcq": "single_best",
    "multiple_choice": "single_best",
    "single_choice": "single_best",
    "multiple_response": "multiple_response",
    "ma": "multiple_response",
    "mr": "multiple_response",
    "multiple_answer": "multiple_response",
    "multiple_answers": "multiple_response",
    "select_all": "multiple_response",
    "true_false": "true_false",
    "truefalse": "true_false",
    "tf": "true_false",
    "fill_in_blank": "fill_in_blank",
    "fill_in_the_blank": "fill_in_blank",
    "fill_in": "fill_in_blank",
    "fib": "fill_in_blank",
    "short_answer": "fill_in_blank",
    "sa": "fill_in_blank",
    "matching": "matching",
    "match": "matching",
    "mat": "matching",
    "ordering": "ordering",
    "order": "ordering",
    "ord": "ordering",
}
_UNSUPPORTED_TYPES = {
    "essay": "essay",
    "ess": "essay",
    "long_answer": "essay",
    "written_response": "essay",
    "short_response": "short response",
    "sr": "short response",
    "file_upload": "file upload",
    "description": "description (no answer)",
    "text": "description (no answer)",
    "cloze": "cloze",
    "numerical_range": "numerical range",
    "calculated": "calculated",
    "hotspot": "hot spot",
    "hot_spot": "hot spot",
    "drag_and_drop": "drag and drop",
    "opinion": "opinion (no answer)",
    "likert": "opinion (no answer)",
}
_TRUE_WORDS = {"true", "t", "yes", "y"}
_FALSE_WORDS = {"false", "f", "no", "n"}
_LETTER_LIST = re.compile(r"[A-Ja-j](\s*[,;/ ]\s*[A-Ja-j])*")


def _letters(text: str) -> list[str] | None:
    text = text.strip()
    if not _LETTER_LIST.fullmatch(text):
        return None
    return [c.upper() for c in text if c.isalpha()]


_LOOSE_KEY = re.compile(
    r"(?:(?:option|choice|answer|letter)\s*)?\(?\s*([A-Ja-j]|10|[1-9])\s*[).:]?", re.I
)


def _loose_letter(text: str, options: int) -> list[str] | None:
    """One option named as people write it by hand: "b)", "(B)", "Option B", "choice 2"
    or "2" (numbers count from 1). None when the text is not such a name."""
    match = _LOOSE_KEY.fullmatch(text.strip())
    if match is None:
        return None
    name = match.group(1)
    if name.isdigit():
        number = int(name)
        return [_LETTERS[number - 1]] if 1 <= number <= options else None
    return [name.upper()]


def _split_list(text: str) -> list[str]:
    """A cell holding several values: one per line, or separated by "|"."""
    parts = text.split("\n") if "\n" in text.strip() else text.split("|")
    return [p.strip() for p in parts if p.strip()]


def _our_header(cells: list[str]) -> dict[str, int] | None:
    """Our columns found in a header row, or None when it is not our layout: it needs a type
    and a question column, or (the hand-made layout) a question, a correct answer and at least
    two option columns."""
    columns: dict[str, int] = {}
    for index, name in enumerate(cells):
        canonical = _OUR_COLUMNS.get(_norm(name))
        if canonical and canonical not in columns:
            columns[canonical] = index
    if {"type", "question"} <= columns.keys():
        return columns
    options = sum(1 for name in columns if name.startswith("option_"))
    if {"question", "correct"} <= columns.keys() and options >= HAND_MADE_MIN_OPTIONS:
        return columns
    return None


def _parse_ours(grid: Grid, header_at: int, result: ImportResult) -> None:
    header_line, header = grid[header_at]
    columns = _our_header(header) or {}
    if "type" not in columns:
        result.warn(
            header_line,
            "no type column: every row is read as a single best answer question "
            "(add a type column for other kinds)",
        )
    known = set(columns.values())
    for index, name in enumerate(header):
        if name.strip() and index not in known:
            reason = "repeated" if _OUR_COLUMNS.get(_norm(name)) else "unknown"
            result.warn(header_line, f"column {name.strip()!r} is ignored ({reason})")
    for line, cells in grid[header_at + 1 :]:
        result.count_question(line)
        if not _overflows(line, cells, header, result):
            _our_row(line, cells, columns, result)


def _overflows(line: int, cells: list[str], header: list[str], result: ImportResult) -> bool:
    """A row with text past the header's last column, which shifts every cell after an unquoted
    delimiter: an error rather than a question with its options in the wrong places."""
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        result.error(
            line,
            f"the row has {len(cells)} cells but the header {len(header)}: "
            "is a comma (or the file's delimiter) inside a cell without double quotes?",
        )
        return True
    return False


def _our_row(line: int, cells: list[str], columns: dict[str, int], result: ImportResult) -> None:
    def get(name: str) -> str:
        return _cell(cells, columns.get(name))

    raw_type = get("type") if "type" in columns else "single_best"
    if not raw_type:
        result.error(line, "no type: give single_best, multiple_response, true_false, ...")
        return
    kind = _norm(raw_type)
    if kind in _UNSUPPORTED_TYPES:
        result.skip(line, _UNSUPPORTED_TYPES[kind], f"{raw_type} questions are not supported")
        return
    qtype = _TYPE_ALIASES.get(kind)
    if qtype is None:
        result.error(line, f"unknown question type {raw_type!r}")
        return
    if get("image"):
        result.warn(line, f"image {get('image')} dropped: media are not imported yet")

    options: list[tuple[str, str]] = []  # (letter, text)
    for letter in _LETTERS:
        text = get(f"option_{letter.lower()}")
        if text:
            options.append((letter, _option_text(text, result, line)))
    if not options and get("options"):
        options = [
            (_LETTERS[i] if i < len(_LETTERS) else str(i + 1), _option_text(t, result, line))
            for i, t in enumerate(_split_list(get("options")))
        ]
    by_letter = dict(options)
    texts = [t for _, t in options]
    correct = get("correct")

    fields = _our_fields(qtype, line, texts, by_letter, correct, get("tolerance"), result)
    if fields is None:
        return
    difficulty = get("difficulty").lower() or "medium"
    if difficulty not in {"easy", "medium", "hard"}:
        result.warn(line, f"difficulty {get('difficulty')!r} is not easy/medium/hard: medium used")
        difficulty = "medium"
    category = tuple(p.strip() for p in get("category").split(">") if p.strip())
    _finish(
        result,
        _Draft(
            line,
            qtype,
            get("question"),
            fields,
            rationale=get("feedback"),
            category=category,
            source_id=get("id"),
            difficulty=difficulty,
        ),
    )


def _our_fields(
    qtype: str,
    line: int,
    texts: list[str],
    by_letter: dict[str, str],
    correct: str,
    tolerance: str,
    result: ImportResult,
) -> dict[str, Any] | None:
    def keys_from(text: str) -> list[str] | None:
        letters = _letters(text)
        if letters is None and text not in texts:
            letters = _loose_letter(text, len(texts))
        if letters is not None:
            missing = [x for x in letters if x not in by_letter]
            if missing:
                result.error(line, f"correct answer {', '.join(missing)} names an empty option")
                return None
            return [by_letter[x] for x in letters]
        if text in texts:
            return [text]
        result.error(line, f"correct answer {text!r} is neither option letters nor an option")
        return None

    if qtype in {"single_best", "multiple_response"}:
        if not correct:
            result.error(line, "no correct answer: give the letter(s) in the correct column")
            return None
        keys = keys_from(correct)
        if keys is None:
            return None
        if qtype == "single_best" and len(keys) != 1:
            result.error(
                line,
                f"single_best has one correct answer, not {len(keys)} "
                "(use multiple_response for several)",
            )
            return None
        return _choice_fields(qtype, texts, keys)
    if qtype == "true_false":
        letters = _letters(correct) or []
        value = by_letter.get(letters[0], correct) if len(letters) == 1 else correct
        word = value.strip().lower()
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            result.error(line, f"a true_false answer must be true or false, not {correct!r}")
            return None
        return {"key": word in _TRUE_WORDS}
    if qtype == "fill_in_blank":
        accepted = _split_list(correct)
        fields: dict[str, Any] = {"key": accepted}
        if tolerance:
            number = _number(tolerance)
            if number is None:
                result.error(line, f"tolerance {tolerance!r} is not a number")
                return None
            fields["tolerance"] = number
        return fields
    if qtype == "matching":
        pairs, extras = [], []
        for text in texts:
            prompt, arrow, match = text.partition("->")
            if not arrow or not match.strip():
                result.error(line, f"a matching option needs 'prompt -> match', not {text!r}")
                return None
            if prompt.strip():
                pairs.append([prompt.strip(), match.strip()])
            else:
                extras.append(match.strip())
        return {"pairs": pairs, "extra_matches": extras}
    # ordering
    if not correct:
        return {"items": texts}
    letters = _letters(correct)
    if letters is None or sorted(letters) != sorted(by_letter):
        result.error(line, f"the order {correct!r} must name every option letter once")
        return None
    return {"items": [by_letter[x] for x in letters]}


# --- Moodle CSV plugin -----------------------------------------------------------------------


def _parse_moodle_csv(grid: Grid, header_at: int, result: ImportResult) -> None:
    _, header = grid[header_at]
    names = [h.strip() for h in header]
    lowered = [n.lower() for n in names]
    option_cols = [(n.upper(), i) for i, n in enumerate(names) if re.fullmatch(r"[A-Za-z]", n)]
    key_cols = [i for i, n in enumerate(lowered) if re.fullmatch(r"answer\s*\d+", n)]
    feedback_col = lowered.index("generalfeedback") if "generalfeedback" in lowered else None
    unused = {"correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"}
    warned: set[str] = set()
    for line, cells in grid[header_at + 1 :]:
        result.count_question(line)
        for index, name in enumerate(lowered):
            if name in unused and name not in warned and _cell(cells, index):
                warned.add(name)
                result.warn(line, f"the column {names[index]} is not imported")
        if _overflows(line, cells, header, result):
            continue
        options = [(letter, _cell(cells, i)) for letter, i in option_cols]
        by_letter = {letter: text for letter, text in options if text}
        letters = [_cell(cells, i).upper() for i in key_cols if _cell(cells, i)]
        if not letters:
            result.error(line, "no correct answer in the Answer columns")
            continue
        missing = [x for x in letters if x not in by_letter]
        if missing:
            result.error(line, f"the answer {', '.join(missing)} is not a filled option column")
            continue
        qtype = "single_best" if len(set(letters)) == 1 else "multiple_response"
        keys = list(dict.fromkeys(by_letter[x] for x in letters))
        _finish(
            result,
            _Draft(
                line,
                qtype,
                _cell(cells, lowered.index("questiontext")),
                _choice_fields(qtype, [t for _, t in options if t], keys),
                rationale=_cell(cells, feedback_col),
                source_id=_cell(cells, lowered.index("questionname")),
            ),
        )


# --- Kahoot ----------------------------------------------------------------------------------


def _kahoot_header(cells: list[str]) -> dict[str, Any] | None:
    lowered = [c.strip().lower() for c in cells]
    question = next((i for i, c in enumerate(lowered) if c.startswith("question")), None)
    correct = next((i for i, c in enumerate(lowered) if c.startswith("correct answer")), None)
    answers = {}
    for i, c in enumerate(lowered):
        match = re.match(r"answer\s*(\d+)", c)
        if match:
            answers[int(match.group(1))] = i
    if question is None or correct is None or 1 not in answers:
        return None
    return {"question": question, "correct": correct, "answers": answers}


def _parse_kahoot(grid: Grid, header_at: int, result: ImportResult) -> None:
    columns = _kahoot_header(grid[header_at][1]) or {}
    for line, cells in grid[header_at + 1 :]:
        stem = _cell(cells, columns["question"])
        answers = {
            n: _option_text(_cell(cells, i), result, line)
            for n, i in sorted(columns["answers"].items())
            if _cell(cells, i)
        }
        raw_key = _cell(cells, columns["correct"])
        if not stem and not answers and not raw_key:
            continue  # a numbered but unfilled template row
        result.count_question(line)
        numbers = []
        for part in re.split(r"[,;\s]+", raw_key):
            value = _number(part) if part else None
            if value is None or not value.is_integer() or int(value) not in answers:
                if part:
                    result.error(line, f"correct answer {part!r} is not a filled answer number")
                numbers = []
                break
            numbers.append(int(value))
        if not numbers:
            if not raw_key:
                result.error(line, "no correct answer number")
            continue
        numbers = list(dict.fromkeys(numbers))
        qtype = "single_best" if len(numbers) == 1 else "multiple_response"
        if qtype == "multiple_response":
            result.warn(
                line,
                "several correct answers: Kahoot accepts any one of them, here students must "
                "choose all of them",
            )
        keys = [answers[n] for n in numbers]
        _finish(
            result, _Draft(line, qtype, stem, _choice_fields(qtype, list(answers.values()), keys))
        )


# --- D2L Brightspace -------------------------------------------------------------------------

_D2L_TYPES = {
    "MC": "single_best",
    "MS": "multiple_response",
    "TF": "true_false",
    "M": "matching",
    "O": "ordering",
    "SA": "fill_in_blank",
}
_D2L_SKIPPED = {
    "WR": "written response",
    "FIB": "fill in the blanks",
    "MSA": "multi-short answer",
    "LA": "Likert",
    "MAT": "arithmetic",
    "H": "hot spot",
}


def _d2l_difficulty(text: str) -> str:
    value = _number(text) if text else None
    if value is None:
        return "medium"
    return "easy" if value <= 2 else "medium" if value <= 3 else "hard"


@dataclass
class _D2LRecord:
    line: int
    type: str
    rows: list[tuple[int, str, list[str]]] = field(default_factory=list)


@dataclass
class _D2LChoice:
    """An Option, Answer, Choice, Match, Item, TRUE or FALSE row of a D2L question."""

    row: int
    kind: str
    value: str  # the weight, or the choice number of Choice/Match rows
    text: str
    flag: str = ""  # Answer rows: how the answer is evaluated ("regexp", ...)


def _parse_d2l(grid: Grid, result: ImportResult) -> None:
    records: list[_D2LRecord] = []
    for line, cells in grid:
        first = cells[0].strip() if cells else ""
        if first.startswith("//"):
            continue
        key = first.lower()
        if key == "newquestion":
            result.count_question(line)
            records.append(_D2LRecord(line, _cell(cells, 1).upper()))
        elif records:
            records[-1].rows.append((line, key, cells))
        else:
            result.warn(line, f"row before the first NewQuestion ignored: {first[:40]!r}")
    for record in records:
        _d2l_question(record, result)


def _d2l_choice(row: int, key: str, cells: list[str]) -> tuple[_D2LChoice, str]:
    """The choice a row describes, and its per-option feedback."""
    if key in {"true", "false"}:
        return _D2LChoice(row, key, _cell(cells, 1), key), _cell(cells, 2)
    if key == "item":
        return _D2LChoice(row, key, "", _cell(cells, 1)), _cell(cells, 3)
    flag = _cell(cells, 3).lower() if key == "answer" else ""
    return _D2LChoice(row, key, _cell(cells, 1), _cell(cells, 2), flag), _cell(cells, 4)


def _d2l_question(record: _D2LRecord, result: ImportResult) -> None:
    line, qtype = record.line, record.type
    if qtype not in _D2L_TYPES:
        kind = _D2L_SKIPPED.get(qtype, qtype or "(no type)")
        result.skip(line, kind, f"D2L {qtype or 'untyped'} questions are not supported")
        return
    draft = _Draft(line, _D2L_TYPES[qtype], "", {})
    choices: list[_D2LChoice] = []
    title = ""
    for row, key, cells in record.rows:
        value = _cell(cells, 1)
        if key == "id":
            draft.source_id = value
        elif key == "title":
            title = value
        elif key in {"questiontext", "feedback"}:
            text = cells[1] if len(cells) > 1 else ""
            if key == "questiontext":
                draft.stem = text
            else:
                draft.rationale = text
            draft.html_flags.append(_cell(cells, 2).upper() == "HTML")
        elif key == "difficulty":
            draft.difficulty = _d2l_difficulty(value)
        elif key == "image":
            if value:
                result.warn(row, f"image {value} dropped: media are not imported yet")
        elif key == "hint":
            if value:
                result.warn(row, "the hint is not imported")
        elif key in {"option", "answer", "choice", "match", "true", "false", "item"}:
            choice, feedback = _d2l_choice(row, key, cells)
            choices.append(choice)
            if feedback:
                label = key.capitalize() if key in {"true", "false"} else choice.text
                label = html_to_text(sanitize_html(label)) if _looks_html(label) else label
                draft.option_feedback.append((label, feedback))
        elif key not in {"points", "scoring", "inputbox", "initialtext", "answerkey", ""}:
            result.warn(row, f"row {cells[0].strip()!r} is not understood and was ignored")
    draft.source_id = draft.source_id or title
    fields = _d2l_fields(qtype, line, choices, result)
    if fields is not None:
        draft.fields = fields
        _finish(result, draft)


def _d2l_weights(choices: list[_D2LChoice], result: ImportResult) -> list[float] | None:
    weights = []
    for choice in choices:
        number = _number(choice.value)
        if number is None:
            result.error(choice.row, f"the weight {choice.value!r} is not a number")
            return None
        weights.append(number)
    return weights


def _d2l_fields(
    qtype: str, line: int, choices: list[_D2LChoice], result: ImportResult
) -> dict[str, Any] | None:
    def rows(*kinds: str) -> list[_D2LChoice]:
        return [c for c in choices if c.kind in kinds]

    if qtype == "M":
        return _d2l_matching(line, rows("choice"), rows("match"), result)
    if qtype == "O":
        return {"items": [_option_text(c.text, result, c.row) for c in rows("item")]}
    picked = (
        rows("true", "false") if qtype == "TF" else rows("answer" if qtype == "SA" else "option")
    )
    weights = _d2l_weights(picked, result)
    if weights is None:
        return None
    if qtype == "TF":
        keys = {c.kind for c, w in zip(picked, weights, strict=True) if w >= 100}
        if len(keys) != 1:
            result.error(line, "exactly one of the TRUE and FALSE rows must be worth 100")
            return None
        return {"key": keys == {"true"}}
    texts = [_option_text(c.text, result, c.row) for c in picked]
    if qtype == "MS":  # weights are 1 (a right option) or 0
        keys = [t for t, w in zip(texts, weights, strict=True) if w > 0]
        if not keys:
            result.error(line, "no option is marked correct (weight 1)")
            return None
        return {"options": texts, "key": keys}
    for choice, text, weight in zip(picked, texts, weights, strict=True):
        if 0 < weight < 100:
            result.warn(choice.row, f"partial credit ({weight:g}%) for {text!r} is not imported")
    full = [i for i, w in enumerate(weights) if w >= 100]
    if qtype == "SA":
        return _d2l_short_answer(line, [picked[i] for i in full], result)
    if len(full) != 1:
        result.error(line, f"{len(full)} options are worth 100%: an MC question needs one")
        return None
    return {"options": texts, "key": texts[full[0]]}


def _d2l_matching(
    line: int, prompts: list[_D2LChoice], matches: list[_D2LChoice], result: ImportResult
) -> dict[str, Any] | None:
    by_number: dict[str, list[str]] = {}
    for match in matches:
        by_number.setdefault(match.value, []).append(_option_text(match.text, result, match.row))
    pairs = []
    for prompt in prompts:
        found = by_number.pop(prompt.value, [])
        if len(found) != 1:
            result.error(
                prompt.row, f"choice {prompt.value} needs exactly one match, not {len(found)}"
            )
            return None
        pairs.append([_option_text(prompt.text, result, prompt.row), found[0]])
    extras = [text for found in by_number.values() for text in found]
    return {"pairs": pairs, "extra_matches": extras}


def _d2l_short_answer(
    line: int, answers: list[_D2LChoice], result: ImportResult
) -> dict[str, Any] | None:
    """The 100% answers; a regular expression is kept only when it is plain text."""
    accepted = []
    for answer in answers:
        text = answer.text.strip()
        if answer.flag == "regexp":
            if re.search(r"[\\^$.|?*+()\[\]{}]", text):
                result.warn(answer.row, f"the regular expression {text!r} cannot be imported")
                continue
            result.warn(answer.row, f"the regular expression {text!r} is read as plain text")
        accepted.append(text)
    if answers and not accepted:
        result.skip(line, "short answer (regular expression)", "its answers are regexps")
        return None
    if not accepted:
        result.error(line, "no answer is worth 100%")
        return None
    return {"key": accepted}


# --- Blackboard ------------------------------------------------------------------------------

_BB_TYPES = {
    "MC",
    "MA",
    "TF",
    "ESS",
    "ORD",
    "MAT",
    "FIB",
    "FIB_PLUS",
    "NUM",
    "SR",
    "OP",
    "FIL",
    "HS",
    "JUMBLED_SENTENCE",
    "QUIZ_BOWL",
}
_BB_SKIPPED = {
    "ESS": "essay",
    "SR": "short response",
    "OP": "opinion (no answer)",
    "FIL": "file response",
    "HS": "hot spot",
    "FIB_PLUS": "fill in multiple blanks",
    "JUMBLED_SENTENCE": "jumbled sentence",
    "QUIZ_BOWL": "quiz bowl",
}


def _parse_blackboard(grid: Grid, result: ImportResult) -> None:
    for line, raw in grid:
        result.count_question(line)
        cells = [c.strip() for c in raw]
        while cells and not cells[-1]:
            cells.pop()
        kind = cells[0].upper() if cells else ""
        if kind in _BB_SKIPPED:
            result.skip(line, _BB_SKIPPED[kind], f"Blackboard {kind} questions are not supported")
            continue
        if kind not in _BB_TYPES:
            result.error(line, f"unknown Blackboard question type {cells[0][:20]!r}")
            continue
        stem, rest = _cell(cells, 1), cells[2:]
        fields = _BB_FIELDS[kind](line, [_option_text(c, result, line) for c in rest], result)
        if fields is not None:
            qtype, values = fields
            _finish(result, _Draft(line, qtype, stem, values))


def _bb_choice(line: int, rest: list[str], result: ImportResult, *, single: bool):
    if len(rest) % 2:
        result.error(line, "answers must come in pairs: text, then correct or incorrect")
        return None
    options, keys = [], []
    for text, status in zip(rest[::2], rest[1::2], strict=True):
        if status.lower() not in {"correct", "incorrect"}:
            result.error(line, f"expected correct or incorrect after {text!r}, not {status!r}")
            return None
        options.append(text)
        if status.lower() == "correct":
            keys.append(text)
    if not keys:
        result.error(line, "no answer is marked correct")
        return None
    if single and len(keys) > 1:
        result.error(line, f"MC has {len(keys)} answers marked correct (use MA for several)")
        return None
    qtype = "single_best" if single else "multiple_response"
    return qtype, _choice_fields(qtype, options, keys)


def _bb_tf(line: int, rest: list[str], result: ImportResult):
    word = (rest[0] if rest else "").lower()
    if word not in {"true", "false"}:
        result.error(line, f"TF needs true or false, not {word!r}")
        return None
    return "true_false", {"key": word == "true"}


def _bb_num(line: int, rest: list[str], result: ImportResult):
    answer = rest[0] if rest else ""
    if _number(answer) is None:
        result.error(line, f"NUM needs a numeric answer, not {answer!r}")
        return None
    tolerance = _number(rest[1]) if len(rest) > 1 and rest[1] else 0.0
    if tolerance is None:
        result.error(line, f"the tolerance {rest[1]!r} is not a number")
        return None
    return "fill_in_blank", {"key": [answer], "tolerance": abs(tolerance)}


def _bb_mat(line: int, rest: list[str], result: ImportResult):
    if len(rest) % 2:
        result.error(line, "MAT needs pairs of answer and match")
        return None
    return "matching", {"pairs": [list(p) for p in zip(rest[::2], rest[1::2], strict=True)]}


_BB_FIELDS: dict[str, Callable[[int, list[str], ImportResult], Any]] = {
    "MC": lambda line, rest, result: _bb_choice(line, rest, result, single=True),
    "MA": lambda line, rest, result: _bb_choice(line, rest, result, single=False),
    "TF": _bb_tf,
    "NUM": _bb_num,
    "MAT": _bb_mat,
    "ORD": lambda line, rest, result: ("ordering", {"items": [r for r in rest if r]}),
    "FIB": lambda line, rest, result: ("fill_in_blank", {"key": [r for r in rest if r]}),
}


# --- entry point -----------------------------------------------------------------------------


def _detect(grid: Grid) -> tuple[str, int]:
    """The layout of the rows and the index of its header row (-1 without one)."""
    if any(cells and cells[0].strip().lower() == "newquestion" for _, cells in grid):
        return "d2l", -1
    first = grid[0][1]
    if first[0].strip().upper() in _BB_TYPES and any(c.strip() for c in first[1:]):
        return "blackboard", -1
    for index, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        lowered = {c.strip().lower() for c in cells}
        if {"questionname", "questiontext"} <= lowered:
            return "moodle_csv", index
        if _our_header(cells):
            return "spreadsheet", index
        if _kahoot_header(cells):
            return "kahoot", index
    raise ImportFormatError(
        "no known spreadsheet layout found: the first row should be a header naming the "
        "columns, at least Question, the options (Option A, Option B, ...) and Answer, or "
        "type and question (see the import help)"
    )


def parse_spreadsheet(
    data: bytes, filename: str = "", *, max_questions: int | None = None
) -> ImportResult:
    """Read a CSV, TSV or .xlsx question file in any layout described in the module docstring.

    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    :raises ImportFormatError: when the file is not a spreadsheet in a layout we know.
    """
    result = ImportResult(format="spreadsheet", max_questions=max_questions)
    name = filename.lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise ImportFormatError("old Excel .xls files cannot be read: save the sheet as .xlsx")
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        grid = _read_xlsx(data, result)
    else:
        text, note = decode_text(data)
        if note:
            result.warn(None, note)
        grid = _read_text(text, max_questions)
    if not grid:
        raise ImportFormatError("the file is empty")
    try:
        layout, header_at = _detect(grid)
    except ImportFormatError as exc:  # what was noticed on the way may be why
        notes = [p.message for p in result.problems if p.warning]
        if not notes:
            raise
        raise ImportFormatError(f"{exc.message} (note: {'; '.join(notes)})") from None
    result.format = layout
    if header_at > 0 and layout in {"spreadsheet", "moodle_csv"}:
        result.warn(grid[0][0], f"{header_at} row(s) above the header row were ignored")
    if layout == "d2l":
        _parse_d2l(grid, result)
    elif layout == "blackboard":
        _parse_blackboard(grid, result)
    elif layout == "moodle_csv":
        _parse_moodle_csv(grid, header_at, result)
    elif layout == "kahoot":
        _parse_kahoot(grid, header_at, result)
    else:
        _parse_ours(grid, header_at, result)
    return result
