"""What every importer produces, and the shared steps: decoding bytes, HTML, building a bank.

Importers are pure: bytes in, an ImportResult out, problems with their line (or row) numbers.
"""

import base64
import binascii
import html
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import nh3
from charset_normalizer import from_bytes

from quizapp.banks.formatting import plain_text
from quizapp.banks.loader import (
    MediaReader,
    ParsedBank,
    ParsedQuestion,
    ParsedTopic,
    clean_question_texts,
    normalize_stem,
)
from quizapp.scoring.question_types import ContentError, get_question_type

#: Tags and attributes instructor HTML may keep; everything else (script, iframe, form, on*
#: handlers, javascript: URLs) is removed by nh3.
ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li", "span", "div",
    "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "blockquote", "img", "a", "h3",
    "h4", "h5", "h6",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "a": {"href", "title"},
    "*": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}


class ImportFormatError(ValueError):
    """The file cannot be read as the format at all (the message says where and why)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        #: The message without its line prefix, for lists that show the line themselves.
        self.message = message
        self.line = line


class TooManyQuestionsError(ImportFormatError):
    """The file holds more questions than one import takes; raised as soon as the parser
    meets the first question past the limit, so a huge file costs no more than the limit."""

    def __init__(self, limit: int, line: int | None = None):
        super().__init__(
            f"the file has more than {limit:,} questions, the most one import takes. Split it "
            f"into files of at most {limit:,} questions each (for example one per category) "
            "and import them one after another.",
            line,
        )
        self.limit = limit


@dataclass
class ImportedQuestion:
    """One question as read from a file, in our vocabulary, before validation."""

    #: 1-based line (or spreadsheet row) where the question starts in the original file.
    line: int | None
    #: One of our question types (single_best, multiple_response, true_false, ...).
    type: str
    stem: str
    #: Type-specific fields exactly as in our native format: options/key, pairs/extra_matches,
    #: items, key/tolerance.
    fields: dict[str, Any]
    #: General feedback, used as the rationale.
    rationale: str = ""
    #: Category path from the file (e.g. ("Terminology", "Prefixes")), mapped to topics.
    category: tuple[str, ...] = ()
    #: The question's id or title in the source, kept to make stable ids.
    source_id: str | None = None
    difficulty: str = "medium"
    #: True when stem/options/rationale are HTML: cleaned to the formatting we keep
    #: (quizapp.banks.formatting); plain texts are stored as they are.
    html: bool = False
    #: Files the question's HTML names as image sources (a Moodle file's name, a path in a
    #: package), with their bytes; the sources are resolved against these names.
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class SkippedQuestion:
    """A question of a type we do not support, listed so the instructor can fix or remove it."""

    line: int | None
    kind: str
    reason: str


@dataclass
class ImportProblem:
    line: int | None
    message: str
    #: Warnings are shown but do not stop the import; errors do.
    warning: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}"


@dataclass
class ImportResult:
    format: str
    questions: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[SkippedQuestion] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    #: The most questions the file may hold (None: no limit); see count_question.
    max_questions: int | None = None
    #: Questions met so far, imported, skipped or broken alike.
    questions_seen: int = 0

    def count_question(self, line: int | None) -> None:
        """Note that a question starts at `line`; importers call it before reading the question.

        :raises TooManyQuestionsError: at the first question past `max_questions`.
        """
        self.questions_seen += 1
        if self.max_questions is not None and self.questions_seen > self.max_questions:
            raise TooManyQuestionsError(self.max_questions, line)

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(ImportProblem(line, message))

    def warn(self, line: int | None, message: str) -> None:
        self.problems.append(ImportProblem(line, message, warning=True))

    def skip(self, line: int | None, kind: str, reason: str) -> None:
        self.skipped.append(SkippedQuestion(line, kind, reason))

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if not p.warning]


#: Limits of a zip package read whole (our bank with its media folder).
PACKAGE_MAX_ENTRIES = 2000
PACKAGE_MAX_TOTAL = 100 * 1024 * 1024
PACKAGE_MAX_RATIO = 100
_RATIO_MIN_SIZE = 1024 * 1024


def check_archive(
    infos: list[zipfile.ZipInfo],
    *,
    max_entries: int,
    max_total: int,
    max_ratio: int,
    ratio_min_size: int,
    check_whole_ratio: bool = False,
) -> None:
    """Check a zip's entries before anything is unpacked: their count, the unpacked size, the
    compression ratio (zip bombs; of the whole archive too with `check_whole_ratio`), unsafe
    paths and encryption.

    :raises ImportFormatError: naming the first problem.
    """
    if len(infos) > max_entries:
        raise ImportFormatError(f"the zip has {len(infos)} entries; at most {max_entries}")
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise ImportFormatError(
            f"the zip unpacks to {total // 2**20} MB; at most {max_total // 2**20} MB"
        )
    packed = sum(info.compress_size for info in infos)
    if check_whole_ratio and total > max_ratio * max(packed, 1) and total > ratio_min_size:
        raise ImportFormatError("the zip is compressed suspiciously well (a zip bomb?)")
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise ImportFormatError(f"the zip entry {info.filename!r} has an unsafe path")
        if info.file_size > ratio_min_size and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise ImportFormatError(
                f"the zip entry {info.filename!r} is compressed suspiciously well (a zip bomb?)"
            )
        if info.flag_bits & 0x1:
            raise ImportFormatError(f"the zip entry {info.filename!r} is encrypted")


def read_package(data: bytes) -> dict[str, bytes]:
    """Every file of a zip package by its path, after checking the whole archive first: entry
    count, unpacked size, compression ratio (zip bombs), unsafe paths and encryption.

    :raises ImportFormatError: naming the first problem; nothing is unpacked then.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # zipfile raises many kinds of errors on hostile archives
        raise ImportFormatError("the zip file cannot be read") from None
    check_archive(
        infos,
        max_entries=PACKAGE_MAX_ENTRIES,
        max_total=PACKAGE_MAX_TOTAL,
        max_ratio=PACKAGE_MAX_RATIO,
        ratio_min_size=_RATIO_MIN_SIZE,
    )
    files = {}
    for info in infos:
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        try:
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)
        except Exception:  # corrupt data, bad CRC, unknown compression
            raise ImportFormatError(f"the zip entry {info.filename!r} cannot be read") from None
        if len(content) > info.file_size:
            raise ImportFormatError(f"the zip entry {info.filename!r} is larger than it says")
        files[info.filename.replace("\\", "/")] = content
    return files


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_STRAY_BYTE = re.compile("[\udc80-\udcff]")


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Bytes to text with LF line ends: UTF-8 (BOM or not), UTF-16 with its BOM (Notepad's and
    Excel's "Unicode"), else the detected encoding.

    :return: the text and, when it was not plain UTF-8, a note naming the encoding assumed.
    :raises ImportFormatError: when a UTF-16 BOM is followed by invalid UTF-16.
    """
    note = None
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFormatError("the file starts like UTF-16 text but is not") from None
        note = "The file is UTF-16; it was read as such."
    else:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
        if _STRAY_BYTE.search(text):
            text, note = _mostly_utf8(text, data)
    return text.replace("\r\n", "\n").replace("\r", "\n"), note


def _mostly_utf8(text: str, data: bytes) -> tuple[str, str]:
    """A file that is not valid UTF-8. When it has UTF-8 letters, a few stray bytes (a curly
    quote pasted from Word) are read as cp1252 one by one, rather than misreading every letter."""
    if not text.isascii() and any(ord(c) > 0x7F and not _STRAY_BYTE.match(c) for c in text):
        lines = sorted({text.count("\n", 0, m.start()) + 1 for m in _STRAY_BYTE.finditer(text)})
        fixed = _STRAY_BYTE.sub(
            lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", errors="replace"), text
        )
        shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
        return fixed, (
            f"The file is UTF-8 except for bytes on line{'s' if len(lines) > 1 else ''} {shown}, "
            "read as cp1252 (Windows Western): check the characters there."
        )
    # Excel and Windows editors save cp1252; only when that fails, ask the detector.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text, encoding = data.decode("cp1252"), "cp1252 (Windows Western)"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        encoding = best.encoding if best is not None else "latin-1"
        text = data.decode(encoding, errors="replace")
    return text, f"The file is not UTF-8; it was read as {encoding}."


def sanitize_html(html: str) -> str:
    """Keep formatting and images; drop scripts, handlers, forms, frames and javascript: URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML, for places that show text only (options, keys)."""
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", html, flags=re.I)
    text = _TAG.sub("", text)
    text = (
        text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


_STARTS_WITH_BLOCK = re.compile(r"\s*<(?:p|div|ul|ol|table|blockquote|pre|h[1-6])\b", re.I)


def labelled_feedback(label: str, text: str, is_html: bool) -> str:
    """One answer's own feedback as a part of the rationale, "label: feedback": a question has
    one rationale, so the importers that meet per-answer feedback (GIFT, QTI, Moodle XML, D2L)
    keep it there, labelled with the answer it belongs to. ``label`` is plain text; ``text`` is
    HTML when ``is_html``."""
    if not is_html:
        return f"{label}: {text.strip()}"
    label = html.escape(label, quote=False)
    if _STARTS_WITH_BLOCK.match(text):
        return f"<p>{label}:</p>{text.strip()}"
    return f"<p>{label}: {text.strip()}</p>"


def _escape_plain_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fill-in key of an HTML question back to plain text (it is compared as typed)."""
    if fields.get("type") == "fill_in_blank" and "key" in fields:
        key = fields["key"]
        keys = key if isinstance(key, list) else [key]
        plain = [html_to_text(sanitize_html(k)) if isinstance(k, str) else k for k in keys]
        fields = {**fields, "key": plain if isinstance(key, list) else plain[0]}
    return fields


def _package_file(files: dict[str, bytes], src: str) -> bytes | None:
    """The file an imported question's image source names: by its exact name, by its path
    relative to any folder of the package, or by its name alone (Moodle writes
    @@PLUGINFILE@@/name%20with%20spaces.png); a data: URL carries its own bytes."""
    if src in files:
        return files[src]
    if src.startswith("data:image/") and ";base64," in src:
        try:
            return base64.b64decode(src.split(";base64,", 1)[1], validate=False)
        except binascii.Error:
            return None
    wanted = unquote(src.split("?", 1)[0]).removeprefix("@@PLUGINFILE@@/")
    wanted = wanted.removeprefix("./").lstrip("/")
    name = wanted.rsplit("/", 1)[-1]
    for path, data in files.items():
        if path == wanted or path.endswith("/" + wanted):
            return data
    for path, data in files.items():
        if path.rsplit("/", 1)[-1] == name:
            return data
    return None


def slugify(text: str, fallback: str = "general") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]
    return slug or fallback


