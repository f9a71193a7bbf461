"""Spaced review (FSRS) of every question a student met, the exam-date plan, leeches and
word-part flashcards (docs/review.md)."""
