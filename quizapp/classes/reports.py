"""A class's results: roster with scores per blueprint, averages over time, topic mastery."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Blueprint
from quizapp.exams.models import Attempt, Status
from quizapp.extensions import db
from quizapp.history import services as history

TREND_WINDOW = 5


@dataclass
class BlueprintResult:
    percents: list[float] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len(self.percents)

    @property
    def latest(self) -> float:
        return self.percents[-1]

    @property
    def best(self) -> float:
        return max(self.percents)

    @property
    def trend(self) -> float | None:
        """Points gained from the first to the last of the latest five attempts."""
        recent = self.percents[-TREND_WINDOW:]
        return recent[-1] - recent[0] if len(recent) > 1 else None


@dataclass
class StudentResults:
    attempts: int = 0
    by_blueprint: dict[int, BlueprintResult] = field(default_factory=dict)


@dataclass
class RosterRow:
    student: User
    results: StudentResults

    @property
    def attempts(self) -> int:
        return self.results.attempts

    @property
    def by_blueprint(self) -> dict[int, BlueprintResult]:
        return self.results.by_blueprint


def roster_results(user_ids: list[int]) -> tuple[dict[int, StudentResults], dict[int, str]]:
    """Per student id, the finished-attempt count and latest/best/trend per blueprint; and the
    blueprints' titles, by title. Plain data (no ORM objects), so it can be cached."""
    results = {user_id: StudentResults() for user_id in user_ids}
    if not results:
        return {}, {}
    finished = (Attempt.user_id.in_(results), Attempt.status == Status.FINISHED.value)
    for user_id, count in db.session.execute(
        sa.select(Attempt.user_id, sa.func.count()).where(*finished).group_by(Attempt.user_id)
    ):
        results[user_id].attempts = count
    titles: dict[int, str] = {}
    for user_id, blueprint_id, title, percent in db.session.execute(
        sa.select(Attempt.user_id, Attempt.blueprint_id, Blueprint.title, Attempt.percent)
        .join(Blueprint, Blueprint.id == Attempt.blueprint_id)
        .where(*finished)
        .order_by(Attempt.finished_at, Attempt.id)
    ):
        titles[blueprint_id] = title
        result = results[user_id].by_blueprint.setdefault(blueprint_id, BlueprintResult())
        result.percents.append(percent or 0.0)
    return results, dict(sorted(titles.items(), key=lambda item: item[1]))


def roster_rows(students: list[User], results: dict[int, StudentResults]) -> list[RosterRow]:
    return [RosterRow(student, results.get(student.id, StudentResults())) for student in students]


def roster_report(students: list[User]) -> tuple[list[RosterRow], dict[int, str]]:
    """Each student's attempt count and latest/best/trend per blueprint; blueprint titles."""
    results, titles = roster_results([s.id for s in students])
    return roster_rows(students, results), titles


def week_start(moment: datetime) -> datetime:
    day = moment - timedelta(days=moment.weekday())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def class_average_series(user_ids: list[int]) -> dict[str, list[tuple[datetime, float]]]:
    """Per bank, the class's average score on that bank's questions, week by week."""
    weeks: dict[tuple[int, datetime], list[float]] = defaultdict(list)
    rows = history.bank_scores(user_ids)
    for _, _, finished_at, bank_id, points, count in rows:
        weeks[(bank_id, week_start(finished_at))].append(100 * points / count)
    titles = history.bank_titles({bank_id for bank_id, _ in weeks})
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for (bank_id, week), percents in sorted(weeks.items(), key=lambda item: item[0][1]):
        series[titles[bank_id]].append((week, round(sum(percents) / len(percents), 1)))
    return dict(series)
