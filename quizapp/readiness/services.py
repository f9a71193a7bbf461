"""Readiness per student and blueprint, and percentile ranks, for the progress and results
pages. Each blueprint's pool and pass curve are cached in the process under the latest
calibration run's id (stored in the database, so every server agrees on when they change)."""

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from flask import current_app

from quizapp.banks import services as bank_services
from quizapp.banks.models import Blueprint, Question, QuestionVersion, Topic
from quizapp.classes.models import Enrollment
from quizapp.exams.models import (
    Attempt,
    AttemptQuestion,
    Mode,
    Status,
    answers_count_in_history,
)
from quizapp.extensions import db
from quizapp.history.models import StudentBlueprintResult
from quizapp.readiness.calibration import FULL_POINT
from quizapp.readiness.models import CalibrationRun, ItemCalibration
from quizapp.scoring import cat, irt
from quizapp.scoring import readiness as scoring

#: The progress page shows readiness for this many blueprints, the most recently taken first.
MAX_BLUEPRINTS = 5
#: The trend: readiness at the end of each of the last this many weeks (and now).
TREND_WEEKS = 8
#: Topics listed as the ones that would raise readiness most.
TOP_SHORTFALLS = 3
#: A topic is listed when doing as well in it as elsewhere would add this many right answers.
MIN_SHORTFALL = 0.5
#: Pools kept in the process (a few per blueprint at most: one per calibration run).
CACHE_SIZE = 256
#: Readiness figures kept per process (one per student, blueprint and day at most).
RESULTS_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Calibrated:
    """What the latest calibration run says: its id (0 before the first run), population spread
    and the priors by authored difficulty (for items it has not seen)."""

    run_id: int
    population_sd: float
    priors: dict[str, tuple[float, float]]

    def parameters(self, label: str, difficulty: float | None, discrimination: float | None):
        if difficulty is None:
            return self.priors[label][0], 1.0
        return difficulty, discrimination


@dataclass(frozen=True)
class BlueprintPool:
    """A blueprint's questions with their parameters, and what is derived from them once."""

    question_ids: frozenset[int]
    curve: np.ndarray
    topic_sections: dict[int, scoring.Section]
    topic_titles: dict[int, str]
    question_count: int
    #: The adaptive check's pool: item i is question `cat_questions[i]`, its topic the
    #: blueprint section it is drawn in (content balancing keeps the sections' shares).
    cat_questions: tuple[int, ...]
    cat_pool: cat.Pool | None
    #: The passing standard on the ability scale (None without a pool).
    theta_cut: float | None


