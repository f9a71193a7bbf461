"""Plain rows for the exam hot path: an attempt and its question at a position.

The question page and every save load these on each request. Read through the ORM they cost
several times the statement itself (identity map, instance state, the session's bookkeeping);
read with one prebuilt Core statement into these classes they cost little more than the
statement. They carry the same columns and the same rules (AttemptRules, SlotRules) as the ORM
classes, so templates and exams.services take either. The services write with UPDATE
statements and then give a row the values they stored (`loaded`), as they do an ORM object.

The hot path's statements are built once here, on the tables' columns: an ORM-enabled
statement costs more even on a plain connection (about 0.1 ms a page for the navigator's).
"""

from functools import cache
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quizapp.banks.models import QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion, AttemptRules, SlotRules, Status

_ATTEMPTS = Attempt.__table__
_SLOTS = AttemptQuestion.__table__
_VERSIONS = QuestionVersion.__table__


class _Row:
    """A row's values as attributes, named as the ORM class names its columns."""

    __slots__ = ()
    columns: tuple[str, ...] = ()

    def __init__(self, values) -> None:
        for name, value in zip(self.columns, values, strict=True):
            setattr(self, name, value)


class AttemptRow(AttemptRules, _Row):
    columns = tuple(c.key for c in _ATTEMPTS.c)
    __slots__ = columns

    def __repr__(self) -> str:
        return f"<AttemptRow {self.id} {self.status}>"


class SlotRow(SlotRules, _Row):
    columns = tuple(c.key for c in _SLOTS.c)
    __slots__ = columns


class VersionRow(_Row):
    columns = tuple(c.key for c in _VERSIONS.c)
    __slots__ = columns


def loaded(target: Any, **values) -> None:
    """Give a row or an ORM object the values an UPDATE just stored, as if read back."""
    if isinstance(target, _Row):
        for name, value in values.items():
            setattr(target, name, value)
    else:
        for name, value in values.items():
            so.attributes.set_committed_value(target, name, value)


_ATTEMPT_COUNT, _SLOT_COUNT = len(AttemptRow.columns), len(SlotRow.columns)

#: The user's attempt with its question at a position (slot and version None when there is
#: no such position), built once.
ATTEMPT_ITEM = (
    sa.select(*_ATTEMPTS.c, *_SLOTS.c, *_VERSIONS.c)
    .select_from(
        _ATTEMPTS.outerjoin(
            _SLOTS,
            sa.and_(
                _SLOTS.c.attempt_id == _ATTEMPTS.c.id,
                _SLOTS.c.position == sa.bindparam("position"),
            ),
        ).outerjoin(_VERSIONS, _VERSIONS.c.id == _SLOTS.c.version_id)
    )
    .where(
        _ATTEMPTS.c.id == sa.bindparam("attempt_id"), _ATTEMPTS.c.user_id == sa.bindparam("user_id")
    )
)


#: One attempt's columns, read again after a write found it changed.
ATTEMPT = sa.select(*_ATTEMPTS.c).where(_ATTEMPTS.c.id == sa.bindparam("attempt_id"))


#: The answered, flagged and score states of an attempt's positions `first`..`last`, in order
#: (answered_at is set exactly when an answer is stored: JSON has no "=" on PostgreSQL).
NAVIGATOR = (
    sa.select(_SLOTS.c.answered_at.is_not(None), _SLOTS.c.flagged, _SLOTS.c.score)
    .where(
        _SLOTS.c.attempt_id == sa.bindparam("attempt_id"),
        _SLOTS.c.position.between(sa.bindparam("first"), sa.bindparam("last")),
    )
    .order_by(_SLOTS.c.position)
)


@cache
def open_slot_update(
    *, sectioned: bool, compare_revision: bool, columns: tuple[str, ...]
) -> sa.Update:
    """UPDATE one question of an attempt (`slot_id`) only while the attempt (`open_attempt_id`)
    is open: for a sectioned attempt, only while that question's section (`open_section`) is the
    current one and its clock runs; with `compare_revision`, only at `expected_revision`.
    It sets `columns` from the parameters `new_<column>`, None being SQL NULL (a JSON column's
    too). Built once per variant, values included: building a statement's SET clause and its
    cache key on each save cost about 0.1 ms (hot path: every save).

    On PostgreSQL the condition also share-locks the attempt's row until the transaction ends,
    so a finish (which updates that row) waits for the answer to commit and then grades it, and
    an answer arriving during a finish waits for it and then sees the attempt closed. SQLite
    needs no lock: its writers take turns, and the condition is read under the write lock.
    """
    open_attempt = [
        _ATTEMPTS.c.id == sa.bindparam("open_attempt_id"),
        _ATTEMPTS.c.status == Status.IN_PROGRESS.value,
    ]
    if sectioned:  # sections never change once the attempt has started
        open_attempt += [
            _ATTEMPTS.c.section_number == sa.bindparam("open_section"),
            _ATTEMPTS.c.section_started_at.is_not(None),
        ]
    conditions = [
        _SLOTS.c.id == sa.bindparam("slot_id"),
        sa.exists(sa.select(_ATTEMPTS.c.id).where(*open_attempt).with_for_update(read=True)),
    ]
    if compare_revision:
        conditions.append(_SLOTS.c.revision == sa.bindparam("expected_revision"))
    return (
        sa.update(_SLOTS)
        .where(*conditions)
        .values({name: _new_value(_SLOTS.c[name]) for name in columns})
    )


def _new_value(column: sa.Column) -> sa.BindParameter:
    # A JSON column would store None as the JSON value null; the ORM's rows never hold that.
    column_type = sa.JSON(none_as_null=True) if isinstance(column.type, sa.JSON) else column.type
    return sa.bindparam(f"new_{column.name}", type_=column_type)


def split(row) -> tuple[AttemptRow, SlotRow | None, VersionRow | None]:
    """An ATTEMPT_ITEM row as its three parts."""
    attempt = AttemptRow(row[:_ATTEMPT_COUNT])
    slot_values = row[_ATTEMPT_COUNT : _ATTEMPT_COUNT + _SLOT_COUNT]
    if slot_values[0] is None:  # no question at that position
        return attempt, None, None
    return attempt, SlotRow(slot_values), VersionRow(row[_ATTEMPT_COUNT + _SLOT_COUNT :])
