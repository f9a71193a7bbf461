"""Import every domain's models so that create_all() and Alembic see all tables."""

from quizapp.auth.models import LoginFailure, User
from quizapp.banks.models import Bank, Blueprint, Question, QuestionVersion, Topic

__all__ = ["Bank", "Blueprint", "LoginFailure", "Question", "QuestionVersion", "Topic", "User"]
