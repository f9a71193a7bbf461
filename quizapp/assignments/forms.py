from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.assignments.models import MAX_ATTEMPTS_ALLOWED

#: What browsers send for a date and time field (with or without seconds), and typed dates.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MODE_CHOICES = [
    SelectChoice("exam", "Exam mode: timed, results at the end"),
    SelectChoice("tutor", "Tutor mode: the answer and rationale after each question"),
]


class ClassesField(SelectMultipleField):
    """Checkboxes of the instructor's classes; none ticked or another's class named is refused
    with a message (and no `required` on each box, which would demand every one)."""

    def pre_validate(self, form):
        if not self.data:
            raise ValidationError("Choose at least one class.")
        if not {c.value for c in self.choices} >= set(self.data):
            raise ValidationError("Choose among your own classes.")


class ScheduleForm(FlaskForm):
    """When an assignment opens and is due, how many attempts it allows, and late work."""

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
    accept_late = BooleanField(
        "Accept late work",
        default=True,
        description="Students may still start after the due time; the report marks it late.",
    )


class AssignForm(ScheduleForm):
    test = SelectField("Practice test", choices=[], validators=[DataRequired()])
    classes = ClassesField(
        "Classes",
        choices=[],
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    mode = RadioField("Mode", choices=MODE_CHOICES, default="exam", validators=[DataRequired()])


class StartAssignmentForm(FlaskForm):
    """The start button of an assignment; the mode is the one the instructor set."""

    #: Sent back as shown; a different one is refused by the service with a message.
    mode = HiddenField(validators=[Optional()])
