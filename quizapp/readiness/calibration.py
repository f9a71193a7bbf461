"""`flask stats calibrate`: fit every item's difficulty (and discrimination) from the students'
first graded responses, warm-started from the stored estimates, and count each item's
exposure in recent adaptive checks. See docs/readiness.md."""

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from quizapp.banks.models import QuestionVersion
from quizapp.exams.models import Attempt, AttemptQuestion, Mode
from quizapp.extensions import db
from quizapp.readiness.models import CalibrationRun, ItemCalibration
from quizapp.scoring import irt

#: Exposure rates count the adaptive checks started in this many recent days …
EXPOSURE_DAYS = 90
#: … dividing by at least this many checks, so the first few do not set every item aside.
MIN_EXPOSURE_CHECKS = 50
#: A response is right when it earned the full point (partial credit is not modelled).
FULL_POINT = 1 - 1e-9


def content_key(question_id: int, qtype: str, stem: str, content: dict) -> str:
    """Versions of a question with the same key are one item: what the student saw and what
    was marked right (type, stem, options and key) did not change, only the rationale, topic,
    tags, source or authored difficulty did, which do not change how hard the item is."""
    text = json.dumps([question_id, qtype, stem, content], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Items:
    """The calibration's items: item index per version, and each item's authored label."""

    version_items: dict[int, int]
    labels: list[str]


def load_items() -> Items:
    rows = db.session.execute(
        sa.select(
            QuestionVersion.id,
            QuestionVersion.question_id,
            QuestionVersion.type,
            QuestionVersion.stem,
            QuestionVersion.content,
            QuestionVersion.difficulty,
        ).order_by(QuestionVersion.question_id, QuestionVersion.number)
    )
    keys: dict[str, int] = {}
    version_items, labels = {}, []
    for version_id, question_id, qtype, stem, content, difficulty in rows:
        key = content_key(question_id, qtype, stem, content)
        if key not in keys:
            keys[key] = len(labels)
            labels.append(difficulty)
        item = keys[key]
        labels[item] = difficulty  # the latest version's label
        version_items[version_id] = item
    return Items(version_items, labels)


def first_responses(version_items: dict[int, int]):
    """(students, items, correct): each student's first graded answer to each item, from
    practice, exam and adaptive attempts alike (later ones are memory, not ability)."""
    # Streamed in batches (a server-side cursor on PostgreSQL), for this statement only: set on
    # the connection, the option would also stream the session's later DELETE, which fails.
    result = db.session.connection().execute(
        sa.select(Attempt.user_id, AttemptQuestion.version_id, AttemptQuestion.score)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(AttemptQuestion.graded_at.is_not(None), AttemptQuestion.answered_at.is_not(None))
        .order_by(AttemptQuestion.graded_at, AttemptQuestion.id),
        execution_options={"yield_per": 50_000},
    )
    students, versions, scores = [], [], []
    for partition in result.partitions():
        for user_id, version_id, score in partition:
            students.append(user_id)
            versions.append(version_id)
            scores.append(score or 0.0)
    students = np.asarray(students, dtype=np.int64)
    items = np.asarray([version_items[v] for v in versions], dtype=np.int64)
    correct = np.asarray(scores, dtype=np.float64) >= FULL_POINT
    # np.unique's first index of each (student, item) pair is the earliest: rows are in time order.
    pairs = students * (len(version_items) + 1) + items
    _, first = np.unique(pairs, return_index=True)
    first.sort()
    return students[first], items[first], correct[first]


def _stored_start(items: Items, run: CalibrationRun | None) -> irt.Calibration | None:
    if run is None:
        return None
    count = len(items.labels)
    difficulty = np.full(count, np.nan)
    discrimination = np.full(count, np.nan)
    for version_id, b, a in db.session.execute(
        sa.select(
            ItemCalibration.version_id, ItemCalibration.difficulty, ItemCalibration.discrimination
        )
    ):
        item = items.version_items.get(version_id)
        if item is not None:
            difficulty[item], discrimination[item] = b, a
    nothing = np.full(count, np.nan)
    return irt.Calibration(
        difficulty=difficulty,
        difficulty_se=nothing,
        discrimination=discrimination,
        discrimination_se=nothing,
        responses=np.zeros(count, dtype=np.int64),
        population_sd=run.population_sd,
        priors={label: tuple(value) for label, value in run.priors.items()},
        iterations=0,
        converged=False,
    )


def exposure_rates(items: Items, *, now: datetime) -> np.ndarray:
    """Each item's share of the adaptive checks started in the last EXPOSURE_DAYS."""
    recent = sa.and_(
        Attempt.mode == Mode.ADAPTIVE.value,
        Attempt.started_at >= now - timedelta(days=EXPOSURE_DAYS),
    )
    checks = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(recent))
    shown = np.zeros(len(items.labels))
    rows = db.session.execute(
        sa.select(AttemptQuestion.version_id, sa.func.count())
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(recent)
        .group_by(AttemptQuestion.version_id)
    )
    for version_id, count in rows:
        shown[items.version_items[version_id]] += count
    return shown / max(checks, MIN_EXPOSURE_CHECKS)


def latest_run() -> CalibrationRun | None:
    return db.session.scalar(sa.select(CalibrationRun).order_by(CalibrationRun.id.desc()).limit(1))


def calibrate_items(*, now: datetime) -> CalibrationRun:
    """Calibrate every item and replace the stored estimates (flushes, does not commit)."""
    started = time.perf_counter()
    items = load_items()
    students, item_index, correct = first_responses(items.version_items)
    labels = items.labels
    start = _stored_start(items, latest_run())
    fit = irt.calibrate(
        students, item_index, correct, labels or np.array([], dtype=str), start=start
    )
    exposure = exposure_rates(items, now=now)
    db.session.execute(sa.delete(ItemCalibration))
    rows = [
        {
            "version_id": version_id,
            "difficulty": float(fit.difficulty[item]),
            "difficulty_se": float(fit.difficulty_se[item]),
            "discrimination": float(fit.discrimination[item]),
            "discrimination_se": (
                float(fit.discrimination_se[item])
                if np.isfinite(fit.discrimination_se[item])
                else None
            ),
            "responses": int(fit.responses[item]),
            "exposure": float(exposure[item]),
            "calibrated_at": now,
        }
        for version_id, item in items.version_items.items()
    ]
    if rows:
        db.session.execute(sa.insert(ItemCalibration), rows)
    run = CalibrationRun(
        finished_at=now,
        responses=len(students),
        items=len(labels),
        population_sd=fit.population_sd,
        priors={label: list(value) for label, value in fit.priors.items()},
        iterations=fit.iterations,
        converged=fit.converged,
        seconds=round(time.perf_counter() - started, 3),
    )
    db.session.add(run)
    db.session.flush()
    return run
