"""Bounded, ordered lists of the latest results (for aggregates that keep "the last N")."""

from datetime import UTC, datetime

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def stamp(moment: datetime) -> str:
    """A UTC timestamp as text that sorts in time order."""
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def unstamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)


def keep_latest(entries: list[list], new_entries: list[list], limit: int) -> list[list]:
    """The `limit` latest of both lists of [stamp, id, value], oldest first.

    Sorting (rather than appending) keeps the result exact when an older result is recorded
    after a newer one, as when two attempts finish at once and commit in the other order.
    """
    merged = sorted([*entries, *new_entries], key=lambda entry: (entry[0], entry[1]))
    return merged[-limit:]
