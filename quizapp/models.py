"""Import every domain's models so that create_all() and Alembic see all tables."""

from quizapp.auth.models import LoginFailure, User

__all__ = ["LoginFailure", "User"]
