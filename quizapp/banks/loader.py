"""Read native bank and blueprint files into plain dataclasses, reporting every problem.

Pure: no Flask, no database. Problems carry the file, the line and the question id, and a file
with any problem yields nothing (BankFileError lists them all).
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from quizapp.banks.formatting import clean_text
from quizapp.banks.images import ImageError, ProcessedImage, process_image
from quizapp.scoring.question_types import QUESTION_TYPES, ContentError, get_question_type

COMMON_QUESTION_FIELDS = frozenset(
    {"id", "type", "topic", "difficulty", "stem", "rationale", "source", "tags"}
)


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int | None
    message: str
    question_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" question {self.question_id}:" if self.question_id else ""
        return f"{where}:{who} {self.message}"


class BankFileError(ValueError):
    """A bank or blueprint file has problems; nothing from it may be loaded."""

    def __init__(self, problems: list[FileProblem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


def read_bank_file(path: Path) -> str:
    """A bank or blueprint file's text (UTF-8, a byte-order mark allowed).

    :raises BankFileError: when it is not UTF-8, naming the line, so a folder sync skips this
        file only and `flask banks check` says what to fix.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankFileError(
            [FileProblem(str(path), line, "the file is not UTF-8 text: save it as UTF-8")]
        ) from None


@dataclass(frozen=True)
class ParsedTopic:
    slug: str
    title: str
    parent_slug: str | None
    position: int


