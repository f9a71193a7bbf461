"""Time accommodations: how much longer a student's timed tests run, or that they are untimed.

A student may have several: the school's, which an admin sets on the account and which applies
everywhere, and one per class, set by that class's instructor for that class's tests. The
services pick which ones count for an attempt; `most_generous` decides between them.

Pure: no Flask, no SQLAlchemy.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

MIN_MULTIPLIER = 1.0
MAX_MULTIPLIER = 4.0


@dataclass(frozen=True)
class Accommodation:
    """No time limit at all (`untimed`), or time limits multiplied by `multiplier`."""

    untimed: bool = False
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not MIN_MULTIPLIER <= self.multiplier <= MAX_MULTIPLIER:  # NaN fails too
            raise ValueError(f"unsupported time multiplier {self.multiplier}")

    @classmethod
    def from_choice(cls, choice: str) -> "Accommodation":
        """Read a form's choice: "standard", "untimed" or a multiplier such as "1.5".

        :raises ValueError: for anything else, or a multiplier outside 1 to 4.
        """
        if choice == "untimed":
            return UNTIMED
        if choice == "standard":
            return STANDARD
        return cls(multiplier=float(choice))

    @property
    def choice(self) -> str:
        """The accommodation as the forms name it ("standard", "untimed", "1.5")."""
        if self.untimed:
            return "untimed"
        if self.multiplier == 1.0:
            return "standard"
        return f"{self.multiplier:g}"

    @property
    def is_standard(self) -> bool:
        return not self.untimed and self.multiplier == 1.0

    def seconds(self, minutes: float | None) -> int | None:
        """The time limit in seconds of a test (or section) of `minutes`; None for no limit."""
        if minutes is None or self.untimed:
            return None
        return math.ceil(minutes * 60 * self.multiplier)


STANDARD = Accommodation()
UNTIMED = Accommodation(untimed=True)


def most_generous(accommodations: Iterable[Accommodation]) -> Accommodation:
    """The one of these that gives the most time: untimed beats any multiplier, a larger
    multiplier a smaller one; standard time when there are none.

    :param accommodations: those that apply to the attempt, e.g. the account's and the class's.
    """
    best = STANDARD
    for accommodation in accommodations:
        if accommodation.untimed:
            return UNTIMED
        if accommodation.multiplier > best.multiplier:
            best = accommodation
    return best
