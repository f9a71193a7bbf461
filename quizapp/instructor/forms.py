from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from quizapp.banks.manage import REPORT_OUTCOMES

REPLY_MAX_LENGTH = 2000


class ReportReplyForm(FlaskForm):
    """Close a student's report, with a note they see on their home page."""

    outcome = RadioField(
        "Outcome",
        choices=[SelectChoice(value, label) for value, label in REPORT_OUTCOMES.items()],
        default="answered",
        validators=[DataRequired("Choose fixed, answered or dismissed.")],
    )
    reply = TextAreaField(
        "Note to the student",
        validators=[Optional(), Length(max=REPLY_MAX_LENGTH)],
        description="Optional. They see it on their home page with the question they reported.",
        render_kw={"rows": 3, "maxlength": REPLY_MAX_LENGTH},
    )
