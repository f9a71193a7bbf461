"""The exam tests' mixed bank (every question type) and its blueprint."""

from tests.exams.conftest import mixed

__all__ = ["mixed"]
