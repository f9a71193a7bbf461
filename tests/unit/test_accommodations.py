"""Which time accommodation applies, and the time limits it gives."""

import pytest

from quizapp.accommodations import STANDARD, UNTIMED, Accommodation, most_generous

QUARTER = Accommodation(multiplier=1.25)
HALF = Accommodation(multiplier=1.5)
DOUBLE = Accommodation(multiplier=2)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], STANDARD),
        ([STANDARD], STANDARD),
        ([STANDARD, STANDARD], STANDARD),
        ([HALF], HALF),
        ([STANDARD, HALF], HALF),  # a class's over a standard account
        ([HALF, STANDARD], HALF),  # a standard class never takes the account's away
        ([QUARTER, DOUBLE, HALF], DOUBLE),
        ([DOUBLE, UNTIMED], UNTIMED),  # untimed beats any multiplier
        ([UNTIMED, STANDARD], UNTIMED),
        ([Accommodation(untimed=True, multiplier=2), QUARTER], UNTIMED),
    ],
)
def test_the_most_generous_applies(candidates, expected):
    assert most_generous(candidates) == expected
    assert most_generous(reversed(candidates)) == expected  # the order does not matter


@pytest.mark.parametrize(
    ("accommodation", "minutes", "seconds"),
    [
        (STANDARD, 10, 600),
        (HALF, 10, 900),
        (QUARTER, 7, 525),
        (Accommodation(multiplier=1.25), 1, 75),
        (Accommodation(multiplier=1.1), 1, 66),  # rounded up, never down
        (UNTIMED, 10, None),
        (DOUBLE, None, None),  # a test without a limit stays without one
    ],
)
def test_seconds(accommodation, minutes, seconds):
    assert accommodation.seconds(minutes) == seconds


@pytest.mark.parametrize(
    ("choice", "accommodation"),
    [("standard", STANDARD), ("untimed", UNTIMED), ("1.5", HALF), ("2", DOUBLE)],
)
def test_form_choices_read_and_name_the_same(choice, accommodation):
    assert Accommodation.from_choice(choice) == accommodation
    assert accommodation.choice == choice


@pytest.mark.parametrize("choice", ["0.5", "4.5", "nan", "-1", "fast", ""])
def test_unknown_or_shortening_choices_are_refused(choice):
    with pytest.raises(ValueError):
        Accommodation.from_choice(choice)


def test_standard_is_the_only_standard():
    assert STANDARD.is_standard
    assert not HALF.is_standard and not UNTIMED.is_standard
