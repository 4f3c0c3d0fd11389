"""Role library forms: upload, confirm, edit. Forms validate; operations write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length


class RoleImportForm(FlaskForm):
    documents = MultipleFileField(
        "Blueprint documents",
        validators=[DataRequired("Choose at least one file.")],
        description="WordPress JSON, an HTML page or fragment, plain text, Markdown, or an onboarding YAML/JSON export. Up to 5 MB each.",
    )
    submit = SubmitField("Preview import")


class RoleImportConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Import these roles")


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
