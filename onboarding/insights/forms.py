"""The Insights page's filters (a GET form: no CSRF, nothing written)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import MonthField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import TextInput

MONTH_INPUT = {"placeholder": "YYYY-MM", "autocomplete": "off", "spellcheck": "false", "size": 9}


class InsightFilterForm(FlaskForm):
    """Role, manager (admins only) and a range of start months."""

    class Meta:
        csrf = False

    role = SelectField("Role", default="", validators=[Optional()])
    manager = SelectField("Manager", default="", validators=[Optional()])
    # text boxes for YYYY-MM, as dates are typed everywhere (core.forms.IsoDateField), not the
    # browser's month picker, whose look follows the browser's locale
    start_from = MonthField("Started from (month)", validators=[Optional()], widget=TextInput(), render_kw=MONTH_INPUT)
    start_to = MonthField("Started up to (month)", validators=[Optional()], widget=TextInput(), render_kw=MONTH_INPUT)

    def validate_start_to(self, field) -> None:
        if field.data and self.start_from.data and field.data < self.start_from.data:
            raise ValidationError("The last month comes before the first.")
