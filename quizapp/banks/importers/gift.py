"""Moodle GIFT (plain text, or a "GIFT with medias" zip) read the way Moodle's qformat_gift does.

Followed from Moodle (question/format.php and question/format/gift/format.php):

- questions are separated by blank lines; every line is trimmed; a line starting with ``//`` is a
  comment; ``\\:`` ``\\#`` ``\\=`` ``\\{`` ``\\}`` ``\\~`` are literal characters, ``\\n`` a new
  line and ``\\\\`` a backslash;
- ``$CATEGORY: path`` switches category; ``::title::`` names a question; ``[html]``,
  ``[moodle]``, ``[plain]`` and ``[markdown]`` set a text's format (answers and feedback inherit
  the question text's);
- the answer block is the first ``{`` to the first ``}``; text after it makes a missing-word
  question (a ``____`` blank replaces the block); ``####`` (the last one) starts the general
  feedback, the first ``#`` of an answer its feedback;
- type detection in Moodle's order: no block = description (skipped), ``{}`` = essay (skipped),
  ``{#...}`` numerical, a ``~`` multiple choice, ``=`` with ``->`` matching, ``T``/``TRUE``/``F``/
  ``FALSE`` true/false, anything else short answer.

Mapped to our types: multiple choice with one 100% answer -> single_best; with no ``=`` and
positive weights adding up to 100% -> multiple_response; short answer -> fill_in_blank (the 100%
answers); numerical with its 100% answers sharing one tolerance (ranges become mid-point and
half-width, as Moodle stores them) -> fill_in_blank with tolerance; matching -> matching.
Per-answer feedback has no place of its own, so it is appended to the rationale. Media (images,
``@@PLUGINFILE@@`` files, zip members) are dropped with a warning naming the file.
"""

import html
import io
import re
import struct
import zipfile
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from urllib.parse import unquote

import nh3

from quizapp.banks.importers.base import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    URL_SCHEMES,
    ImportedQuestion,
    ImportFormatError,
    ImportResult,
    decode_text,
    html_to_text,
)

MAX_ZIP_ENTRIES = 500
MAX_ZIP_TOTAL_SIZE = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
#: Entries smaller than this cannot be a zip bomb, whatever their compression ratio.
ZIP_RATIO_MIN_SIZE = 64 * 1024
BLANK = "____"

#: PHP's trim() set: Moodle trims with it, and it leaves non-breaking spaces alone.
_WS = " \t\n\r\0\x0b"
#: Escaped control characters become private-use placeholders while the block is split.
_PLACEHOLDERS = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004",
                 "~": "\ue005", "n": "\ue006", "%": "\ue007"}  # fmt: skip
_LITERALS = {v: ("\n" if k == "n" else k) for k, v in _PLACEHOLDERS.items()}
_ESCAPE = re.compile(r"\\(.)")
_PRIVATE = re.compile("[\ue000-\ue007]")
_WEIGHT = re.compile(r"%(-?\d{1,3}(?:\.\d{0,12})?)%")
_NUMBER = re.compile(r"[-+]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})(?:[eE][-+]?\d{1,2})?")
_FORMATS = {"html", "moodle", "plain", "markdown"}
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
#: Text in Moodle's default format is HTML when it holds a tag or an entity.
_LOOKS_HTML = re.compile(
    r"<(?:/?(?:p|br|b|i|u|em|strong|span|div|font|img|a|ul|ol|li|table|thead|tbody|tr|td|th|"
    r"sub|sup|pre|code|h[1-6]|hr|blockquote|audio|video|source|iframe|script|style|object|embed|"
    r"svg|math|center|small|big|strike|s|del|ins|mark|label|form|input|button)\b|!--)"
    r"|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});",
    re.I,
)
_MEDIA_TAGS = {"img", "audio", "video", "source", "track", "embed", "object", "iframe"}
_MEDIA_ATTRS = {"src", "data", "poster"}
_PLUGINFILE = "@@PLUGINFILE@@/"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               KeyError, IndexError, OverflowError, RuntimeError, NotImplementedError,
               struct.error, zlib.error)  # fmt: skip


