from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.exams.services import MAX_CUSTOM_QUESTIONS, MIN_CUSTOM_QUESTIONS

MODE_CHOICES = [
    SelectChoice("exam", "Exam: timed, results at the end"),
    SelectChoice("tutor", "Tutor: untimed, see the answer and rationale after each question"),
]


class StartForm(FlaskForm):
    mode = RadioField("Mode", choices=MODE_CHOICES, default="exam", validators=[InputRequired()])


class CustomTestForm(FlaskForm):
    topics = SelectMultipleField(
        "Banks and topics",
        choices=[],
        validators=[DataRequired(message="Choose at least one bank or topic.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="Tick whole banks or single topics; a topic includes the topics under it.",
    )
    count = IntegerField(
        "Number of questions",
        default=25,
        validators=[InputRequired(), NumberRange(MIN_CUSTOM_QUESTIONS, MAX_CUSTOM_QUESTIONS)],
        description=f"From {MIN_CUSTOM_QUESTIONS} to {MAX_CUSTOM_QUESTIONS}.",
    )
    pool = RadioField(
        "Draw from",
        choices=[
            SelectChoice("all", "All questions"),
            SelectChoice("unseen", "Unused: questions I have not been given yet"),
            SelectChoice("missed", "Incorrect: my last answer was wrong"),
            SelectChoice("flagged", "Flagged: questions I flagged"),
        ],
        default="all",
        validators=[InputRequired()],
    )
    mode = RadioField("Mode", choices=MODE_CHOICES, default="exam", validators=[InputRequired()])
    time_limit = IntegerField(
        "Time limit in minutes (exam mode)",
        validators=[Optional(), NumberRange(1, 600)],
        description="Leave empty for one minute per question.",
    )


class ReportForm(FlaskForm):
    message = TextAreaField(
        "What looks wrong?",
        validators=[DataRequired(), Length(max=2000)],
        description="For example: the key is wrong, two answers are right, a typo. "
        "The author of the question bank will review it: the site's editors for the shipped "
        "banks, or the instructor who wrote it.",
    )
