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
from quizapp.lti.models import (
    LtiContext,
    LtiGradePost,
    LtiLaunchData,
    LtiPlatform,
    LtiResourceLink,
    LtiToolKey,
    LtiUser,
)
from quizapp.readiness.models import CalibrationRun, ItemCalibration
from quizapp.review.models import ReviewCard, ReviewSettings, WordPart, WordPartCard
from quizapp.tokens.models import ApiToken

__all__ = [
    "ApiToken",
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
    "LtiContext",
    "LtiGradePost",
    "LtiLaunchData",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiToolKey",
    "LtiUser",
    "PendingImport",
    "Question",
    "QuestionReport",
    "QuestionVersion",
    "RegistrationFailure",
    "ReviewCard",
    "ReviewSettings",
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
    "WordPart",
    "WordPartCard",
]