def parse_gift(
    data: bytes, filename: str = "", *, max_questions: int | None = None
) -> ImportResult:
    """Read a GIFT file (or a zip holding one GIFT file and its media).

    :param max_questions: stop with TooManyQuestionsError at the first question past it.
    :raises ImportFormatError: when the bytes are not GIFT text or a readable GIFT zip.
    """
    result = ImportResult(format="gift", max_questions=max_questions)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")) or filename.lower().endswith(".zip"):
        data = _read_zip(data, result)
    _Reader(result).read(_decode(data, result))
    return result


# --- bytes to text ------------------------------------------------------------------------


def _read_zip(data: bytes, result: ImportResult) -> bytes:
    """The GIFT member of a "GIFT with medias" zip, after checking the archive is safe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise ImportFormatError(f"the zip archive cannot be read ({exc})") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFormatError(f"the zip holds {len(infos)} entries; at most {MAX_ZIP_ENTRIES}")
    if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL_SIZE:
        raise ImportFormatError("the zip would unpack to more than 50 MB")
    for info in infos:
        parts = re.split(r"[/\\]", info.filename)
        if info.filename.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", info.filename):
            raise ImportFormatError(f"the zip entry {info.filename!r} has an absolute path")
        if ".." in parts:
            raise ImportFormatError(f"the zip entry {info.filename!r} points outside the archive")
        if info.flag_bits & 0x1:
            raise ImportFormatError(f"the zip entry {info.filename!r} is encrypted")
        if info.file_size > ZIP_RATIO_MIN_SIZE and (
            info.compress_size == 0 or info.file_size / info.compress_size > MAX_ZIP_RATIO
        ):
            raise ImportFormatError(
                f"the zip entry {info.filename!r} is compressed more than {MAX_ZIP_RATIO} to 1"
            )
    files = [
        info
        for info in infos
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith("._")
    ]
    gifts = [i for i in files if i.filename.lower().endswith(".gift")] or [
        i for i in files if i.filename.lower().endswith(".txt")
    ]
    if len(gifts) != 1:
        found = ", ".join(i.filename for i in gifts) or "none"
        raise ImportFormatError(
            f"a GIFT zip must hold exactly one .gift or .txt question file (found: {found})"
        )
    member = gifts[0]
    try:
        with archive.open(member) as stream:
            content = stream.read(MAX_ZIP_TOTAL_SIZE + 1)
    except _ZIP_ERRORS as exc:
        raise ImportFormatError(f"{member.filename!r} cannot be read from the zip ({exc})") from exc
    result.warn(None, f"questions read from {member.filename!r} in the zip")
    for info in files:
        if info is not member:
            result.warn(
                None, f"file {info.filename!r} in the zip was dropped: media are not imported yet"
            )
    return content


def _decode(data: bytes, result: ImportResult) -> str:
    text, note = decode_text(data)
    if note:
        result.warn(None, note)
    if "\0" in text:
        raise ImportFormatError("this is a binary file, not GIFT text")
    head = text.lstrip("\ufeff" + _WS)[:200].lower()
    if head.startswith(("<?xml", "<quiz", "<questestinterop", "<assessmentitem")):
        raise ImportFormatError("this is an XML file, not GIFT text (try Moodle XML or QTI)")
    return _PRIVATE.sub("\ufffd", text)


# --- text pieces ----------------------------------------------------------------------------


def _trim(text: str) -> str:
    return text.strip(_WS)


def _escape_line(line: str) -> str:
    def replace(match: re.Match) -> str:
        char = match.group(1)
        if char == "\\":
            return "\\"
        return _PLACEHOLDERS.get(char, match.group(0))

    return _ESCAPE.sub(replace, line)


def _unescape(text: str) -> str:
    return _PRIVATE.sub(lambda m: _LITERALS[m.group(0)], text)


def _with_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading ``[name]`` sets the format (else `default`)."""
    text = _trim(text)
    if text.startswith("["):
        end = text.find("]")
        name = text[1:end].lower() if end > 0 else ""
        if name in _FORMATS:
            return name, _trim(_unescape(text[end + 1 :]))
    return default, _trim(_unescape(text))


