"""The terminology bank's abbreviation items: enough of them, and their safety sources dated."""

import re
from pathlib import Path

from quizapp.banks.loader import parse_bank

BANK = Path(__file__).parents[2] / "question_banks" / "medical-terminology.yaml"
REVIEWED = re.compile(r"^reviewed:\d{4}-\d{2}-\d{2}$")
SAFETY_SOURCES = ("Joint Commission", "ISMP")


def parsed():
    return parse_bank(BANK.read_text(encoding="utf-8"), str(BANK))


def test_abbreviations_sit_under_treatments_with_at_least_60_items():
    bank = parsed()
    parents = {t.slug: t.parent_slug for t in bank.topics}
    assert parents["abbreviations"] == "treatments"
    assert sum(q.topic_slug == "abbreviations" for q in bank.questions) >= 60


def test_items_citing_the_joint_commission_or_ismp_carry_a_review_date():
    undated = [
        q.external_id
        for q in parsed().questions
        if any(name in (q.source or "") for name in SAFETY_SOURCES)
        and not any(REVIEWED.match(tag) for tag in q.tags)
    ]
    assert undated == []


def test_abbreviation_items_mix_types_and_are_mostly_application():
    items = [q for q in parsed().questions if q.topic_slug == "abbreviations"]
    assert {"single_best", "fill_in_blank", "matching", "multiple_response"} <= {
        q.type for q in items
    }
    application = sum("cognitive:application" in q.tags for q in items)
    assert application / len(items) > 0.5
