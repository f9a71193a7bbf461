"""Audits of bank files for their authors: likely enemy pairs found by text similarity, and the
per-bank report (cognitive shares, topics, pool depth per blueprint section, sources, enemy
groups, stale reviews). Pure: takes parsed banks and blueprints, no Flask, no database."""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from quizapp.banks.loader import ParsedBank, ParsedBlueprint, ParsedQuestion, tag_values

#: Words too common in stems to say anything about the fact a question tests.
_COMMON_WORDS = """a an and are as at be by can for from has have he her his how in is it its may
of on or she that the their them they this to was what when where which who why will with would
should must does do patient patients medical assistant following these those each one after
before into than then there not no but if so all any about under over called term describes"""
STOP_WORDS = frozenset(_COMMON_WORDS.split())
#: Pairs at least this similar (cosine of TF-IDF weighted stem + key words) are reported.
SIMILAR = 0.5
#: Pairs whose keys are at least KEYS_ALIKE similar need only SIMILAR_SAME_KEY overall.
KEYS_ALIKE = 0.6
SIMILAR_SAME_KEY = 0.3


def _words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return [w.rstrip("s") if len(w) > 4 else w for w in words if w not in STOP_WORDS]


def key_text(question: ParsedQuestion) -> str:
    """The answer of a question as words: the keyed option(s), the accepted answers, the
    matched pairs, the order, or true/false."""
    content = question.content
    key = content.get("key")
    if question.type == "matching":
        return " ".join(
            f"{prompt} {content['matches'][match]}"
            for prompt, match in zip(content["prompts"], key, strict=True)
        )
    if question.type == "ordering":
        return " ".join(content["items"])
    if question.type == "fill_in_blank":
        return content["accepted"][0]
    if "options" in content:
        keyed = key if isinstance(key, list) else [key]
        return " ".join(content["options"][index] for index in keyed)
    return str(key).lower()


@dataclass(frozen=True)
class LikelyEnemies:
    first: tuple[str, str]  # (bank slug, question id)
    second: tuple[str, str]
    similarity: float
    same_key: bool

    def __str__(self) -> str:
        why = "alike keys" if self.same_key else "similar stem and key"
        return (
            f"{self.first[0]}:{self.first[1]} and {self.second[0]}:{self.second[1]} may test "
            f"the same fact ({why}, similarity {self.similarity:.2f}): rewrite one or give both "
            "the same enemy: tag"
        )


def _tfidf(documents: list[list[str]]) -> np.ndarray:
    vocabulary: dict[str, int] = {}
    for words in documents:
        for word in words:
            vocabulary.setdefault(word, len(vocabulary))
    counts = np.zeros((len(documents), max(len(vocabulary), 1)))
    for row, words in enumerate(documents):
        for word, n in Counter(words).items():
            counts[row, vocabulary[word]] = n
    document_frequency = (counts > 0).sum(axis=0)
    weights = counts * np.log((1 + len(documents)) / (1 + document_frequency))
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1, norms)


def likely_enemies(
    banks: Sequence[ParsedBank],
    *,
    similar: float = SIMILAR,
    similar_same_key: float = SIMILAR_SAME_KEY,
) -> list[LikelyEnemies]:
    """Pairs of questions, within and across the banks, that look like the same fact, most
    similar first; pairs that already share an enemy group, or that were read and marked
    `distinct:<the other's id>` on either side, are left out."""
    items = [(bank.slug, q) for bank in banks for q in bank.questions]
    if len(items) < 2:
        return []
    vectors = _tfidf([_words(q.stem + " " + key_text(q)) for _, q in items])
    similarity = vectors @ vectors.T
    # True/false keys say nothing about the fact, so they never count as alike.
    keys = _tfidf([_words(key_text(q)) if q.type != "true_false" else [] for _, q in items])
    key_similarity = keys @ keys.T
    groups = [set(tag_values(q.tags, "enemy")) for _, q in items]
    distinct = [set(tag_values(q.tags, "distinct")) for _, q in items]
    first, second = np.nonzero(np.triu(similarity >= min(similar, similar_same_key), k=1))
    found = []
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        score = float(similarity[i, j])
        same_key = bool(key_similarity[i, j] >= KEYS_ALIKE)
        if score < (similar_same_key if same_key else similar) or groups[i] & groups[j]:
            continue
        if items[j][1].external_id in distinct[i] or items[i][1].external_id in distinct[j]:
            continue
        found.append(
            LikelyEnemies(
                (items[i][0], items[i][1].external_id),
                (items[j][0], items[j][1].external_id),
                round(score, 2),
                same_key,
            )
        )
    return sorted(found, key=lambda pair: -pair.similarity)


#: A blueprint section should draw from a pool at least this many times its size, so that
#: repeated mock exams do not keep showing the same questions.
DEPTH_TARGET = 3
#: A review older than this is due again.
REVIEW_AGE = timedelta(days=365)


@dataclass(frozen=True)
class BankReport:
    slug: str
    title: str
    items: int
    application: int
    recall: int
    per_topic: tuple[tuple[str, int], ...]
    without_source: tuple[str, ...]
    enemy_groups: dict[str, tuple[str, ...]]
    stale_reviews: tuple[tuple[str, date], ...]
    #: Questions whose fact no other question tests: a question shares its fact with another
    #: exactly when they share an enemy group (in any of the banks reported together).
    single_fact: tuple[str, ...] = ()

    @property
    def application_share(self) -> float:
        return self.application / self.items if self.items else 0.0


