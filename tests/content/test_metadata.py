"""Metadata of every shipped question: a source, one cognitive tag, review dates where a
guideline or regulation drives the fact, and enemy groups that pair real questions."""

import re
from collections import Counter
from datetime import date

import pytest

from quizapp.banks.loader import tag_values
from tests.content.test_shipped_banks import bank

SLUGS = ["medical-terminology", "clinical-administrative", "law-ethics"]
#: A source naming one of these rests on a guideline or a regulation, so the item says when it
#: was last checked against it.
REGULATED = re.compile(
    r"HIPAA|45 CFR|DEA|21 CFR|OSHA|29 CFR|CLIA|CDC|\bAHA\b|AHA/|Joint Commission|FDA|CPT|ICD-10|"
    r"CMS|Medicare|CLSI"
)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_question_names_a_source(slug):
    missing = [q.external_id for q in bank(slug).questions if not q.source]
    assert missing == []


@pytest.mark.parametrize("slug", SLUGS)
def test_every_question_has_exactly_one_cognitive_tag(slug):
    wrong = [
        q.external_id for q in bank(slug).questions if len(tag_values(q.tags, "cognitive")) != 1
    ]
    assert wrong == []


@pytest.mark.parametrize("slug", SLUGS)
def test_guideline_and_regulation_items_carry_a_review_date(slug):
    unreviewed = [
        q.external_id
        for q in bank(slug).questions
        if REGULATED.search(q.source or "") and not tag_values(q.tags, "reviewed")
    ]
    assert unreviewed == []


def test_review_dates_are_recent_enough_to_trust():
    dates = [
        date.fromisoformat(value)
        for slug in SLUGS
        for q in bank(slug).questions
        for value in tag_values(q.tags, "reviewed")
    ]
    assert dates and min(dates) >= date(2026, 1, 1)


def test_every_enemy_group_holds_at_least_two_questions():
    members = Counter(
        group
        for slug in SLUGS
        for q in bank(slug).questions
        for group in tag_values(q.tags, "enemy")
    )
    assert members and [g for g, n in members.items() if n < 2] == []
