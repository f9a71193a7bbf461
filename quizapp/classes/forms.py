from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ClassForm(FlaskForm):
    name = StringField(
        "Class name",
        validators=[DataRequired(), Length(max=120)],
        description="For example: MA 101, spring cohort.",
    )


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        validators=[DataRequired(), Length(max=32)],
        description="Your instructor gives you this code.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
