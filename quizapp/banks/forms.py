from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from quizapp.banks.models import DIFFICULTIES, VISIBILITIES

FORMAT_CHOICES = [
    SelectChoice("", "Detect from the file"),
    SelectChoice("gift", "Moodle GIFT"),
    SelectChoice("aiken", "Aiken"),
    SelectChoice("moodle_xml", "Moodle XML"),
    SelectChoice("qti", "IMS QTI 1.2 / 2.x / 3.0 (.xml or .zip)"),
    SelectChoice("spreadsheet", "CSV, TSV or Excel (.xlsx), incl. Kahoot, D2L, Blackboard"),
    SelectChoice("text2qti", "text2qti plain text"),
    SelectChoice("native", "MA Exam Prep YAML or JSON"),
]
VISIBILITY_LABELS = {
    "private": "Only me",
    "classes": "My classes",
    "public": "Everyone on this site",
}


class QuestionFilterForm(FlaskForm):
    """Filters of the instructor's question list; a GET form that changes nothing."""

    class Meta:
        csrf = False

    q = SearchField("Search the stems", validators=[Optional(), Length(max=200)])
    topic = SelectField("Topic", choices=[], default="")
    type = SelectField("Type", choices=[], default="")
    retired = BooleanField("Include retired questions")


class UploadForm(FlaskForm):
    file = FileField(
        "Question file",
        validators=[FileRequired("Choose a file to upload.")],
        description="GIFT, Aiken, Moodle XML, QTI (.xml or .zip), CSV/TSV/.xlsx or our YAML.",
    )
    format = SelectField("Format", choices=FORMAT_CHOICES, default="")
    title = StringField(
        "Bank title",
        validators=[Optional(), Length(max=200)],
        description="Leave empty to use the title an MA Exam Prep file gives, else the file name.",
    )


class BankSettingsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    visibility = SelectField(
        "Who can practice it",
        choices=[SelectChoice(v, VISIBILITY_LABELS[v]) for v in VISIBILITIES],
    )


class QuestionEditForm(FlaskForm):
    source = TextAreaField(
        "Question",
        validators=[DataRequired(), Length(max=20000)],
        description="The question in the bank file format (see the format guide). Saving makes "
        "a new version; tests already taken keep the version they showed.",
        render_kw={"rows": 18, "spellcheck": "true", "class": "font-monospace"},
    )
    #: The version the editor started from: a save on top of a newer one is refused.
    base_version = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )


class SectionForm(Form):
    """One part of a practice test: questions drawn from a bank or one of its topics."""

    source = SelectField("Bank or topic", choices=[], default="")
    questions = IntegerField("Questions", validators=[Optional(), NumberRange(1, 265)])
    #: Takes this part out (the form comes back without it; nothing is saved).
    remove = SubmitField("Remove")


class BlueprintForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    time_limit_minutes = IntegerField(
        "Time limit (minutes)", default=60, validators=[InputRequired(), NumberRange(1, 600)]
    )
    passing_percent = IntegerField(
        "Passing mark (%)", default=70, validators=[InputRequired(), NumberRange(0, 100)]
    )
    #: Parts are added and removed by posting the form back (add_part, a part's remove).
    sections = FieldList(FormField(SectionForm), min_entries=1, max_entries=20)
    add_part = SubmitField("Add a part")


FORMATTING_HELP = (
    "You may use <b>bold</b>, <i>italic</i>, <sub>sub</sub>/<sup>super</sup>script, <br> line "
    "breaks, lists and simple tables; other markup is removed."
)


class OptionForm(Form):
    text = StringField("Option", validators=[Length(max=2000)])
    correct = BooleanField("Correct")


class PairForm(Form):
    prompt = StringField("Prompt", validators=[Length(max=2000)])
    match = StringField("Its match", validators=[Length(max=500)])


class ItemForm(Form):
    text = StringField("Item", validators=[Length(max=2000)])
    position = IntegerField("Position", validators=[Optional(), NumberRange(1, 50)])


class QuestionForm(FlaskForm):
    """One question, whatever its type; the template shows the fields of its type.

    Lists grow and shrink with the "Add" and "Remove" buttons (a round trip, no script).
    """

    stem = TextAreaField(
        "Question text",
        validators=[Length(max=20000)],
        description=FORMATTING_HELP,
        render_kw={"rows": 4},
    )
    options = FieldList(FormField(OptionForm), max_entries=20)
    #: The index of the correct option of a single-best-answer question (radio buttons).
    key = StringField("Correct option", validators=[Optional(), Length(max=3)])
    shuffle = BooleanField("Shuffle the options for each student", default=True)
    truth = RadioField(
        "The statement is",
        choices=[SelectChoice("true", "True"), SelectChoice("false", "False")],
        validate_choice=False,
    )
    accepted = FieldList(
        StringField("Accepted answer", validators=[Length(max=200)]), max_entries=20
    )
    tolerance = StringField(
        "Tolerance (±)",
        validators=[Optional(), Length(max=20)],
        description="For numeric answers: how far off an answer may be and still count.",
    )
    pairs = FieldList(FormField(PairForm), max_entries=20)
    extra_matches = FieldList(
        StringField("Extra match", validators=[Length(max=500)]), max_entries=10
    )
    items = FieldList(FormField(ItemForm), max_entries=20)
    rationale = TextAreaField(
        "Rationale (shown after grading)",
        validators=[Length(max=20000)],
        description=FORMATTING_HELP,
        render_kw={"rows": 3},
    )
    topic = SelectField("Topic", choices=[])
    difficulty = SelectField(
        "Difficulty",
        choices=[SelectChoice(d, d.capitalize()) for d in DIFFICULTIES],
        default="medium",
    )
    tags = StringField("Tags", validators=[Length(max=500)], description="Separated by commas.")
    source = StringField("Source", validators=[Optional(), Length(max=500)])
    picture = FileField("Picture (PNG, JPEG, GIF or WebP)")
    picture_alt = StringField(
        "Its alt text",
        validators=[Length(max=300)],
        description="What the picture shows, for students who cannot see it. Required.",
    )
    picture_target = SelectField("Put it in", choices=[], validate_choice=False)
    #: The version the editor started from: a save on top of a newer one is refused.
    base_version = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
