from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.assignments.models import MAX_ATTEMPTS_ALLOWED

#: What browsers send for a date and time field (with or without seconds), and typed dates.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MODE_CHOICES = [
    ("exam", "Exam mode: timed, results at the end"),
    ("tutor", "Tutor mode: the answer and rationale after each question"),
]


class AssignForm(FlaskForm):
    test = SelectField("Practice test", choices=[], validators=[DataRequired()])
    classes = SelectMultipleField(
        "Classes",
        choices=[],
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired("Choose at least one class.")],
    )
    opens_at = DateTimeLocalField(
        "Opens", format=LOCAL_FORMATS, validators=[InputRequired("Give an opening time.")]
    )
    due_at = DateTimeLocalField(
        "Due", format=LOCAL_FORMATS, validators=[InputRequired("Give a due time.")]
    )
    max_attempts = IntegerField(
        "Attempts allowed",
        default=1,
        validators=[
            InputRequired("Give the number of attempts allowed."),
            NumberRange(1, MAX_ATTEMPTS_ALLOWED, f"Between 1 and {MAX_ATTEMPTS_ALLOWED}."),
        ],
        description="Each attempt draws a new set of questions; the report shows the best score.",
    )
    mode = RadioField("Mode", choices=MODE_CHOICES, default="exam", validators=[DataRequired()])
    accept_late = BooleanField(
        "Accept late work",
        default=True,
        description="Students may still start after the due time; the report marks it late.",
    )


class StartAssignmentForm(FlaskForm):
    """The start button of an assignment; the mode is the one the instructor set."""

    #: Sent back as shown; a different one is refused by the service with a message.
    mode = HiddenField(validators=[Optional()])
