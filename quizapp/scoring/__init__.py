"""Pure scoring code: question types, grading and statistics. No Flask, no SQLAlchemy."""
