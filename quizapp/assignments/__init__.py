"""Assignments: a practice test set for a class, with a window, an attempt limit and a mode."""
