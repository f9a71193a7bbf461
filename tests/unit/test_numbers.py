"""Whole numbers from URLs and forms: ASCII digits within the database's INTEGER range."""

import pytest

from quizapp.numbers import MAX_INTEGER, parse_whole_number


@pytest.mark.parametrize(
    ("text", "number"), [("0", 0), ("7", 7), ("007", 7), ("2147483647", MAX_INTEGER)]
)
def test_ascii_digits_within_range_are_numbers(text, number):
    assert parse_whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "²",  # isdigit() is true, int() refuses it
        "①",
        "٣",  # int() reads it as 3
        " 7",
        "7 ",
        "1_0",
        "-1",
        "+1",
        "1.0",
        "1\x00",
        "2147483648",
        str(2**63),
        "9" * 10_000,  # past the 4,300 digits int() reads
    ],
)
def test_anything_else_is_none(text):
    assert parse_whole_number(text) is None


def test_a_smaller_maximum_bounds_the_number():
    assert parse_whole_number("3", maximum=3) == 3
    assert parse_whole_number("4", maximum=3) is None
    assert parse_whole_number("10", maximum=9) is None
