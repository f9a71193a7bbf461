"""Score history: a student's progress over time, topic mastery, and item statistics."""