def current_calibration() -> Calibrated:
    run = db.session.execute(
        sa.select(CalibrationRun.id, CalibrationRun.population_sd, CalibrationRun.priors)
        .order_by(CalibrationRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return Calibrated(0, 1.0, dict(irt.DEFAULT_PRIORS))
    priors = {label: tuple(value) for label, value in run.priors.items()}
    return Calibrated(run.id, run.population_sd, priors)


def blueprint_pool(blueprint: Blueprint, calibrated: Calibrated) -> BlueprintPool:
    """The blueprint's pool and pass curve, from the process cache when this run made it.

    Questions added to the blueprint's banks join the cached pool at the next calibration run
    (they have no calibration before it anyway); an edited blueprint gets a new entry at once.
    """
    _pools = current_app.extensions.setdefault("readiness_pools", OrderedDict())
    key = (blueprint.id, calibrated.run_id, repr(blueprint.sections), blueprint.passing_percent)
    pool = _pools.get(key)
    if pool is None:
        pool = _build_pool(blueprint, calibrated)
        _pools[key] = pool
        if len(_pools) > CACHE_SIZE:
            _pools.popitem(last=False)
    return pool


def _build_pool(blueprint: Blueprint, calibrated: Calibrated) -> BlueprintPool:
    pools = bank_services.section_pools(blueprint)
    rows = db.session.execute(
        sa.select(
            Question.id,
            QuestionVersion.difficulty,
            QuestionVersion.topic_id,
            Topic.title,
            ItemCalibration.difficulty,
            ItemCalibration.discrimination,
            ItemCalibration.exposure,
        )
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == QuestionVersion.topic_id)
        .outerjoin(ItemCalibration, ItemCalibration.version_id == QuestionVersion.id)
        .where(Question.id.in_({q for pool in pools for q in pool}))
    ).all()
    parameters = {
        question_id: (*calibrated.parameters(label, b, a), topic_id)
        for question_id, label, topic_id, _, b, a, _ in rows
    }
    exposure = {question_id: rate or 0.0 for question_id, *_, rate in rows}
    topic_titles = {topic_id: title for _, _, topic_id, title, *_ in rows}
    sections, topic_counts, topic_items = [], {}, {}
    cat_section: dict[int, int] = {}
    for number, (section, pool) in enumerate(zip(blueprint.sections, pools, strict=True)):
        for question_id in pool:
            if question_id in parameters:
                cat_section.setdefault(question_id, number)
        known = [parameters[q] for q in pool if q in parameters]
        if not known:
            continue
        count = min(section["questions"], len(known))
        sections.append(
            scoring.Section(count, np.array([k[0] for k in known]), np.array([k[1] for k in known]))
        )
        for b, a, topic_id in known:  # a topic's expected questions on a fresh form
            topic_counts[topic_id] = topic_counts.get(topic_id, 0.0) + count / len(known)
            topic_items.setdefault(topic_id, []).append((b, a))
    topic_sections = {
        topic_id: scoring.Section(
            topic_counts[topic_id],
            np.array([b for b, _ in items]),
            np.array([a for _, a in items]),
        )
        for topic_id, items in topic_items.items()
    }
    cat_questions = tuple(sorted(cat_section))
    cat_pool, theta_cut = None, None
    if cat_questions:
        enemies = bank_services.enemy_groups(cat_questions)
        shares = np.array([s["questions"] for s in blueprint.sections], dtype=np.float64)
        cat_pool = cat.Pool(
            difficulty=np.array([parameters[q][0] for q in cat_questions]),
            discrimination=np.array([parameters[q][1] for q in cat_questions]),
            topic=np.array([cat_section[q] for q in cat_questions]),
            topic_share=shares / shares.sum(),
            population_sd=calibrated.population_sd,
            exposure=np.array([exposure[q] for q in cat_questions]),
            enemies=cat.enemy_indices([enemies.get(q, ()) for q in cat_questions]),
        )
        try:
            theta_cut = cat.passing_theta(cat_pool, blueprint.passing_percent)
        except ValueError:  # a mark of 0 or 100 %: beyond the scale's ends
            theta_cut = -10.0 if blueprint.passing_percent <= 50 else 10.0
    return BlueprintPool(
        cat_questions=cat_questions,
        cat_pool=cat_pool,
        theta_cut=theta_cut,
        question_ids=frozenset(parameters),
        curve=scoring.pass_curve(sections, blueprint.passing_percent)
        if sections
        else np.zeros_like(irt.THETA_GRID),
        topic_sections=topic_sections,
        topic_titles=topic_titles,
        question_count=sum(s.count for s in sections),
    )


@dataclass(frozen=True)
class Answer:
    question_id: int
    topic_id: int
    difficulty: float
    discrimination: float
    correct: bool
    graded_at: datetime


def recent_answers(user_id: int, calibrated: Calibrated) -> list[Answer]:
    """The student's last RECENCY_WINDOW graded answers, oldest first, each question's first
    answer only (in one query); parameters from the calibration or the authored prior."""
    rows = db.session.execute(
        sa.select(
            AttemptQuestion.question_id,
            QuestionVersion.topic_id,
            QuestionVersion.difficulty,
            ItemCalibration.difficulty,
            ItemCalibration.discrimination,
            AttemptQuestion.score,
            AttemptQuestion.graded_at,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
        .outerjoin(ItemCalibration, ItemCalibration.version_id == AttemptQuestion.version_id)
        .where(
            Attempt.user_id == user_id,
            AttemptQuestion.graded_at.is_not(None),
            AttemptQuestion.answered_at.is_not(None),
            answers_count_in_history(),
        )
        .order_by(AttemptQuestion.graded_at.desc(), AttemptQuestion.id.desc())
        .limit(irt.RECENCY_WINDOW)
    ).all()
    answers, seen = [], set()
    for question_id, topic_id, label, b, a, score, graded_at in reversed(rows):
        if question_id in seen:
            continue
        seen.add(question_id)
        b, a = calibrated.parameters(label, b, a)
        answers.append(Answer(question_id, topic_id, b, a, (score or 0) >= FULL_POINT, graded_at))
    return answers


@dataclass(frozen=True)
class TrendPoint:
    week_ending: datetime
    probability: float | None  # None: not enough answers by then


@dataclass(frozen=True)
class Shortfall:
    topic: str
    points: float  # right answers a fresh form would gain


@dataclass(frozen=True)
class BlueprintReadiness:
    blueprint: Blueprint
    answers: int
    result: scoring.Readiness | None
    #: When result is None: about how many more answers would show it.
    more_needed: int
    trend: list[TrendPoint]
    shortfalls: list[Shortfall]
    question_count: int
    #: The questions the blueprint draws from (only a first answer to each counts).
    pool_size: int

    @property
    def pool_too_small(self) -> bool:
        """No estimate yet, and the questions not yet answered cannot bring one."""
        return self.result is None and self.more_needed > self.pool_size - self.answers


def _estimate(answers: list[Answer], pool: BlueprintPool, population_sd: float):
    return scoring.readiness(
        [a.difficulty for a in answers],
        [a.discrimination for a in answers],
        [a.correct for a in answers],
        pool.curve,
        weights=irt.recency_weights(len(answers)),
        population_sd=population_sd,
    )


def _more_needed(answers: list[Answer], pool: BlueprintPool, population_sd: float) -> int:
    if len(answers) < scoring.MIN_ANSWERS:
        return scoring.MIN_ANSWERS - len(answers)
    ability = irt.estimate_ability(
        [a.difficulty for a in answers],
        [a.discrimination for a in answers],
        [a.correct for a in answers],
        weights=irt.recency_weights(len(answers)),
        prior_sd=population_sd,
    )
    # The standard error shrinks about as 1/√answers.
    ratio = (ability.se / scoring.MAX_ABILITY_SE) ** 2
    return max(1, math.ceil(len(answers) * (ratio - 1)))


def blueprint_readiness(
    blueprint: Blueprint, answers: list[Answer], calibrated: Calibrated, *, now: datetime
) -> BlueprintReadiness:
    """The readiness card's figures, from the process cache when the same answers, pool and day
    made them: the key is what they are computed from, so every server agrees, and a new
    answer or calibration run simply misses. The trend's weeks end at midnight (UTC)."""
    pool = blueprint_pool(blueprint, calibrated)
    mine = tuple(a for a in answers if a.question_id in pool.question_ids)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sd = calibrated.population_sd
    results = current_app.extensions.setdefault("readiness_results", OrderedDict())
    # The answers by their hash (64 bits), not themselves: 4,096 entries of 1,000 answers each
    # would hold hundreds of megabytes.
    key = (id(pool), len(mine), hash(mine), sd, today)
    figures = results.get(key)
    if figures is None or figures[0] is not pool:
        figures = (pool, _figures(pool, mine, sd, today))
        results[key] = figures
        if len(results) > RESULTS_CACHE_SIZE:
            results.popitem(last=False)
    result, more_needed, past, shortfalls = figures[1]
    trend = [*past, TrendPoint(now, result.probability if result else None)]
    return BlueprintReadiness(
        blueprint=blueprint,
        answers=len(mine),
        result=result,
        more_needed=more_needed,
        trend=trend if any(p.probability is not None for p in trend) else [],
        shortfalls=shortfalls,
        question_count=pool.question_count,
        pool_size=len(pool.question_ids),
    )


def _figures(pool: BlueprintPool, mine: tuple[Answer, ...], sd: float, today: datetime):
    """(readiness or None, answers still needed, past trend points, topic shortfalls)."""
    result = _estimate(list(mine), pool, sd) if mine else None
    past = []
    for weeks_ago in range(TREND_WEEKS, 0, -1):
        cutoff = today - timedelta(weeks=weeks_ago)
        earlier = [a for a in mine if a.graded_at <= cutoff]
        estimate = _estimate(earlier, pool, sd) if earlier else None
        past.append(TrendPoint(cutoff, estimate.probability if estimate else None))
    while past and past[0].probability is None:  # the weeks before there was enough to say
        past.pop(0)
    shortfalls = []
    if result is not None:
        by_topic: dict[int, list[Answer]] = {}
        for answer in mine:
            by_topic.setdefault(answer.topic_id, []).append(answer)
        gains = scoring.topic_shortfalls(
            result.ability,
            pool.topic_sections,
            {
                topic_id: (
                    [a.difficulty for a in rows],
                    [a.discrimination for a in rows],
                    [a.correct for a in rows],
                )
                for topic_id, rows in by_topic.items()
            },
        )
        shortfalls = [
            Shortfall(pool.topic_titles[topic_id], points)
            for topic_id, points in gains[:TOP_SHORTFALLS]
            if points >= MIN_SHORTFALL
        ]
    more_needed = 0 if result else _more_needed(list(mine), pool, sd)
    return result, more_needed, past, shortfalls


def taken_blueprints(user_id: int) -> list[Blueprint]:
    """The blueprints the student took tests of, the most recent first (at most MAX_BLUEPRINTS)."""
    latest = (
        sa.select(Attempt.blueprint_id, sa.func.max(Attempt.started_at).label("latest"))
        .where(Attempt.user_id == user_id, Attempt.blueprint_id.is_not(None))
        .group_by(Attempt.blueprint_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Blueprint)
            .join(latest, latest.c.blueprint_id == Blueprint.id)
            .where(Blueprint.retired_at.is_(None))
            .order_by(latest.c.latest.desc(), Blueprint.id)
            .limit(MAX_BLUEPRINTS)
        )
    )


def student_readiness(
    user_id: int, blueprints: list[Blueprint], *, now: datetime
) -> list[BlueprintReadiness]:
    if not blueprints:
        return []
    calibrated = current_calibration()
    answers = recent_answers(user_id, calibrated)
    return [blueprint_readiness(b, answers, calibrated, now=now) for b in blueprints]


@dataclass(frozen=True)
class PercentileRanks:
    """Where a score falls among the other students' first attempts at a blueprint."""

    everyone: float | None  # None below scoring.MIN_PEERS others
    others: int
    in_class: float | None
    classmates: int


def percentile_ranks(user_id: int, blueprint_id: int, score: float) -> PercentileRanks:
    """Among everyone's first finished exam-mode attempt at the blueprint, and among the
    student's classmates' (any class the student is in), in one query over the per-student
    aggregates: one row per student who took the test, however many attempts they made."""
    firsts = StudentBlueprintResult
    my_classes = sa.select(Enrollment.class_id).where(Enrollment.student_id == user_id)
    classmate = firsts.user_id.in_(
        sa.select(Enrollment.student_id).where(Enrollment.class_id.in_(my_classes))
    )
    percent = firsts.first_exam_percent

    def count(*conditions):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0)), 0)

    row = db.session.execute(
        sa.select(
            sa.func.count(),
            count(percent < score),
            count(percent == score),
            count(classmate),
            count(classmate, percent < score),
            count(classmate, percent == score),
        ).where(
            firsts.blueprint_id == blueprint_id,
            percent.is_not(None),
            firsts.user_id != user_id,
        )
    ).one()
    others, below, equal, classmates, class_below, class_equal = (int(v) for v in row)
    return PercentileRanks(
        everyone=scoring.percentile_from_counts(below, equal, others),
        others=others,
        in_class=scoring.percentile_from_counts(class_below, class_equal, classmates),
        classmates=classmates,
    )


