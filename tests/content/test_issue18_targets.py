"""The content targets of issue 18, measured on the shipped banks.

Several of these pass only once every issue-18 content branch is merged (new terminology,
clinical, administrative and law & ethics items); they are the definition of done, not a
description of one branch. ECG rhythm-strip items wait for questions that carry images and are
not counted here.
"""

import re
from datetime import date
from pathlib import Path

import pytest

from quizapp.banks.audit import DEPTH_TARGET, build_report
from quizapp.banks.loader import parse_blueprint, tag_values
from tests.content.test_shipped_banks import BANKS_DIR, bank, topic_area

BLUEPRINTS = sorted(Path(BANKS_DIR / "blueprints").glob("*.yaml"))


def application_share(slug: str, area: str | None = None) -> float:
    parsed = bank(slug)
    areas = topic_area(parsed)
    questions = [q for q in parsed.questions if area is None or areas[q.topic_slug] == area]
    applied = sum(1 for q in questions if tag_values(q.tags, "cognitive") == ["application"])
    return applied / len(questions)


@pytest.mark.parametrize(
    ("slug", "area", "share"),
    [
        ("clinical-administrative", None, 0.5),
        ("law-ethics", None, 0.5),
        ("medical-terminology", None, 0.25),
    ],
)
def test_application_shares(slug, area, share):
    assert application_share(slug, area) >= share


@pytest.mark.parametrize(
    ("slug", "area", "size"),
    [
        ("clinical-administrative", "clinical", 360),
        ("clinical-administrative", "administrative", 130),
        ("law-ethics", None, 150),
    ],
)
def test_pool_sizes(slug, area, size):
    parsed = bank(slug)
    areas = topic_area(parsed)
    assert sum(1 for q in parsed.questions if area is None or areas[q.topic_slug] == area) >= size


def test_every_blueprint_section_draws_from_at_least_three_times_its_size():
    banks = [
        bank(slug) for slug in ("medical-terminology", "clinical-administrative", "law-ethics")
    ]
    blueprints = [parse_blueprint(path.read_text(), str(path)) for path in BLUEPRINTS]
    report = build_report(banks, blueprints, today=date(2026, 12, 7))
    shallow = [f"{s.blueprint} / {s.section}: {s.ratio:.1f}x" for s in report.sections if s.shallow]
    assert report.sections and shallow == [], f"under {DEPTH_TARGET}x: {shallow}"


def in_topics(slug: str, *topics: str) -> list:
    return [q for q in bank(slug).questions if q.topic_slug in topics]


def test_at_least_60_abbreviation_items():
    assert len(in_topics("medical-terminology", "abbreviations")) >= 60


def test_at_least_40_more_pharmacology_items():
    # 28 medication-administration items before issue 18.
    assert len(in_topics("clinical-administrative", "medication-administration")) >= 28 + 40


def test_at_least_20_more_numeric_calculations():
    # 7 numeric fill-in items (with a tolerance) before issue 18.
    numeric = [
        q
        for q in bank("clinical-administrative").questions
        if q.type == "fill_in_blank" and q.content.get("tolerance") is not None
    ]
    assert len(numeric) >= 7 + 20


def test_at_least_30_more_laboratory_items():
    # 47 phlebotomy and specimen items before issue 18.
    assert len(in_topics("clinical-administrative", "phlebotomy", "specimens-poct")) >= 47 + 30


#: Stems that hand the student a chart excerpt, a series of readings, a report or a label.
INTERPRETED = re.compile(
    r"\b(label reads|labell?ed|the label|chart shows|in the chart|these readings|log|report|"
    r"results|readings)\b",
    re.IGNORECASE,
)


def test_at_least_10_more_chart_trend_and_label_items():
    # 6 such application items before issue 18.
    found = [
        q
        for q in bank("clinical-administrative").questions
        if INTERPRETED.search(q.stem) and tag_values(q.tags, "cognitive") == ["application"]
    ]
    assert len(found) >= 6 + 10


def test_severe_adult_choking_follows_aha_2025():
    keyed = []
    for q in bank("clinical-administrative").questions:
        if q.type == "single_best":
            key = q.content["options"][q.content["key"]]
            if re.search(r"back blows", key, re.I) and re.search(r"abdominal thrusts", key, re.I):
                keyed.append(q.external_id)
    assert keyed


def test_every_fact_is_tested_by_at_least_two_questions():
    # Two questions test one fact exactly when they share an enemy group (groups span banks).
    banks = [
        bank(slug) for slug in ("medical-terminology", "clinical-administrative", "law-ethics")
    ]
    report = build_report(banks, [], today=date(2026, 12, 7))
    alone = {b.slug: b.single_fact for b in report.banks if b.single_fact}
    assert alone == {}, f"facts tested by one question only: {alone}"