def _is_html(text: str, fmt: str) -> bool:
    return fmt == "html" or (fmt == "moodle" and _LOOKS_HTML.search(text) is not None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _decimal(text: str) -> Decimal | None:
    text = _trim(text)
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None


def _number_text(value: Decimal) -> str:
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _pct(value: Decimal) -> str:
    return f"{_number_text(value)}%"


@dataclass
class _Block:
    """One question's lines: trimmed, comments removed, escapes replaced, joined by newlines."""

    text: str
    starts: list[int]
    lines: list[int]

    def line_at(self, offset: int) -> int:
        return self.lines[max(bisect_right(self.starts, offset) - 1, 0)]


@dataclass(frozen=True)
class _Text:
    """A text and its GIFT format (html, moodle, plain or markdown)."""

    text: str
    fmt: str


@dataclass
class _Answer:
    text: _Text
    weight: Decimal
    feedback: _Text
    line: int


@dataclass
class _Draft:
    """What one question block holds, before it is turned into one of our types."""

    line: int
    title: str | None
    category: tuple[str, ...]
    stem: str
    stem_fmt: str
    general: str
    general_fmt: str
    #: (label, feedback) of per-answer feedback, appended to the rationale.
    feedback: list[tuple[_Text, _Text]] = field(default_factory=list)
    #: Every text the question shows, to decide whether it is HTML.
    pieces: list[_Text] = field(default_factory=list)


class _Reader:
    def __init__(self, result: ImportResult):
        self.result = result
        self.category: tuple[str, ...] = ()
        self.saw_brace = False
        self.warned: set[tuple[int, str]] = set()

    # --- helpers ---------------------------------------------------------------------------

    def warn(self, line: int | None, message: str) -> None:
        if (line or 0, message) not in self.warned:
            self.warned.add((line or 0, message))
            self.result.warn(line, message)

    def clean(self, markup: str, line: int) -> str:
        """Sanitised HTML without media (each dropped file is named in a warning)."""
        dropped: list[str] = []

        def keep(tag: str, attr: str, value: str) -> str | None:
            if (tag in _MEDIA_TAGS and attr in _MEDIA_ATTRS) or (
                attr == "href" and value.startswith(_PLUGINFILE)
            ):
                if value.startswith(_PLUGINFILE):
                    dropped.append(unquote(value.removeprefix(_PLUGINFILE)))
                else:
                    dropped.append("an inline data: file" if value.startswith("data:") else value)
                return None
            return value

        first = nh3.clean(
            markup,
            tags=ALLOWED_TAGS | _MEDIA_TAGS,
            attributes={**ALLOWED_ATTRIBUTES, **{t: set(_MEDIA_ATTRS) for t in _MEDIA_TAGS}},
            attribute_filter=keep,
            url_schemes=URL_SCHEMES,
            link_rel=None,
        )
        for name in dropped:
            self.warn(line, f"file {name[:200]!r} was dropped: media files are not imported yet")
        return nh3.clean(
            first,
            tags=ALLOWED_TAGS - {"img"},
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
        ).strip()

    def as_html(self, text: str, fmt: str, line: int) -> str:
        if _is_html(text, fmt):
            return self.clean(text if fmt == "html" else text.replace("\n", "<br>"), line)
        return html.escape(text, quote=False).replace("\n", "<br>")

    def as_text(self, text: str, fmt: str, line: int) -> str:
        return html_to_text(self.clean(text, line)) if _is_html(text, fmt) else text

    # --- blocks ----------------------------------------------------------------------------

    def read(self, text: str) -> None:
        block: list[tuple[int, str]] = []
        for number, raw in enumerate([*text.split("\n"), ""], start=1):
            line = _trim(raw)
            if line:
                block.append((number, line))
            elif block:
                self.read_block(block)
                block = []
        if not self.saw_brace:
            raise ImportFormatError(
                "no answer block {...} was found: this does not look like a GIFT file"
            )

    def read_block(self, raw_lines: list[tuple[int, str]]) -> None:
        kept = [(n, _escape_line(t)) for n, t in raw_lines if not t.startswith("//")]
        if not kept:
            return
        starts, offset = [], 0
        for _, line in kept:
            starts.append(offset)
            offset += len(line) + 1
        block = _Block("\n".join(t for _, t in kept), starts, [n for n, _ in kept])
        if block.text.startswith("$CATEGORY:"):
            self.read_category(block)
        else:
            self.result.count_question(block.lines[0])
            self.read_question(block)

    def read_category(self, block: _Block) -> None:
        first, _, rest = block.text.partition("\n")
        self.category = _category_path(_trim(_unescape(first[len("$CATEGORY:") :])))
        if rest:
            self.saw_brace = self.saw_brace or "{" in rest
            self.result.error(
                block.lines[1],
                "this text directly under $CATEGORY (line "
                f"{block.lines[0]}) would be read as part of the category name: "
                "leave a blank line after the $CATEGORY line",
            )

    def read_question(self, block: _Block) -> None:
        text, line = block.text, block.lines[0]
        base, title = 0, None
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.warn(line, "'::' opens a question title that is never closed with '::'")
                base = 2
            else:
                title = _one_line(_unescape(text[2:end]))[:200] or None
                base = end + 2
            while base < len(text) and text[base] in _WS:
                base += 1
        start, end = text.find("{", base), text.find("}", base)
        if start < 0 and end < 0:
            self.result.skip(line, "description", "no answer block {...}: text only, no question")
            return
        self.saw_brace = True
        if end < 0:
            self.result.error(
                block.line_at(start), "'{' is never closed by '}' (write \\{ for a literal brace)"
            )
            return
        if start < 0 or end < start:
            self.result.error(
                block.line_at(end), "'}' without an opening '{' (write \\} for a literal brace)"
            )
            return
        extra = [p for p in (text.find("{", start + 1), text.find("}", end + 1)) if p >= 0]
        if extra:
            self.result.error(
                block.line_at(min(extra)),
                "a question may have only one answer block {...}; escape other braces as \\{ \\}",
            )
            return
        inner = text[start + 1 : end]
        answer_at = start + 1 + len(inner) - len(inner.lstrip(_WS))
        answers = _trim(inner)
        after = _trim(text[end + 1 :])
        if after:
            stem_raw = text[base:start] + BLANK + text[end + 1 :]
            if not any(c.isalnum() for c in after) and after not in {".", "?", "!", ",", ";", ")"}:
                self.warn(
                    block.line_at(end),
                    f"only {after[:40]!r} follows the answer block, so a blank {BLANK} was put "
                    "where the block was (a missing-word question, as Moodle does)",
                )
        else:
            stem_raw = text[base:start]
        general = ""
        split = answers.rfind("####")
        if split >= 0:
            general, answers = answers[split + 4 :], _trim(answers[:split])
        stem_fmt, stem = _with_format(stem_raw, "moodle")
        general_fmt, general = _with_format(general, stem_fmt)
        draft = _Draft(line, title, self.category, stem, stem_fmt, general, general_fmt)
        draft.pieces += [_Text(stem, stem_fmt), _Text(general, general_fmt)]
        if not answers:
            self.result.skip(line, "essay", "essay questions ({}) are graded by hand")
        elif answers.startswith("#"):
            self.numerical(draft, block, answers[1:], answer_at + 1)
        elif "~" in answers:
            self.multichoice(draft, block, answers, answer_at)
        elif "=" in answers and "->" in answers:
            self.matching(draft, block, answers, answer_at)
        elif _trim(answers.split("#", 1)[0]) in _TF:
            self.true_false(draft, answers)
        else:
            self.short_answer(draft, block, answers, answer_at)

    # --- answers -------------------------------------------------------------------------

    def split_answers(
        self, block: _Block, text: str, offset: int, markers: str
    ) -> list[tuple[int, str]]:
        """Moodle's explode on the markers (``=`` stays on its answer); a blank head is dropped."""
        pieces, begin = [], 0
        for pos, char in enumerate(text):
            if char in markers:
                pieces.append((begin, text[begin:pos]))
                begin = pos + 1 if char == "~" else pos
        pieces.append((begin, text[begin:]))
        if not _trim(pieces[0][1]):
            pieces.pop(0)
        return [(block.line_at(offset + at), piece) for at, piece in pieces]

    def answer(self, draft: _Draft, line: int, piece: str, default_weight: Decimal) -> _Answer:
        piece = _trim(piece)
        weight = default_weight
        if piece.startswith("="):
            piece, weight = piece[1:], Decimal(100)
        match = _WEIGHT.match(piece)
        if match:
            weight = Decimal(match.group(1))
            piece = piece[match.end() :]
        text, _, feedback = piece.partition("#")
        fmt, text = _with_format(text, draft.stem_fmt)
        feedback_fmt, feedback = _with_format(feedback, draft.stem_fmt)
        draft.pieces += [_Text(text, fmt), _Text(feedback, feedback_fmt)]
        return _Answer(_Text(text, fmt), weight, _Text(feedback, feedback_fmt), line)

    def answers(
        self, draft: _Draft, pieces: list[tuple[int, str]], default: Decimal
    ) -> list[_Answer] | None:
        """Every answer, or None after reporting a weight out of range or an empty answer."""
        answers = [self.answer(draft, line, piece, default) for line, piece in pieces]
        for answer in answers:
            if not -100 <= answer.weight <= 100:
                self.result.error(answer.line, f"weight {_pct(answer.weight)} is not -100% to 100%")
                return None
            if not self.plain(answer.text, draft.line):
                self.result.error(
                    answer.line,
                    "an answer is empty or only an image (an unescaped = or ~ inside an "
                    "answer splits it: write \\= and \\~)",
                )
                return None
        return answers

    def note_feedback(self, draft: _Draft, answers: list[_Answer]) -> None:
        for answer in answers:
            if answer.feedback.text:
                label = (
                    answer.text if answer.text.text != "*" else _Text("Any other answer", "plain")
                )
                draft.feedback.append((label, answer.feedback))

    def multichoice(self, draft: _Draft, block: _Block, text: str, offset: int) -> None:
        pieces = self.split_answers(block, text, offset, "~=")
        if text[0] not in "~=":
            self.warn(pieces[0][0], "text before the first '~' or '=' is read as a wrong answer")
        answers = self.answers(draft, pieces, Decimal(0))
        if answers is None:
            return
        if len(answers) < 2:
            self.result.error(draft.line, "a multiple-choice question needs at least 2 answers")
            return
        self.note_feedback(draft, answers)
        full = [a for a in answers if a.weight == 100]
        positive = [a for a in answers if a.weight > 0]
        options = [a.text for a in answers]
        if "=" in text:  # Moodle: one answer allowed
            if len(full) != 1:
                self.result.error(
                    draft.line,
                    f"{len(full)} answers are 100% correct; a single-answer question needs "
                    "exactly one (for select-all-that-apply, weight them with ~%50% and no =)"
                    if full
                    else "no answer is 100% correct",
                )
                return
            self.warn_partial(draft, [a for a in positive if a.weight < 100])
            self.finish(draft, "single_best", {"options": options, "key": full[0].text})
            return
        if not positive:
            self.result.error(draft.line, "no answer is correct: mark one with = or ~%50%")
            return
        total = sum((a.weight for a in positive), Decimal(0))
        if abs(total - 100) > Decimal("0.01"):
            self.result.error(draft.line, f"the positive weights add up to {_pct(total)}, not 100%")
            return
        if len({a.weight for a in positive}) > 1:
            weights = ", ".join(_pct(a.weight) for a in positive)
            self.warn(
                draft.line, f"unequal weights ({weights}) are imported as equal shares of the point"
            )
        key = [a.text for a in positive]
        self.finish(draft, "multiple_response", {"options": options, "key": key})

    def matching(self, draft: _Draft, block: _Block, text: str, offset: int) -> None:
        pieces = self.split_answers(block, text, offset, "=")
        if len(pieces) < 2:
            self.result.error(draft.line, "a matching question needs at least 2 pairs")
            return
        pairs, extras = [], []
        for line, piece in pieces:
            if "->" not in piece:
                self.result.error(line, "a matching pair needs '->' between its two sides")
                return
            left, _, right = _trim(piece).removeprefix("=").partition("->")
            fmt, prompt = _with_format(left, draft.stem_fmt)
            prompt_text, match = _Text(prompt, fmt), _Text(_trim(_unescape(right)), "plain")
            draft.pieces += [prompt_text, match]
            if not match.text:
                self.result.error(line, "a matching pair has nothing after '->'")
                return
            if self.plain(prompt_text, line):
                pairs.append([prompt_text, match])
            else:
                extras.append(match)
        self.finish(draft, "matching", {"pairs": pairs, "extra_matches": extras})

    def true_false(self, draft: _Draft, text: str) -> None:
        parts = [*text.split("#", 2), "", ""]
        key = _TF[_trim(parts[0])]
        wrong = _Text(*_with_format(parts[1], draft.stem_fmt)[::-1])
        right = _Text(*_with_format(parts[2], draft.stem_fmt)[::-1])
        draft.pieces += [wrong, right]
        # The first feedback is shown for the wrong answer, the second for the right one.
        for label, feedback in (
            ("True", right if key else wrong),
            ("False", wrong if key else right),
        ):
            if feedback.text:
                draft.feedback.append((_Text(label, "plain"), feedback))
        self.finish(draft, "true_false", {"key": key})

    def short_answer(self, draft: _Draft, block: _Block, text: str, offset: int) -> None:
        pieces = self.split_answers(block, text, offset, "=")
        if not text.startswith("="):
            self.warn(
                pieces[0][0],
                f"{_one_line(_unescape(text))[:60]!r} has no '=' or '~' in front: read as the "
                "correct answer of a short-answer question, as Moodle does (T, TRUE, F or FALSE "
                "make a true/false question)",
            )
        answers = self.answers(draft, pieces, Decimal(100))
        if answers is None:
            return
        self.note_feedback(draft, answers)
        full = [a for a in answers if a.weight == 100]
        if not full:
            self.result.error(draft.line, "no answer is 100% correct")
            return
        if any("*" in a.text.text for a in full):
            self.result.skip(
                draft.line,
                "short answer",
                "a 100% answer uses the * wildcard, which we cannot match",
            )
            return
        self.warn_partial(draft, [a for a in answers if 0 < a.weight < 100])
        self.finish(draft, "fill_in_blank", {"key": [a.text for a in full]})

    def warn_partial(self, draft: _Draft, partial: list[_Answer]) -> None:
        if partial:
            listed = ", ".join(
                f"{self.plain(a.text, draft.line)[:60]!r} {_pct(a.weight)}" for a in partial
            )
            self.warn(
                draft.line,
                f"partial credit is not imported (only 100% answers are keyed): {listed}",
            )

    def numerical(self, draft: _Draft, block: _Block, text: str, offset: int) -> None:
        other = ""
        tilde = text.find("~")
        if tilde >= 0:
            text, other = text[:tilde], text[tilde + 1 :]
        pieces = self.split_answers(block, text, offset, "=")
        answers: list[tuple[_Answer, Decimal, Decimal]] = []
        for line, piece in pieces:
            answer = self.answer(draft, line, piece, Decimal(100))
            if not -100 <= answer.weight <= 100:
                self.result.error(line, f"weight {_pct(answer.weight)} is not -100% to 100%")
                return
            if answer.text.text == "*":
                if answer.weight > 0:
                    self.result.error(line, "a '*' answer would accept any number")
                    return
                self.note_feedback(draft, [answer])
                continue
            parsed = _numerical_answer(answer.text.text)
            if isinstance(parsed, str):
                self.result.error(line, f"{_one_line(answer.text.text)[:60]!r}: {parsed}")
                return
            answers.append((answer, *parsed))
            if answer.feedback.text:
                value, tolerance = parsed
                label = _number_text(value) + (f" ± {_number_text(tolerance)}" if tolerance else "")
                draft.feedback.append((_Text(label, "plain"), answer.feedback))
        if other:
            feedback = _Text(*_with_format(other.partition("#")[2], draft.stem_fmt)[::-1])
            draft.pieces.append(feedback)
            if feedback.text:
                draft.feedback.append((_Text("Any other answer", "plain"), feedback))
        full = [(value, tolerance) for a, value, tolerance in answers if a.weight == 100]
        if not full:
            self.result.error(draft.line, "no numerical answer is 100% correct")
            return
        if len({tolerance for _, tolerance in full}) > 1:
            self.result.skip(
                draft.line, "numerical", "correct answers with different tolerances cannot be kept"
            )
            return
        self.warn_partial(draft, [a for a, _, _ in answers if 0 < a.weight < 100])
        keys = [_Text(k, "plain") for k in dict.fromkeys(_number_text(v) for v, _ in full)]
        self.finish(draft, "fill_in_blank", {"key": keys, "tolerance": float(full[0][1])})

    # --- the finished question --------------------------------------------------------------

    def plain(self, text: _Text, line: int) -> str:
        """One line of plain text (options, keys, labels)."""
        return _one_line(self.as_text(text.text, text.fmt, line))

    def finish(self, draft: _Draft, qtype: str, fields: dict) -> None:
        """Render every text as HTML or plain text (one mode per question) and keep it."""
        line = draft.line
        texts = [t for t in draft.pieces if t.text]
        is_html = any(_is_html(t.text, t.fmt) for t in texts)
        if any(t.fmt == "markdown" for t in texts):
            self.warn(line, "Markdown text is imported as plain text")

        def render(value):
            if isinstance(value, _Text):
                text = self.plain(value, line)
                return html.escape(text, quote=False) if is_html else text
            if isinstance(value, list):
                return [render(v) for v in value]
            return value

        def block(text: _Text) -> str:
            if is_html:
                return self.as_html(text.text, text.fmt, line)
            return self.as_text(text.text, text.fmt, line)

        stem = block(_Text(draft.stem, draft.stem_fmt)).strip()
        if not (html_to_text(stem) if is_html else stem):
            self.result.error(line, "the question has no text")
            return
        general = _Text(draft.general, draft.general_fmt)
        rationale = [block(general)] if self.plain(general, line) else []
        for label, feedback in draft.feedback:
            if not self.plain(feedback, line):
                continue
            text = render(label)
            rationale.append(
                f"<p>{text}: {block(feedback)}</p>" if is_html else f"{text}: {block(feedback)}"
            )
        self.result.questions.append(
            ImportedQuestion(
                line=line,
                type=qtype,
                stem=stem,
                fields={name: render(value) for name, value in fields.items()},
                rationale="\n".join(r for r in rationale if r.strip()),
                category=draft.category,
                source_id=draft.title,
                html=is_html,
            )
        )


def _category_path(path: str) -> tuple[str, ...]:
    """``$course$/top/A/B`` -> ("A", "B"); ``//`` is a slash inside a name, as in Moodle."""
    names = [_one_line(name.replace("//", "/")) for name in re.split(r"(?<!/)/(?!/)", path)]
    names = [n for n in names if n]
    if names and re.fullmatch(r"\$\w+\$", names[0]):
        names.pop(0)
        if names and names[0] == "top":
            names.pop(0)
    return tuple(n[:200] for n in names)


def _numerical_answer(text: str) -> tuple[Decimal, Decimal] | str:
    """Value and tolerance of ``v``, ``v:tol`` or ``min..max`` (or why it is not a number)."""
    text = _trim(text)
    if text.find("..") > 0:
        low, high = (_decimal(p) for p in text.split("..", 1))
        if low is None or high is None:
            return "a range must be written min..max with two numbers"
        if low > high:
            return "the range's minimum is greater than its maximum"
        middle = (low + high) / 2
        return middle, high - middle
    if text.find(":") > 0:
        value, tolerance = (_decimal(p) for p in text.split(":", 1))
        if value is None or tolerance is None:
            return "write a number, or number:tolerance"
        if tolerance < 0:
            return "the tolerance cannot be negative"
        return value, tolerance
    value = _decimal(text)
    if value is None:
        return "not a number"
    return value, Decimal(0)
