from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from quizapp.auth.models import Role


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = SearchField("Search by name or email", validators=[Optional(), Length(max=254)])


ACCOMMODATIONS = {
    "standard": "Standard time",
    "1.25": "Time and a quarter (1.25×)",
    "1.5": "Time and a half (1.5×)",
    "2": "Double time (2×)",
    "untimed": "Untimed",
}


class AccommodationForm(FlaskForm):
    time = SelectField(
        "Time on timed tests",
        choices=[SelectChoice(value, label) for value, label in ACCOMMODATIONS.items()],
    )
