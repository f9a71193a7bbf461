"""Taking practice tests: attempts, answers, timing, grading, results and review."""