@dataclass(frozen=True)
class ParsedQuestion:
    external_id: str
    type: str
    topic_slug: str
    difficulty: str
    stem: str
    content: dict[str, Any]
    rationale: str
    source: str | None = None
    tags: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        """A hash of everything a version stores: equal hashes mean an unchanged question."""
        payload = {
            "type": self.type,
            "topic": self.topic_slug,
            "difficulty": self.difficulty,
            "stem": self.stem,
            "content": self.content,
            "rationale": self.rationale,
            "source": self.source,
            "tags": list(self.tags),
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ParsedBank:
    slug: str
    title: str
    description: str
    topics: tuple[ParsedTopic, ...]
    questions: tuple[ParsedQuestion, ...]
    #: The pictures the questions show, cleaned (not kept in a pending import's JSON).
    images: tuple[ProcessedImage, ...] = field(default=(), compare=False, repr=False)
    #: Formatting removed from the texts: shown, but they do not stop the load.
    warnings: tuple[FileProblem, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class BlueprintSection:
    bank_slug: str
    topic_slug: str | None
    questions: int
    title: str | None = None


@dataclass(frozen=True)
class BlueprintSegment:
    title: str
    minutes: int
    questions: int


@dataclass(frozen=True)
class ParsedBlueprint:
    slug: str
    title: str
    description: str
    time_limit_minutes: int
    passing_percent: float
    sections: tuple[BlueprintSection, ...]
    segments: tuple[BlueprintSegment, ...] = field(default_factory=tuple)
    #: The adaptive readiness check's settings (see adaptive_settings); None when not offered.
    adaptive: dict | None = None

    @property
    def question_count(self) -> int:
        return sum(s.questions for s in self.sections)


#: Defaults of the adaptive check for a 200-question form (quizapp.scoring.cat.CatSettings),
#: scaled to the blueprint's length for shorter forms.
ADAPTIVE_MIN_SHARE, ADAPTIVE_MAX_SHARE, ADAPTIVE_CONFIDENCE = 0.3, 0.75, 0.95


def adaptive_settings(raw, question_count: int, time_limit_minutes: int) -> dict | None:
    """The stored settings {"min_items", "max_items", "confidence", "time_limit_minutes"}
    from a blueprint file's `adaptive` (true, false or a mapping), or None when off. The
    defaults: 30 % and 75 % of the fixed form (60 and 150 of 200), 95 % confidence, and the
    fixed form's pace for the maximum length."""
    if raw is None or raw is False:
        return None
    given = raw if isinstance(raw, dict) else {}
    max_items = given.get("max_items", max(1, round(question_count * ADAPTIVE_MAX_SHARE)))
    return {
        "min_items": given.get("min_items", max(1, round(question_count * ADAPTIVE_MIN_SHARE))),
        "max_items": max_items,
        "confidence": float(given.get("confidence", ADAPTIVE_CONFIDENCE)),
        "time_limit_minutes": given.get(
            "time_limit_minutes",
            max(1, -(-time_limit_minutes * max_items // question_count)),
        ),
    }


#: libyaml's loader when PyYAML was built with it: ten times faster than the pure-Python one,
#: which took 15 s for a bank of 5,000 questions.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    text = resources.files("quizapp.banks").joinpath(f"schemas/{name}.schema.json").read_text()
    return jsonschema.Draft202012Validator(json.loads(text))


class _Document:
    """Parsed YAML (or JSON) with the line of every mapping key and list item."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.problems: list[FileProblem] = []
        self.warnings: list[FileProblem] = []
        self.lines: dict[tuple, int] = {}
        self.data: Any = None
        loader = _YAML_LOADER(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                self._index(node, ())
                self.data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            problem = " ".join(filter(None, [exc.context, exc.problem]))
            self.problems.append(FileProblem(filename, line, f"malformed YAML: {problem}"))
        except yaml.YAMLError as exc:
            self.problems.append(FileProblem(filename, None, f"malformed YAML: {exc}"))
        finally:
            loader.dispose()

    def _index(self, node: yaml.Node, path: tuple) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.problems.append(
                        FileProblem(
                            self.filename, key_node.start_mark.line + 1, f"{key!r} appears twice"
                        )
                    )
                seen.add(key)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                self._index(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, (*path, index))

    def line_of(self, path: tuple) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def problem(self, path: tuple, message: str, question_id: str | None = None) -> None:
        self.problems.append(FileProblem(self.filename, self.line_of(path), message, question_id))


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path if not isinstance(p, int))
    field_name = where.rsplit(".", 1)[-1] if where else "file"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return f"missing field {missing!r}"
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    if error.validator == "type" and error.schema.get("type") == "string":
        return f"{field_name}: {error.instance!r} is not text; put it in quotes"
    if error.validator == "pattern" and error.schema.get("pattern") == r"\S":
        return f"{field_name} is empty"
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{field_name}: {error.instance!r} is not one of: {allowed}"
    if error.validator == "anyOf" and field_name == "key":
        return "key: must be text, true/false, a number, or a list of them"
    return f"{field_name}: {error.message}"


def _question_id_at(doc: _Document, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
        question = doc.data["questions"][path[1]]
        if isinstance(question, dict) and isinstance(question.get("id"), str):
            return question["id"]
    return None


def _check_schema(doc: _Document, schema_name: str) -> dict[tuple, set[str]]:
    """Report schema violations; return, per top-level part or question, the fields they hit."""
    hit: dict[tuple, set[str]] = {}
    for error in _validator(schema_name).iter_errors(doc.data):
        path = tuple(error.absolute_path)
        part = path[:2] if path[:1] == ("questions",) else path[:1]
        if error.validator == "required":
            field_name = error.message.split("'")[1]
        else:
            field_name = str(path[len(part)]) if len(path) > len(part) else "*"
        hit.setdefault(part, set()).add(field_name)
        doc.problem(path, _schema_message(error), _question_id_at(doc, path))
    return hit


def _flatten_topics(
    doc: _Document, topics: list, path: tuple, parent: str | None, out: list[ParsedTopic]
) -> None:
    for index, topic in enumerate(topics):
        slug = topic["id"]
        if any(t.slug == slug for t in out):
            doc.problem((*path, index, "id"), f"topic id {slug!r} appears twice")
        out.append(ParsedTopic(slug, topic["title"].strip(), parent, len(out)))
        _flatten_topics(doc, topic.get("topics", []), (*path, index, "topics"), slug, out)


#: Structured tags (docs/bank-format.md, "Metadata tags"): `cognitive:` says whether the item
#: asks for a decision or a fact, `reviewed:` when it was last checked against its guideline or
#: regulation, `enemy:` the group of items that must never share an attempt.
COGNITIVE_LEVELS = ("recall", "application")
ENEMY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A review dated tomorrow is accepted: the author's day may already have begun where the
#: server's has not.
REVIEW_DATE_SLACK = timedelta(days=1)
STRUCTURED_TAG = re.compile(r"^\s*(cognitive|reviewed|enemy|distinct)\s*:\s*(.*)$", re.IGNORECASE)
#: `distinct:<question id>` records that a look-alike pair was read and tests different facts.
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def tag_problems(tags, today: date) -> list[str]:
    """What is wrong with a question's structured tags (free-form tags are never wrong)."""
    problems = []
    levels = []
    for tag in tags:
        match = STRUCTURED_TAG.match(tag) if isinstance(tag, str) else None
        if match is None:
            continue
        name, value = match.group(1), match.group(2)
        if tag != f"{name}:{value}" or name != name.lower():
            problems.append(
                f"tag {tag!r}: write it as {name.lower()}:{value.strip()} (no spaces, lower case)"
            )
            continue
        if name == "cognitive":
            levels.append(value)
            if value not in COGNITIVE_LEVELS:
                problems.append(
                    f"tag {tag!r}: cognitive must be one of: {', '.join(COGNITIVE_LEVELS)}"
                )
        elif name == "reviewed":
            try:
                checked = date.fromisoformat(value)
            except ValueError:
                problems.append(f"tag {tag!r}: reviewed must be a date written YYYY-MM-DD")
                continue
            if len(value) != 10:
                problems.append(f"tag {tag!r}: reviewed must be a date written YYYY-MM-DD")
            elif checked > today + REVIEW_DATE_SLACK:
                problems.append(f"tag {tag!r}: the review date is in the future (today is {today})")
        elif name == "distinct":
            if not QUESTION_ID.match(value):
                problems.append(f"tag {tag!r}: distinct names another question by its id")
        elif not ENEMY_SLUG.match(value):
            problems.append(
                f"tag {tag!r}: an enemy group is a slug of lower-case letters, digits and hyphens"
            )
    if len(levels) > 1:
        problems.append(f"more than one cognitive tag ({', '.join(levels)}); keep one")
    return problems


def tag_values(tags, name: str) -> list[str]:
    """The values of one structured tag: tag_values(["enemy:bp-cuff"], "enemy") == ["bp-cuff"]."""
    prefix = f"{name}:"
    return [tag[len(prefix) :] for tag in tags if tag.startswith(prefix)]


def normalize_stem(stem: str) -> str:
    """The form in which two stems count as the same question."""
    return re.sub(r"[\s.?:!]+$", "", " ".join(stem.split()).casefold())


#: Where a bank file's pictures live: a folder named media beside the file.
MEDIA_FOLDER = "media/"
_MEDIA_PATH = re.compile(r"media/[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
#: The fields that hold formatted texts (the fill-in key is compared as typed: plain text).
_FORMATTED = ("stem", "rationale", "options", "pairs", "extra_matches", "items")


class MediaReader:
    """Reads the pictures a bank file names (``media/<name>``) and cleans each once.

    :param read: returns a file's bytes by its path relative to the bank file, or None.
    """

    def __init__(
        self,
        read: Callable[[str], bytes | None] | None,
        missing: str = "picture {src!r} not found: put pictures in a folder named media beside "
        'the bank file and write src="media/<file name>"',
        *,
        missing_is_error: bool = True,
    ):
        self.read = read
        self.missing = missing
        #: False for imports of other formats: a missing picture is dropped with a warning.
        self.missing_is_error = missing_is_error
        self.images: dict[str, ProcessedImage] = {}
        self.failures: dict[str, str] = {}
        self._by_path: dict[str, str] = {}

    def resolve(self, src: str) -> str | None:
        if src in self._by_path:
            return self._by_path[src]
        if src in self.failures:
            return None
        data = self.read(src) if self.read else None
        if data is None:
            self.failures[src] = self.missing.format(src=src)
            return None
        try:
            image = process_image(data, src)
        except ImageError as exc:
            self.failures[src] = str(exc)
            return None
        self.images[image.digest] = image
        self._by_path[src] = image.digest
        return image.digest


def clean_question_texts(
    raw: dict, media: MediaReader
) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]]]:
    """The question's fields with every formatted text cleaned (quizapp.banks.formatting).

    :return: the cleaned fields, problems and warnings, each as (field, message).
    """
    problems: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    cleaned = dict(raw)
    choice = raw.get("type") in ("single_best", "multiple_response")
    names = (*_FORMATTED, "key") if choice else _FORMATTED

    def clean(value, name):
        if isinstance(value, list):
            return [clean(item, name) for item in value]
        if not isinstance(value, str):
            return value
        result = clean_text(value, media.resolve)
        for src in result.unresolved:
            message = media.failures.get(src, f"picture {src!r} cannot be used")
            (problems if media.missing_is_error else warnings).append((name, message))
        if result.missing_alt:
            problems.append((name, 'every picture needs alt text (alt="...") for screen readers'))
        if result.images and name == "rationale":
            problems.append((name, "pictures go in the stem or the options, not the rationale"))
        if result.warning:
            warnings.append((name, result.warning))
        return result.text

    for name in names:
        if name in raw:
            cleaned[name] = clean(raw[name], name)
    return cleaned, problems, warnings


def _parse_question(
    doc: _Document,
    index: int,
    raw: dict,
    topic_slugs: set[str],
    reported: set[str],
    today: date,
    media: MediaReader,
) -> ParsedQuestion | None:
    """Check what the schema cannot; `reported` names fields whose problems are already known."""
    path = ("questions", index)
    qid = raw["id"] if isinstance(raw.get("id"), str) else None
    if "type" in reported or "*" in reported or raw.get("type") not in QUESTION_TYPES:
        return None
    qtype = get_question_type(raw["type"])
    problems: list[tuple[str, str]] = []
    for name in sorted(set(raw) - COMMON_QUESTION_FIELDS - qtype.fields - reported):
        problems.append((name, f"field {name!r} does not belong to a {qtype.name} question"))
    if "topic" not in reported and raw.get("topic") not in topic_slugs:
        problems.append(("topic", f"unknown topic {raw.get('topic')!r}"))
    if "tags" not in reported:
        problems.extend(("tags", message) for message in tag_problems(raw.get("tags") or (), today))
    raw, text_problems, text_warnings = clean_question_texts(raw, media)
    problems.extend(text_problems)
    for name, message in text_warnings:
        doc.warnings.append(FileProblem(doc.filename, doc.line_of((*path, name)), message, qid))
    content = None
    if not reported & (qtype.fields | {"key"}):
        try:
            content = qtype.content_from_fields(raw)
        except ContentError as exc:
            problems.extend((p.field, p.message) for p in exc.problems)
    for name, message in problems:
        doc.problem((*path, name), message, qid)
    if problems or reported or content is None:
        return None
    return ParsedQuestion(
        external_id=qid,
        type=qtype.name,
        topic_slug=raw["topic"],
        difficulty=raw["difficulty"],
        stem=raw["stem"].strip(),
        content=content,
        rationale=raw["rationale"].strip(),
        source=(raw.get("source") or "").strip() or None,
        tags=tuple(raw.get("tags") or ()),
        line=doc.line_of(path),
    )


def line_of_question_past(text: str, limit: int) -> int | None:
    """The line where question number `limit + 1` of a native bank starts, None when the file
    has at most `limit` questions (or is not readable YAML: parse_bank reports that).

    Reads YAML events with libyaml and stops at that question, so a huge file costs no more
    than `limit` questions and builds no tree.
    """
    loader = _YAML_LOADER(text)
    depth, key, expecting_key, in_questions, count = 0, None, True, False, 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent | yaml.AliasEvent):
                if depth == 2 and in_questions:
                    count += 1
                    if count > limit:
                        return event.start_mark.line + 1
                if depth == 1:
                    if expecting_key and isinstance(event, yaml.ScalarEvent):
                        key = event.value
                    else:
                        in_questions = key == "questions" and isinstance(
                            event, yaml.SequenceStartEvent
                        )
                    expecting_key = not expecting_key
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def parse_bank(
    text: str,
    filename: str = "<bank>",
    read_media: Callable[[str], bytes | None] | None = None,
    *,
    today: date | None = None,
) -> ParsedBank:
    """Parse and validate one native bank file.

    :param read_media: reads a picture the file names (``media/<name>``) by that path; None
        when the file comes alone (then only pictures already stored, ``media:<hash>``, load).
    :param today: bounds the `reviewed:` dates (a review cannot be in the future); it defaults
        to the current date.

    :raises BankFileError: listing every problem, with file, line and question id.
    """
    doc = _Document(text, filename)
    if doc.problems and doc.data is None:
        raise BankFileError(doc.problems)
    schema_hits = _check_schema(doc, "bank")
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankFileError(doc.problems)

    topics: list[ParsedTopic] = []
    if ("topics",) not in schema_hits and () not in schema_hits:
        _flatten_topics(doc, data["topics"], ("topics",), None, topics)
    topic_slugs = {t.slug for t in topics}

    today = today or date.today()
    media = MediaReader(
        lambda src: read_media(src) if read_media and _MEDIA_PATH.fullmatch(src) else None
    )
    questions: list[ParsedQuestion] = []
    ids: dict[str, int] = {}
    stems: dict[str, str] = {}
    for index, raw in enumerate(data["questions"]):
        if not isinstance(raw, dict) or () in schema_hits:
            continue
        reported = schema_hits.get(("questions", index), set())
        qid = raw.get("id") if isinstance(raw.get("id"), str) else None
        if qid in ids:
            doc.problem(
                ("questions", index, "id"), f"duplicate id (first used on line {ids[qid]})", qid
            )
        elif qid:
            ids[qid] = doc.line_of(("questions", index))
        if isinstance(raw.get("stem"), str) and raw["stem"].strip():
            stem_key = normalize_stem(raw["stem"])
            if stem_key in stems:
                doc.problem(
                    ("questions", index, "stem"),
                    f"duplicate stem (same as question {stems[stem_key]})",
                    qid,
                )
            else:
                stems[stem_key] = qid
        question = _parse_question(doc, index, raw, topic_slugs, reported, today, media)
        if question is not None:
            questions.append(question)

    if doc.problems:
        raise BankFileError(doc.problems)
    bank = data["bank"]
    return ParsedBank(
        slug=bank["id"],
        title=bank["title"].strip(),
        description=(bank.get("description") or "").strip(),
        topics=tuple(topics),
        questions=tuple(questions),
        images=tuple(media.images.values()),
        warnings=tuple(doc.warnings),
    )


def parse_blueprint(text: str, filename: str = "<blueprint>") -> ParsedBlueprint:
    """Parse and validate one blueprint file (its banks and topics are checked on sync).

    :raises BankFileError: listing every problem with its line.
    """
    doc = _Document(text, filename)
    if doc.problems and doc.data is None:
        raise BankFileError(doc.problems)
    _check_schema(doc, "blueprint")
    if doc.problems:
        raise BankFileError(doc.problems)
    raw = doc.data["blueprint"]
    sections = tuple(
        BlueprintSection(s["bank"], s.get("topic"), s["questions"], s.get("title"))
        for s in raw["sections"]
    )
    segments = tuple(
        BlueprintSegment(s["title"], s["minutes"], s["questions"]) for s in raw.get("segments", [])
    )
    total = sum(s.questions for s in sections)
    if segments:
        if sum(s.questions for s in segments) != total:
            doc.problem(
                ("blueprint", "segments"),
                f"the segments hold {sum(s.questions for s in segments)} questions but the "
                f"sections draw {total}",
            )
        if sum(s.minutes for s in segments) != raw["time_limit_minutes"]:
            doc.problem(
                ("blueprint", "segments"),
                "the segments' minutes do not add up to time_limit_minutes",
            )
    adaptive = adaptive_settings(raw.get("adaptive"), total, raw["time_limit_minutes"])
    if adaptive and adaptive["min_items"] > adaptive["max_items"]:
        doc.problem(
            ("blueprint", "adaptive"),
            f"min_items ({adaptive['min_items']}) is more than max_items ({adaptive['max_items']})",
        )
    if doc.problems:
        raise BankFileError(doc.problems)
    return ParsedBlueprint(
        slug=raw["id"],
        title=raw["title"].strip(),
        description=(raw.get("description") or "").strip(),
        time_limit_minutes=raw["time_limit_minutes"],
        passing_percent=float(raw["passing_percent"]),
        sections=sections,
        segments=segments,
        adaptive=adaptive,
    )


def blueprint_problems(
    blueprint: ParsedBlueprint, bank_topics: dict[str, set[str]], filename: str
) -> list[FileProblem]:
    """Problems with the banks and topics a blueprint names, given each bank's topic slugs."""
    problems = []
    for section in blueprint.sections:
        if section.bank_slug not in bank_topics:
            problems.append(FileProblem(filename, None, f"unknown bank {section.bank_slug!r}"))
        elif section.topic_slug and section.topic_slug not in bank_topics[section.bank_slug]:
            problems.append(
                FileProblem(
                    filename,
                    None,
                    f"bank {section.bank_slug!r} has no topic {section.topic_slug!r}",
                )
            )
    return problems
