"""The webhook endpoint form. Forms validate; operations write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from onboarding.audit.types import WEBHOOK_TYPES
from onboarding.core.forms import choices


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField("Endpoint URL", validators=[DataRequired(), Length(max=2000)])
    events = CheckboxesField("Events", choices=choices((t, t) for t in WEBHOOK_TYPES),
                             validators=[DataRequired("Choose at least one event.")])
    description = StringField("Description", validators=[Length(max=200)])
