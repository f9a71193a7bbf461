"""Import every domain's models so that create_all() and Alembic see all tables."""

from quizapp.assignments.models import Assignment
from quizapp.auth.models import LoginFailure, RegistrationFailure, User
from quizapp.banks.models import (
    Bank,
    Blueprint,
    PendingImport,
    Question,
    QuestionVersion,
    Topic,
)
from quizapp.classes.models import Classroom, Enrollment
from quizapp.exams.models import Attempt, AttemptQuestion, QuestionReport
from quizapp.history.models import (
    StudentBankScores,
    StudentBankWeek,
    StudentBlueprintResult,
    StudentTopicMastery,
    StudentTotal,
)
from quizapp.item_stats.models import (
    BlueprintStats,
    StudentBlueprintStats,
    StudentVersionStats,
    VersionStats,
)
from quizapp.readiness.models import CalibrationRun, ItemCalibration

__all__ = [
    "Assignment",
    "Attempt",
    "AttemptQuestion",
    "Bank",
    "Blueprint",
    "BlueprintStats",
    "CalibrationRun",
    "Classroom",
    "Enrollment",
    "ItemCalibration",
    "LoginFailure",
    "PendingImport",
    "Question",
    "QuestionReport",
    "QuestionVersion",
    "RegistrationFailure",
    "StudentBankScores",
    "StudentBankWeek",
    "StudentBlueprintResult",
    "StudentBlueprintStats",
    "StudentTopicMastery",
    "StudentTotal",
    "StudentVersionStats",
    "Topic",
    "User",
    "VersionStats",
]
