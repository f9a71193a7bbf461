"""Personal access tokens for the JSON API (quizapp.api)."""
