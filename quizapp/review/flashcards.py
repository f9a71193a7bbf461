"""Word-part flashcards: the parts and their meanings (loaded from a data file), and drilling
them both ways (part -> meaning, meaning -> part) on the same FSRS schedule as questions.

Typed answers are graded with the fill-in-the-blank rules (case and spacing ignored); a right
answer rates Good, a wrong one Again (flashcards are not timed, so none rates Easy).
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from fsrs import Rating

from quizapp.extensions import db
from quizapp.review.cards import STATE_COLUMNS, card_state, write_cards
from quizapp.review.models import DIRECTIONS, ReviewSettings, WordPart, WordPartCard
from quizapp.scoring import spaced
from quizapp.scoring.question_types import get_question_type

WORD_PARTS_FILE = Path("word-parts") / "word-parts.yaml"


class WordPartFileError(ValueError):
    """The word-part file is not as documented; the message names the entry."""


def parse_word_parts(text: str) -> list[dict]:
    """The entries of a word-part file as rows for WordPart (see the file's header).

    :raises WordPartFileError: on a missing field, a duplicate part or an empty meaning.
    """
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise WordPartFileError(f"{where}not valid YAML") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != 1
        or not isinstance(data.get("word_parts"), list)
    ):
        raise WordPartFileError("expected `format: 1` and a `word_parts` list")
    rows, seen = [], set()
    for number, entry in enumerate(data["word_parts"], start=1):
        part = str(entry.get("part", "")).strip() if isinstance(entry, dict) else ""
        meanings = entry.get("meanings") if part else None
        if not part or not isinstance(meanings, list) or not all(str(m).strip() for m in meanings):
            raise WordPartFileError(f"entry {number}: needs a part and a list of meanings")
        if part in seen:
            raise WordPartFileError(f"entry {number}: {part!r} is listed twice")
        seen.add(part)
        if part.endswith("-"):
            kind, form = "prefix", part
        elif part.startswith("-"):
            kind, form = "suffix", part
        else:
            kind, form = "combining form", f"{part}/o"
        rows.append(
            {
                "part": part,
                "kind": kind,
                "form": str(entry.get("form") or form),
                "meanings": [str(m).strip() for m in meanings],
                "example": str(entry.get("example") or ""),
            }
        )
    return rows


def sync_word_parts(rows: list[dict]) -> int:
    """Make the word_parts table hold these rows (matched by part; cards of parts still listed
    are kept). Returns how many parts were added or changed."""
    existing = {part.part: part for part in db.session.scalars(sa.select(WordPart))}
    changed = 0
    for row in rows:
        found = existing.pop(row["part"], None)
        if found is None:
            db.session.add(WordPart(**row))
            changed += 1
        elif any(getattr(found, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(found, name, value)
            changed += 1
    for gone in existing.values():
        db.session.delete(gone)
    db.session.flush()
    return changed


def accepted_answers(part: WordPart, direction: str) -> list[str]:
    """What a student may type: any meaning, or the part with or without its hyphen or
    combining vowel ("cardi/o", "cardio", "cardi")."""
    if direction == "meaning":
        return list(part.meanings)
    bare = part.part.strip("-")
    return sorted({part.form, part.part, bare, part.form.replace("/", ""), bare + "-", "-" + bare})


@dataclass
class Flashcard:
    part: WordPart
    direction: str
    #: None for a card never reviewed.
    due: datetime | None

    @property
    def prompt(self) -> str:
        return self.part.form if self.direction == "meaning" else self.part.meanings[0]


@dataclass
class FlashcardDeck:
    due_now: int
    new_left: int
    next_card: Flashcard | None


def deck(user_id: int, *, now: datetime) -> FlashcardDeck:
    """How many cards are due and never seen, and the next one: the oldest due, else the first
    new one (in the file's order: prefixes, suffixes, combining forms; meaning before part).
    At most five queries, whatever the number of cards."""
    due_now, seen = db.session.execute(
        sa.select(sa.func.count().filter(WordPartCard.due <= now), sa.func.count()).where(
            WordPartCard.user_id == user_id
        )
    ).one()
    total = db.session.scalar(sa.select(sa.func.count(WordPart.id))) * len(DIRECTIONS)
    row = db.session.execute(
        sa.select(WordPart, WordPartCard.direction, WordPartCard.due)
        .join(WordPartCard, WordPartCard.word_part_id == WordPart.id)
        .where(WordPartCard.user_id == user_id, WordPartCard.due <= now)
        .order_by(WordPartCard.due, WordPart.id, WordPartCard.direction)
        .limit(1)
    ).first()
    if row is None and seen < total:
        row = _first_new(user_id)
    card = Flashcard(row[0], row[1], row[2]) if row else None
    return FlashcardDeck(due_now=due_now, new_left=total - seen, next_card=card)


def _first_new(user_id: int):
    for direction in DIRECTIONS:
        part = db.session.scalar(
            sa.select(WordPart)
            .where(
                ~sa.exists().where(
                    WordPartCard.user_id == user_id,
                    WordPartCard.word_part_id == WordPart.id,
                    WordPartCard.direction == direction,
                )
            )
            .order_by(WordPart.id)
            .limit(1)
        )
        if part is not None:
            return part, direction, None
    return None


@dataclass
class FlashcardResult:
    part: WordPart
    direction: str
    right: bool
    answer: str
    due: datetime


def answer_flashcard(
    user_id: int, part: WordPart, direction: str, answer: str, *, now: datetime
) -> FlashcardResult:
    """Grade a typed answer and move the card: one read, one upsert."""
    accepted = accepted_answers(part, direction)
    right = (
        get_question_type("fill_in_blank").grade({"accepted": accepted, "tolerance": None}, answer)
    ).score >= 1
    row = db.session.execute(
        sa.select(
            ReviewSettings.desired_retention,
            ReviewSettings.parameters,
            *(getattr(WordPartCard, name) for name in STATE_COLUMNS),
        )
        .select_from(sa.select(sa.literal(1).label("one")).subquery())
        .outerjoin(ReviewSettings, ReviewSettings.user_id == user_id)
        .outerjoin(
            WordPartCard,
            sa.and_(
                WordPartCard.user_id == user_id,
                WordPartCard.word_part_id == part.id,
                WordPartCard.direction == direction,
            ),
        )
    ).one()
    before = card_state(row)
    after = spaced.review(
        before,
        Rating.Good if right else Rating.Again,
        now=now,
        retention=row.desired_retention or spaced.DEFAULT_RETENTION,
        parameters=row.parameters,
    )
    write_cards(
        WordPartCard,
        [
            {
                "user_id": user_id,
                "word_part_id": part.id,
                "direction": direction,
                **after.__dict__,
            }
        ],
    )
    return FlashcardResult(part, direction, right, answer, after.due)
