from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

_URL = [DataRequired(), URL(require_tld=False), Length(max=500)]


class PlatformForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=120)],
        description="For you: which LMS this is, e.g. College Canvas.",
    )
    issuer = StringField(
        "Issuer (iss)",
        validators=[DataRequired(), Length(max=255)],
        description="The platform ID, e.g. https://canvas.instructure.com.",
    )
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField(
        "Deployment IDs",
        validators=[DataRequired(), Length(max=2000)],
        description="One per line (or comma-separated).",
    )
    auth_login_url = StringField("OIDC authentication URL", validators=_URL)
    auth_token_url = StringField("Access token URL", validators=_URL)
    key_set_url = StringField("Public keyset (JWKS) URL", validators=_URL)
    auth_audience = StringField(
        "Token audience (optional)",
        validators=[Optional(), Length(max=500)],
        description="Only if the LMS names one different from the access token URL.",
    )
    frame_origins = TextAreaField(
        "LMS site addresses (optional)",
        validators=[Optional(), Length(max=2000)],
        description="Where students open the course, e.g. https://college.instructure.com; "
        "only these may show the tool in a frame. One per line.",
    )


def split_lines(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(",", "\n").splitlines() if part.strip()]