def build_bank(result: ImportResult, *, slug: str, title: str, description: str = "") -> ParsedBank:
    """Validate imported questions with our question types and turn them into a bank.

    Problems are added to `result` (errors stop the import; missing rationales and repeated
    stems only warn). Categories become a topic tree; questions without one go to "General".
    """
    topics: dict[tuple[str, ...], ParsedTopic] = {}

    def topic_for(path: tuple[str, ...]) -> str:
        path = path or ("General",)
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in topics:
                parent = topics[key[:-1]].slug if depth > 1 else None
                base = slugify(key[-1])
                candidate, n = base, 2
                while any(t.slug == candidate for t in topics.values()):
                    candidate, n = f"{base}-{n}", n + 1
                topics[key] = ParsedTopic(candidate, key[-1].strip()[:200], parent, len(topics))
        return topics[path].slug

    questions, ids, stems, images = [], set(), {}, {}
    for n, imported in enumerate(result.questions, start=1):
        qtype = get_question_type(imported.type)
        fields = {**imported.fields, "type": imported.type}
        fields.update(stem=imported.stem, rationale=imported.rationale)
        if imported.html:
            fields = _escape_plain_fields(fields)
            media = MediaReader(
                lambda src, files=imported.files: _package_file(files, src),
                missing="picture {src!r} is not in the file, so it was dropped",
                missing_is_error=False,
            )
            fields, problems, warnings = clean_question_texts(fields, media)
            for name, message in problems:
                result.error(imported.line, f"{name}: {message}")
            for name, message in warnings:
                result.warn(imported.line, f"{name}: {message}")
            if problems:
                continue
            images.update(media.images)
        try:
            content = qtype.content_from_fields(fields)
        except ContentError as exc:
            for problem in exc.problems:
                result.error(imported.line, f"{problem.field}: {problem.message}")
            continue
        stem = fields["stem"].strip()
        if not plain_text(stem):
            result.error(imported.line, "the question has no text")
            continue
        rationale = fields["rationale"].strip()
        if not rationale:
            result.warn(imported.line, "no feedback: students will see no rationale")
        base_id = slugify(imported.source_id or "", fallback=f"q{n}")
        question_id, k = base_id, 2
        while question_id in ids:
            question_id, k = f"{base_id}-{k}", k + 1
        ids.add(question_id)
        key = normalize_stem(stem)
        if key in stems:
            result.warn(imported.line, f"the same text as the question on line {stems[key]}")
        stems.setdefault(key, imported.line)
        questions.append(
            ParsedQuestion(
                external_id=question_id,
                type=imported.type,
                topic_slug=topic_for(tuple(c for c in imported.category if c.strip())),
                difficulty=imported.difficulty,
                stem=stem,
                content=content,
                rationale=rationale,
                line=imported.line,
            )
        )
    if not result.questions and not result.skipped and not result.errors:
        result.error(None, "no questions were found in this file")
    return ParsedBank(
        slug=slug,
        title=title,
        description=description,
        topics=tuple(sorted(topics.values(), key=lambda t: t.position)),
        questions=tuple(questions),
        images=tuple(images.values()),
    )
