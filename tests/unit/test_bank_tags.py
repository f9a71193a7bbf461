"""The structured tags of the bank format: cognitive:, reviewed: and enemy:."""

from datetime import date

import pytest

from quizapp.banks.loader import BankFileError, parse_bank, tag_values
from tests.unit.test_bank_loader import GOOD, HEADER

TODAY = date(2026, 12, 7)


def with_tags(tags: str) -> str:
    return HEADER + GOOD + f"    tags: {tags}\n"


def problems(tags: str) -> list[str]:
    with pytest.raises(BankFileError) as excinfo:
        parse_bank(with_tags(tags), "demo.yaml", today=TODAY)
    return [str(p) for p in excinfo.value.problems]


def test_well_formed_structured_tags_are_kept_in_the_tags():
    tags = '["cognitive:application", "reviewed:2026-12-07", "enemy:brady-slow", "part:brady-"]'
    question = parse_bank(with_tags(tags), "demo.yaml", today=TODAY).questions[0]
    assert question.tags == (
        "cognitive:application",
        "reviewed:2026-12-07",
        "enemy:brady-slow",
        "part:brady-",
    )
    assert tag_values(question.tags, "enemy") == ["brady-slow"]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ('["cognitive:analysis"]', "cognitive must be one of: recall, application"),
        ('["cognitive:recall", "cognitive:application"]', "more than one cognitive tag"),
        ('["cognitive: application"]', "write it as cognitive:application"),
        ('["Cognitive:recall"]', "write it as cognitive:recall"),
        ('["reviewed:07/12/2026"]', "reviewed must be a date written YYYY-MM-DD"),
        ('["reviewed:2026-02-30"]', "reviewed must be a date written YYYY-MM-DD"),
        ('["reviewed:2026-12-09"]', "the review date is in the future (today is 2026-12-07)"),
        ('["enemy:Brady_Slow"]', "an enemy group is a slug"),
        ('["enemy:"]', "an enemy group is a slug"),
        ('["distinct:not an id"]', "distinct names another question by its id"),
    ],
)
def test_bad_structured_tags_name_file_line_and_question(tags, expected):
    found = problems(tags)
    assert len(found) == 1, found
    assert found[0].startswith("demo.yaml:17: question q1: tag") or "cognitive tag" in found[0]
    assert expected in found[0]


def test_free_form_tags_are_never_checked():
    question = parse_bank(with_tags('["part:brady-", "cognitively: hard"]'), "d.yaml", today=TODAY)
    assert question.questions[0].tags == ("part:brady-", "cognitively: hard")


def test_a_review_dated_tomorrow_is_accepted_for_time_zones():
    parsed = parse_bank(with_tags('["reviewed:2026-12-08"]'), "demo.yaml", today=TODAY)
    assert parsed.questions[0].tags == ("reviewed:2026-12-08",)
