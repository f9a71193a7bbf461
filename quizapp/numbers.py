"""Whole numbers read from URLs and forms: ASCII digits only, within what the database holds."""

#: The largest value of a PostgreSQL INTEGER column (ids, positions, revisions, page numbers).
MAX_INTEGER = 2**31 - 1


def parse_whole_number(text: str, *, maximum: int = MAX_INTEGER) -> int | None:
    """The number `text` writes in ASCII digits, from 0 to `maximum`; None for anything else.

    `str.isdigit()` alone accepts "²" and "①", which `int()` refuses; `int()` accepts "٣", " 7"
    and "1_0", which none of our pages send, and refuses strings of more than 4,300 digits.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None