def latest_exam_scores(user_id: int, blueprint_ids: list[int]) -> dict[int, float]:
    """The student's latest finished exam-mode percent at each of these blueprints."""
    latest = (
        sa.select(sa.func.max(Attempt.id))
        .where(
            Attempt.user_id == user_id,
            Attempt.blueprint_id.in_(blueprint_ids),
            Attempt.mode == Mode.EXAM.value,
            Attempt.status == Status.FINISHED.value,
        )
        .group_by(Attempt.blueprint_id)
    )
    return dict(
        db.session.execute(
            sa.select(Attempt.blueprint_id, Attempt.percent).where(Attempt.id.in_(latest))
        ).all()
    )


@dataclass(frozen=True)
class ReadinessCard:
    """What a page shows for one blueprint: readiness, and the score's percentile ranks."""

    readiness: BlueprintReadiness
    score: float | None
    ranks: PercentileRanks | None


def readiness_cards(
    user_id: int, blueprints: list[Blueprint], *, now: datetime, scores: dict[int, float]
) -> list[ReadinessCard]:
    """Readiness for each blueprint, with the percentile ranks of `scores[blueprint.id]`."""
    return [
        ReadinessCard(
            readiness,
            scores.get(readiness.blueprint.id),
            percentile_ranks(user_id, readiness.blueprint.id, scores[readiness.blueprint.id])
            if readiness.blueprint.id in scores
            else None,
        )
        for readiness in student_readiness(user_id, blueprints, now=now)
    ]


def progress_cards(user_id: int, *, now: datetime) -> list[ReadinessCard]:
    """The progress page's cards: the blueprints taken most recently, each with the latest
    exam-mode score's percentile ranks."""
    blueprints = taken_blueprints(user_id)
    if not blueprints:
        return []
    scores = latest_exam_scores(user_id, [b.id for b in blueprints])
    return readiness_cards(user_id, blueprints, now=now, scores=scores)
