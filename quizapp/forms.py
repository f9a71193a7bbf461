"""Forms shared by several domains."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A CSRF-protected POST button with no fields."""
