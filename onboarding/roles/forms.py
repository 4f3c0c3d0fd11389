"""Role library forms: upload, confirm, edit. Forms validate; operations write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class RoleImportForm(FlaskForm):
    """Files, or text pasted from a page; at least one of the two (the view says so)."""

    documents = MultipleFileField(
        "Blueprint documents",
        description="A Word document (.docx), a PDF with a text layer, WordPress JSON, an HTML page or "
        "fragment, plain text, Markdown, or an onboarding YAML/JSON export. Up to 5 MB each.",
    )
    pasted = TextAreaField(
        "Or paste the text",
        description="Copied from a web page or a document: the whole role, as it reads. Up to 5 MB.",
    )
    submit = SubmitField("Preview import")


class RoleImportConfirmForm(FlaskForm):
    """The signed preview, and which of its roles to import (all ticked at first)."""

    payload = HiddenField(validators=[DataRequired()])
    #: choices are the preview's roles by position, set by the view from the payload
    chosen = SelectMultipleField(coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField("Import the ticked roles")


class PhaseEditForm(Form):
    """One phase of a template in the editor: its theme and its milestones as lines."""

    key = HiddenField()
    theme = StringField("Theme", validators=[Length(max=200)])
    milestones = TextAreaField(
        "Milestones",
        validators=[Length(max=100_000)],
        description="One milestone per line. Indent a line (two spaces, or start it with '- ') to make it a "
        "sub-item of the line above. Move lines to reorder; delete a line to remove it.",
    )


class TemplateEditForm(FlaskForm):
    title = StringField("Role title", validators=[DataRequired(), Length(max=300)])
    level = StringField("Level", validators=[Length(max=60)])
    summary = TextAreaField("Summary", validators=[Length(max=20_000)])
    phases = FieldList(FormField(PhaseEditForm))
    submit = SubmitField("Save as a new version")
