"""Classes: instructors' groups of students, joined with a code."""
