"""A class's results: roster with scores per blueprint, averages over time, topic mastery.

Everything here reads the per-student aggregates (quizapp.history.aggregates): a few rows per
student shown, or one grouped query over the class, never every attempt or answer.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa

from quizapp.auth.models import User
from quizapp.banks.models import Bank, Blueprint
from quizapp.extensions import db
from quizapp.history.models import StudentBankWeek, StudentBlueprintResult, StudentTotal


@dataclass
class BlueprintResult:
    attempts: int
    best: float
    #: The percents of the latest TREND_WINDOW attempts, oldest first.
    recent: list[float]

    @property
    def latest(self) -> float:
        return self.recent[-1]

    @property
    def trend(self) -> float | None:
        """Points gained from the first to the last of the latest TREND_WINDOW attempts."""
        return self.recent[-1] - self.recent[0] if len(self.recent) > 1 else None


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


def roster_results(user_ids: list[int]) -> dict[int, StudentResults]:
    """Per student id, the finished-attempt count and latest/best/trend per blueprint."""
    results = {user_id: StudentResults() for user_id in user_ids}
    if not results:
        return {}
    for user_id, count in db.session.execute(
        sa.select(StudentTotal.user_id, StudentTotal.finished_attempts).where(
            StudentTotal.user_id.in_(results)
        )
    ):
        results[user_id].attempts = count
    for row in db.session.scalars(
        sa.select(StudentBlueprintResult).where(StudentBlueprintResult.user_id.in_(results))
    ):
        results[row.user_id].by_blueprint[row.blueprint_id] = BlueprintResult(
            row.attempts, row.best_percent, [percent for _, _, percent in row.recent]
        )
    return results


def roster_blueprints(user_ids) -> dict[int, str]:
    """The titles of the blueprints these users (ids, or a select of them) finished, by title."""
    return dict(
        db.session.execute(
            sa.select(Blueprint.id, Blueprint.title)
            .where(
                Blueprint.id.in_(
                    sa.select(StudentBlueprintResult.blueprint_id).where(
                        StudentBlueprintResult.user_id.in_(user_ids)
                    )
                )
            )
            .order_by(Blueprint.title, Blueprint.id)
        ).all()
    )


def roster_rows(students: list[User], results: dict[int, StudentResults]) -> list[RosterRow]:
    return [RosterRow(student, results.get(student.id, StudentResults())) for student in students]


def roster_report(students: list[User]) -> tuple[list[RosterRow], dict[int, str]]:
    """Each student's attempt count and latest/best/trend per blueprint; blueprint titles."""
    ids = [s.id for s in students]
    return roster_rows(students, roster_results(ids)), roster_blueprints(ids)


def class_average_series(user_ids) -> dict[str, list[tuple[datetime, float]]]:
    """Per bank, the average score of these users' (ids, or a select of them) finished attempts
    on that bank's questions, week by week."""
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for title, week, percent_sum, attempts in db.session.execute(
        sa.select(
            Bank.title,
            StudentBankWeek.week,
            sa.func.sum(StudentBankWeek.percent_sum),
            sa.func.sum(StudentBankWeek.attempts),
        )
        .join(Bank, Bank.id == StudentBankWeek.bank_id)
        .where(StudentBankWeek.user_id.in_(user_ids))
        .group_by(Bank.id, Bank.title, StudentBankWeek.week)
        .order_by(StudentBankWeek.week, Bank.id)
    ):
        monday = datetime.combine(week, time(), UTC)
        series[title].append((monday, round(percent_sum / attempts, 1)))
    return dict(series)
