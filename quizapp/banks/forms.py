from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField
from wtforms.validators import Length, Optional


class QuestionFilterForm(FlaskForm):
    """Filters of the instructor's question list; a GET form that changes nothing."""

    class Meta:
        csrf = False

    q = SearchField("Search the stems", validators=[Optional(), Length(max=200)])
    topic = SelectField("Topic", choices=[], default="")
    type = SelectField("Type", choices=[], default="")
    retired = BooleanField("Include retired questions")