@dataclass(frozen=True)
class SectionDepth:
    blueprint: str
    section: str
    draws: int
    pool: int
    #: Questions that may share a test: the pool with each enemy group counted once.
    distinct: int

    @property
    def ratio(self) -> float:
        return self.pool / self.draws if self.draws else math.inf

    @property
    def shallow(self) -> bool:
        return self.ratio < DEPTH_TARGET


@dataclass(frozen=True)
class Report:
    banks: tuple[BankReport, ...]
    sections: tuple[SectionDepth, ...] = field(default_factory=tuple)


def _subtree(bank: ParsedBank, topic: str | None) -> set[str]:
    if topic is None:
        return {t.slug for t in bank.topics}
    found, grown = {topic}, True
    while grown:
        children = {t.slug for t in bank.topics if t.parent_slug in found} - found
        found |= children
        grown = bool(children)
    return found


def build_report(
    banks: Sequence[ParsedBank], blueprints: Sequence[ParsedBlueprint], *, today: date
) -> Report:
    """Figures per bank and the depth of every blueprint section over the given banks."""
    group_sizes = Counter(
        group for bank in banks for q in bank.questions for group in tag_values(q.tags, "enemy")
    )
    reports = []
    for bank in banks:
        levels = Counter(level for q in bank.questions for level in tag_values(q.tags, "cognitive"))
        topics = Counter(q.topic_slug for q in bank.questions)
        groups: dict[str, list[str]] = {}
        stale = []
        for q in bank.questions:
            for group in tag_values(q.tags, "enemy"):
                groups.setdefault(group, []).append(q.external_id)
            for value in tag_values(q.tags, "reviewed"):
                reviewed = date.fromisoformat(value)
                if today - reviewed > REVIEW_AGE:
                    stale.append((q.external_id, reviewed))
        reports.append(
            BankReport(
                slug=bank.slug,
                title=bank.title,
                items=len(bank.questions),
                application=levels["application"],
                recall=levels["recall"],
                per_topic=tuple((t.slug, topics[t.slug]) for t in bank.topics if topics[t.slug]),
                without_source=tuple(q.external_id for q in bank.questions if not q.source),
                enemy_groups={g: tuple(ids) for g, ids in sorted(groups.items())},
                stale_reviews=tuple(sorted(stale, key=lambda s: s[1])),
                single_fact=tuple(
                    q.external_id
                    for q in bank.questions
                    if all(group_sizes[g] < 2 for g in tag_values(q.tags, "enemy"))
                ),
            )
        )
    by_slug = {bank.slug: bank for bank in banks}
    sections = []
    for blueprint in blueprints:
        for section in blueprint.sections:
            bank = by_slug.get(section.bank_slug)
            if bank is None:
                continue
            topics = _subtree(bank, section.topic_slug)
            pool = [q for q in bank.questions if q.topic_slug in topics]
            grouped = {g for q in pool for g in tag_values(q.tags, "enemy")}
            alone = sum(1 for q in pool if not tag_values(q.tags, "enemy"))
            label = section.title or (section.bank_slug + f" / {section.topic_slug or 'all'}")
            sections.append(
                SectionDepth(
                    blueprint.slug, label, section.questions, len(pool), alone + len(grouped)
                )
            )
    return Report(tuple(reports), tuple(sections))


def format_report(report: Report, *, stale: bool = False) -> list[str]:
    """The report as lines of text for `flask banks report`."""
    lines = []
    for bank in report.banks:
        untagged = bank.items - bank.application - bank.recall
        lines.append(f"{bank.slug}: {bank.title}")
        lines.append(
            f"  items {bank.items}; application {bank.application} "
            f"({100 * bank.application_share:.1f} %), recall {bank.recall}"
            + (f", no cognitive tag {untagged}" if untagged else "")
        )
        lines.append("  per topic: " + ", ".join(f"{slug} {n}" for slug, n in bank.per_topic))
        lines.append(
            f"  without a source: {len(bank.without_source)}"
            + (f" ({', '.join(bank.without_source[:20])})" if bank.without_source else "")
        )
        lines.append(
            f"  enemy groups: {len(bank.enemy_groups)}"
            + "".join(f"\n    {g}: {', '.join(ids)}" for g, ids in bank.enemy_groups.items())
        )
        lines.append(
            f"  facts tested by one question only: {len(bank.single_fact)}"
            + (f" ({', '.join(bank.single_fact[:20])} …)" if bank.single_fact else "")
        )
        lines.append(f"  reviews older than a year: {len(bank.stale_reviews)}")
        if stale:
            lines.extend(f"    {qid} reviewed {when}" for qid, when in bank.stale_reviews)
    for section in report.sections:
        flag = f"  < {DEPTH_TARGET}x: too shallow" if section.shallow else ""
        lines.append(
            f"blueprint {section.blueprint} / {section.section}: draws {section.draws} from "
            f"{section.pool} ({section.ratio:.1f}x; {section.distinct} after enemy groups){flag}"
        )
    return lines
