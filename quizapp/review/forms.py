from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from quizapp.review.models import DIRECTIONS
from quizapp.scoring.spaced import MAX_RETENTION, MIN_RETENTION

MAX_DAILY_GOAL = 500


class ReviewSettingsForm(FlaskForm):
    daily_goal = IntegerField(
        "Daily goal (questions a day)",
        validators=[InputRequired(), NumberRange(1, MAX_DAILY_GOAL)],
        description=(
            f"From 1 to {MAX_DAILY_GOAL}. Questions due for review come first; new questions "
            "from your weakest topics fill the rest."
        ),
    )
    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=[InputRequired(), NumberRange(MIN_RETENTION, MAX_RETENTION)],
        description=(
            f"From {MIN_RETENTION} to {MAX_RETENTION}: the chance of remembering a question "
            "when it comes back. Higher means more reviews; 0.9 suits most students."
        ),
    )
    exam_date = DateField(
        "Exam date (optional)",
        validators=[Optional()],
        description="Year-month-day, for example 2027-05-20. Leave empty for no plan.",
    )
    show_plan = BooleanField(
        "Show my exam-date plan on the home page",
        description="Days left, whether your daily goal covers the questions you have not met, "
        "and the topics furthest behind.",
    )


class FlashcardAnswerForm(FlaskForm):
    word_part_id = HiddenField(validators=[InputRequired()])
    direction = HiddenField(validators=[InputRequired()])
    answer = StringField(
        "Your answer",
        validators=[InputRequired(message="Type an answer."), Length(max=80)],
    )

    def validate_direction(self, field):
        if field.data not in DIRECTIONS:
            raise ValueError("Unknown flashcard.")
