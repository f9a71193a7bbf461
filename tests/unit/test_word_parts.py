"""The shipped word-part file and its parser (quizapp.review.flashcards.parse_word_parts)."""

import re
from pathlib import Path

import pytest

from quizapp.review.flashcards import (
    WORD_PARTS_FILE,
    WordPartFileError,
    accepted_answers,
    parse_word_parts,
)
from quizapp.review.models import WordPart

BANKS = Path(__file__).resolve().parents[2] / "question_banks"


def test_every_part_the_banks_tag_has_a_meaning():
    rows = parse_word_parts((BANKS / WORD_PARTS_FILE).read_text(encoding="utf-8"))
    parts = {row["part"] for row in rows}
    tagged = {
        part
        for path in BANKS.glob("*.yaml")
        for part in re.findall(r"part:([a-z-]+)", path.read_text(encoding="utf-8"))
    }
    assert tagged and tagged <= parts, sorted(tagged - parts)
    assert all(row["meanings"] and row["example"] for row in rows)


def test_kinds_and_forms_follow_the_hyphens():
    rows = parse_word_parts(
        "format: 1\nword_parts:\n"
        "  - {part: brady-, meanings: [slow]}\n"
        "  - {part: -itis, meanings: [inflammation]}\n"
        "  - {part: cardi, meanings: [heart]}\n"
        "  - {part: dent, form: dent/i, meanings: [tooth, teeth]}\n"
    )
    assert [(r["kind"], r["form"]) for r in rows] == [
        ("prefix", "brady-"),
        ("suffix", "-itis"),
        ("combining form", "cardi/o"),
        ("combining form", "dent/i"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: 2\nword_parts: []\n", "format: 1"),
        ("format: 1\nword_parts:\n  - {part: brady-}\n", "entry 1: needs a part"),
        ("format: 1\nword_parts:\n  - {part: a-, meanings: ['']}\n", "entry 1: needs a part"),
        (
            "format: 1\nword_parts:\n  - {part: a-, meanings: [x]}\n"
            "  - {part: a-, meanings: [y]}\n",
            "entry 2: 'a-' is listed twice",
        ),
    ],
)
def test_bad_files_say_which_entry(text, message):
    with pytest.raises(WordPartFileError, match=re.escape(message)):
        parse_word_parts(text)


def test_a_part_is_accepted_with_or_without_its_hyphen_or_vowel():
    cardi = WordPart(part="cardi", kind="combining form", form="cardi/o", meanings=["heart"])
    assert {"cardi/o", "cardio", "cardi"} <= set(accepted_answers(cardi, "part"))
    brady = WordPart(part="brady-", kind="prefix", form="brady-", meanings=["slow"])
    assert {"brady-", "brady"} <= set(accepted_answers(brady, "part"))
    assert accepted_answers(brady, "meaning") == ["slow"]
