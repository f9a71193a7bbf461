"""The practice-test builder: the banks and topics a part may draw from, each with the questions
it holds, and the parts a posted form asks for, checked against them.

Options carry a bank's or topic's slug path as their value, never a database id; people only
see titles and counts.
"""

from dataclasses import dataclass

from quizapp.banks.loader import BlueprintSection
from quizapp.banks.models import Bank
from quizapp.banks.services import topic_rows
from quizapp.exams.services import MAX_CUSTOM_QUESTIONS

#: Parts one practice test may have (the form grows one at a time up to this).
MAX_PARTS = 20
#: Questions in a whole practice test: the students' own builder's bound.
MAX_TEST_QUESTIONS = MAX_CUSTOM_QUESTIONS


@dataclass(frozen=True)
class Source:
    """A bank or one topic of it (with its subtopics), as a part's select offers it."""

    value: str  # "bank-slug" or "bank-slug/topic-slug"
    label: str
    available: int


def sources(banks: list[Bank], available: dict[tuple[int, int | None], int]) -> list[Source]:
    """Every visible bank and its topics in tree order, with the questions each could draw
    (from banks_services.available_questions)."""
    result = []
    for bank in banks:
        count = available.get((bank.id, None), 0)
        result.append(Source(bank.slug, f"{bank.title}: all topics ({count} questions)", count))
        for topic, depth in topic_rows(bank):
            count = available.get((bank.id, topic.id), 0)
            indent = "— " * (depth + 1)
            result.append(
                Source(
                    f"{bank.slug}/{topic.slug}",
                    f"{bank.title}: {indent}{topic.title} ({count} questions)",
                    count,
                )
            )
    return result


def read_parts(
    parts: list[tuple[str, int | None]], offered: list[Source]
) -> tuple[list[BlueprintSection], list[str]]:
    """The sections the form's parts ask for, or the reasons they cannot be made.

    :param parts: (source value or "", question count or None) per part, in order; blank
        parts are skipped.
    :return: the sections and a message per problem (empty when the test can be made).
    """
    by_value = {source.value: source for source in offered}
    sections, errors = [], []
    for n, (value, count) in enumerate(parts, start=1):
        if not value and not count:
            continue
        if not (value and count):
            errors.append(f"Part {n}: choose both a bank or topic and a number of questions.")
            continue
        source = by_value.get(value)
        if source is None:
            errors.append(f"Part {n}: choose a bank or topic from the list.")
        elif count > source.available:
            name = source.label.rsplit(" (", 1)[0].replace("— ", "")
            errors.append(
                f"Part {n} ({name}) needs {count} questions but only {source.available} "
                "are available."
            )
        else:
            bank_slug, _, topic_slug = value.partition("/")
            sections.append(BlueprintSection(bank_slug, topic_slug or None, count, None))
    total = sum(count or 0 for value, count in parts if value)
    if total > MAX_TEST_QUESTIONS:
        errors.append(
            f"The parts add up to {total} questions; a practice test has at most "
            f"{MAX_TEST_QUESTIONS}."
        )
    if not sections and not errors:
        errors.append("Add at least one part: a bank or topic and a number of questions.")
    return sections, errors
