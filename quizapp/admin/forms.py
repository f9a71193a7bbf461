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
