"""Integrity of the shipped question banks: sizes, coverage, quality rules, drawable blueprints."""

import re
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from quizapp.banks import services
from quizapp.banks.drawing import draw_questions
from quizapp.banks.loader import ParsedBank, parse_bank
from quizapp.banks.models import Blueprint
from quizapp.extensions import db

BANKS_DIR = Path(__file__).parents[2] / "question_banks"


@cache
def bank(slug: str) -> ParsedBank:
    path = BANKS_DIR / f"{slug}.yaml"
    return parse_bank(
        path.read_text(encoding="utf-8"), str(path), services.media_folder_reader(path.parent)
    )


def topic_area(parsed: ParsedBank) -> dict[str, str]:
    """Map every topic slug to its top-level ancestor."""
    parents = {t.slug: t.parent_slug for t in parsed.topics}
    areas = {}
    for slug in parents:
        area = slug
        while parents[area]:
            area = parents[area]
        areas[slug] = area
    return areas


def per_area(parsed: ParsedBank) -> Counter:
    areas = topic_area(parsed)
    return Counter(areas[q.topic_slug] for q in parsed.questions)


ALL_BANKS = ["medical-terminology", "clinical-administrative", "law-ethics"]


def test_terminology_bank_size_and_areas():
    counts = per_area(bank("medical-terminology"))
    assert sum(counts.values()) >= 300
    for area in ("body", "agents", "symptoms", "treatments", "instruments"):
        assert counts[area] >= 45, f"{area}: {counts[area]}"


def test_terminology_covers_150_distinct_word_parts():
    parts = {
        tag.removeprefix("part:")
        for q in bank("medical-terminology").questions
        for tag in q.tags
        if tag.startswith("part:")
    }
    assert len(parts) >= 150, len(parts)


def test_clinical_and_administrative_sizes():
    counts = per_area(bank("clinical-administrative"))
    assert counts["clinical"] >= 150
    assert counts["administrative"] >= 60
    assert sum(counts.values()) >= 220


def test_law_and_ethics_size():
    assert len(bank("law-ethics").questions) >= 100


@pytest.mark.parametrize("slug", ALL_BANKS)
def test_every_leaf_topic_is_used(slug):
    parsed = bank(slug)
    parents = {t.parent_slug for t in parsed.topics}
    leaves = {t.slug for t in parsed.topics} - parents
    used = {q.topic_slug for q in parsed.questions}
    assert leaves <= used, f"unused topics: {sorted(leaves - used)}"


@pytest.mark.parametrize("slug", ALL_BANKS)
def test_no_all_or_none_of_the_above(slug):
    pattern = re.compile(
        r"\b(all|none|both) of the (above|following)\b|\bboth [a-d] and [a-d]\b", re.I
    )
    offenders = [
        q.external_id
        for q in bank(slug).questions
        for option in q.content.get("options", [])
        if pattern.search(option)
    ]
    assert not offenders


@pytest.mark.parametrize("slug", ALL_BANKS)
def test_rationales_explain(slug):
    short = [q.external_id for q in bank(slug).questions if len(q.rationale) < 60]
    assert not short, f"rationales too short to teach: {short}"


@pytest.mark.parametrize("slug", ALL_BANKS)
def test_mix_of_types_and_difficulties(slug):
    parsed = bank(slug)
    types = Counter(q.type for q in parsed.questions)
    total = len(parsed.questions)
    assert types["single_best"] / total >= 0.6  # mostly single best answer
    assert {"multiple_response", "fill_in_blank", "matching", "ordering"} <= set(types)
    difficulties = Counter(q.difficulty for q in parsed.questions)
    for level in ("easy", "medium", "hard"):
        assert difficulties[level] / total >= 0.1, difficulties


@pytest.mark.parametrize("slug", ALL_BANKS)
def test_the_key_is_not_usually_the_longest_option(slug):
    singles = [q for q in bank(slug).questions if q.type == "single_best"]
    longest = 0
    for q in singles:
        options = q.content["options"]
        key_length = len(options[q.content["key"]])
        if all(key_length > len(o) for i, o in enumerate(options) if i != q.content["key"]):
            longest += 1
    assert longest / len(singles) < 0.4, f"{longest} of {len(singles)}"


def test_no_stem_repeats_across_banks():
    stems = Counter(
        " ".join(q.stem.casefold().split()) for slug in ALL_BANKS for q in bank(slug).questions
    )
    assert [s for s, n in stems.items() if n > 1] == []


@pytest.mark.usefixtures("app_ctx")
def test_shipped_blueprints_draw_full_tests():
    result = services.sync_directory(BANKS_DIR, now=datetime.now(UTC))
    assert result.problems == []
    blueprints = list(db.session.scalars(db.select(Blueprint)))
    assert {b.slug for b in blueprints} == {
        "medical-terminology-practice",
        "clinical-duties-practice",
        "law-ethics-practice",
        "cma-mock-exam",
    }
    for blueprint in blueprints:
        drawn = draw_questions(
            services.blueprint_sections(blueprint), services.section_pools(blueprint), seed=2026
        )
        assert len(drawn) == blueprint.question_count == len(set(drawn))
    mock = next(b for b in blueprints if b.slug == "cma-mock-exam")
    assert mock.question_count == 200 and mock.time_limit_minutes == 160
    weights = {s["title"]: s["questions"] for s in mock.sections}
    assert weights["Clinical Competency"] == 118  # 59 %
    assert weights["Administrative"] == 40  # 20 %
    assert sum(v for k, v in weights.items() if k.startswith("General")) == 42  # 21 %
